// `lakehouse shell`: a script on standard input (\timing, statements over several lines, the \d
// helpers, one session throughout, errors that do not stop it, a statement interrupted by
// SIGINT), and the interactive shell on a real terminal through script(1): prompts, Ctrl-C at the
// prompt and during a statement, Ctrl-D, and the history file.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { PASSWORD, USER, bin, request, sleep, startServer } from './lib/server.mjs';

let server;
let home;
before(async () => {
  server = await startServer();
  home = mkdtempSync(join(tmpdir(), 'lakehouse-shell-'));
});
after(async () => {
  rmSync(home, { recursive: true, force: true });
  assert.equal((await server.stop()).code, 0);
});

const LONG = 'SELECT count(*) FROM range(10000000000) t(a) WHERE a % 7 = 3';
const shellArgs = () => ['shell', '--url', server.url, '--user', USER, '--password', PASSWORD];

// Waits until the text after `from` matches re; fails with everything seen after 60 s.
async function waitFor(get, re, from = 0, what = String(re)) {
  for (let i = 0; i < 3000; i++) {
    if (re.test(get().slice(from))) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}; got:\n${get().slice(from)}`);
}

function startPiped() {
  const p = spawn(bin, shellArgs(), { env: { PATH: process.env.PATH, HOME: home }, stdio: ['pipe', 'pipe', 'pipe'] });
  const s = { p, stdout: '', stderr: '' };
  p.stdout.on('data', (d) => { s.stdout += d; });
  p.stderr.on('data', (d) => { s.stderr += d; });
  s.exited = new Promise((ok) => p.on('close', (code, signal) => ok({ code, signal })));
  return s;
}

function psql(sql) {
  return new Promise((ok, fail) => {
    execFile('psql', [`postgresql://${USER}@127.0.0.1:${server.pgPort}/memory?sslmode=disable`, '-X', '-qAt', '-c', sql],
      { env: { ...process.env, PGPASSWORD: PASSWORD, PGCONNECT_TIMEOUT: '10' } },
      (err, stdout, stderr) => (err ? fail(new Error(stderr)) : ok(stdout)));
  });
}

test('a script on standard input: timing, multi-line statements, \\d helpers, one session, errors go on', async () => {
  assert.equal((await request(server, 'POST', '/admin/catalogs', { body: { name: 'shop' } })).status, 201);
  await psql('SELECT 1'); // makes the server's PostgreSQL catalog database, which listings must hide
  const s = startPiped();
  s.p.stdin.end([
    '\\timing on',
    'SET VARIABLE x = 42;',
    'CREATE TABLE shop.main.orders (id INTEGER NOT NULL, note VARCHAR);',
    "CREATE TEMP TABLE pets AS SELECT 1 AS id, 'cat;dog' AS name;",
    'SELECT id,',
    '       name -- a comment; not the end',
    'FROM pets',
    'ORDER BY id;',
    '\\d',
    '\\d shop.main.orders',
    '\\l',
    '\\dn',
    'SELECT * FROM missing;',
    "SELECT getvariable('x') AS x;",
    '\\timing off',
    'SELECT 7 AS seven;',
    '\\format csv',
    "SELECT 1 AS a, 'x,y' AS b;",
    '\\format yaml',
    '\\q',
    'SELECT 8 AS eight;',
    '',
  ].join('\n'));
  const { code } = await s.exited;
  assert.equal(code, 1, 'a failed statement makes the exit status 1');
  const out = s.stdout;
  assert.match(out, /^Timing is on\.\n/);
  assert.ok(!out.includes('Success'), 'statements without a result print nothing');
  assert.ok(out.includes(' id | name   \n----+--------\n 1  | cat;dog\n(1 row)\n'), out);
  assert.match(out, /\(1 row\)\nTime: \d+\.\d{3} ms\n/);
  assert.match(out, / shop +\| main +\| orders +\| VIEW/);
  assert.match(out, / temp +\| main +\| pets +\| LOCAL TEMPORARY/);
  assert.match(out, / id +\| INTEGER +\|/);
  assert.match(out, / note +\| VARCHAR +\|/);
  assert.match(out, /\n catalog +\| readonly *\n[-+]+\n memory +\| false *\n shop +\| false *\n\(2 rows\)/);
  assert.match(out, / shop +\| main/);
  assert.ok(!out.includes('__'), 'server-internal catalogs are not listed');
  assert.match(s.stderr, /Error: Catalog Error: Table with name missing does not exist/);
  assert.match(out, / x +\n-+\n 42 *\n\(1 row\)/, 'SET VARIABLE carried over to a later statement');
  assert.match(out, /Time: \d+\.\d{3} ms\nTiming is off\.\n seven\n------\n 7    \n\(1 row\)\na,b\n1,"x,y"\n$/, 'nothing after \\q runs');
  assert.match(s.stderr, /\\format takes table, csv, json or ndjson/);
});

test('SIGINT cancels the running statement through the API and the shell goes on', async () => {
  const s = startPiped();
  s.p.stdin.write(`SELECT 40 + 2 AS answer;\n${LONG};\n`);
  await waitFor(() => s.stdout, /\b42\b/);
  await sleep(500); // the shell reads the next line and starts it at once
  s.p.kill('SIGINT');
  await waitFor(() => s.stderr, /Error: INTERRUPT Error: Interrupted!/);
  s.p.stdin.end("SELECT 'still ' || 'here' AS s;\n");
  const { code, signal } = await s.exited;
  assert.equal(signal, null);
  assert.equal(code, 1);
  assert.match(s.stdout, /still here/);
  assert.ok(!/count_star/.test(s.stdout), 'the long statement printed no result');
});

test('on a terminal: prompts, Ctrl-C clears the line or cancels the statement, Ctrl-D quits, history is kept', async () => {
  const cmd = ['exec', bin, ...shellArgs()].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const p = spawn('script', ['-qefc', cmd, '/dev/null'], {
    env: { PATH: process.env.PATH, HOME: home, TERM: 'xterm', SHELL: '/bin/sh' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let tty = '';
  p.stdout.on('data', (d) => { tty += d; });
  p.stderr.on('data', (d) => { tty += d; });
  const exited = new Promise((ok) => p.on('close', (code) => ok(code)));
  const seen = () => tty;
  const step = async (input, re, what) => {
    const from = tty.length;
    p.stdin.write(input);
    await waitFor(seen, re, from, what);
  };

  await waitFor(seen, /lakehouse> $/, 0, 'the first prompt');
  await step('SELECT 40 +\r', /lakehouse-> $/, 'the continuation prompt');
  await step('2 AS answer;\r', / 42 +\r?\n\(1 row\)\r?\nlakehouse> $/, 'the multi-line result');

  // Ctrl-C at a continuation prompt forgets the unfinished statement and the typed line.
  await step("SELECT 'junk',\r", /lakehouse-> $/, 'the continuation prompt');
  await step('more', /more$/, 'the echo');
  await step('\x03', /\^C\r?\nlakehouse> $/, 'a fresh prompt after Ctrl-C');
  let from = tty.length;
  await step("SELECT upper('fresh') AS f;\r", /FRESH[\s\S]*lakehouse> $/, 'the next statement alone');
  assert.ok(!/Error/.test(tty.slice(from)), tty.slice(from));

  // Ctrl-C while a statement runs cancels it; the session goes on.
  from = tty.length;
  p.stdin.write(`${LONG};\r`);
  await sleep(1000);
  await step('\x03', /Error: INTERRUPT Error: Interrupted![\s\S]*lakehouse> $/, 'the cancellation');
  await step('SELECT 6 * 7 AS again;\r', / 42 +\r?\n\(1 row\)\r?\nlakehouse> $/, 'a statement after the cancel');
  assert.ok(!/count_star/.test(tty.slice(from)));

  p.stdin.write('\x04');
  assert.equal(await exited, 0, tty);
  const historyFile = join(home, '.lakehouse_history');
  const history = readFileSync(historyFile, 'utf8');
  assert.ok(history.includes('10000000000'), history);
  assert.ok(history.includes('answer'), history);
  assert.equal(statSync(historyFile).mode & 0o777, 0o600);
});
