// The command line: `lakehouse query` in every output format with credentials from flags or the
// SDKs' environment variables, numbers exactly as the server sent them, table output in bounded
// memory, SQL scripts from a file or standard input, `version`, and --help on every command.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { PASSWORD, USER, bin, startServer } from './lib/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { assert.equal((await server.stop()).code, 0); });

function run(args, env = {}) {
  return new Promise((ok) => {
    execFile(bin, args, { env: { PATH: process.env.PATH, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      ok({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

// Runs the binary with `input` on its standard input (a pipe).
function runWithInput(args, input) {
  return new Promise((ok) => {
    const p = spawn(bin, args, { env: { PATH: process.env.PATH }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code) => ok({ code, stdout, stderr }));
    p.stdin.end(input);
  });
}

// Peak resident memory (kB) of one run of the binary, its output discarded: getrusage of the
// child, so the peak is exact whenever it happens.
function peakKb(args) {
  const probe = 'import resource, subprocess, sys\n' +
    'p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n' +
    'print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)';
  return new Promise((ok, fail) => {
    execFile('python3', ['-c', probe, bin, ...args], { env: { PATH: process.env.PATH } }, (err, stdout, stderr) => {
      if (err) return fail(new Error(stderr));
      const [kb, code] = stdout.trim().split(' ').map(Number);
      ok({ kb, code });
    });
  });
}

const creds = ['--url', () => server.url, '--user', USER, '--password', PASSWORD];
const args = (...rest) => [...creds.map((a) => (typeof a === 'function' ? a() : a)), ...rest];
const SQL = "SELECT 1 AS id, 'a,b' AS name, NULL AS missing UNION ALL SELECT 22, 'x\"y', NULL ORDER BY id";

test('table output is aligned', async () => {
  const r = await run(['query', ...args(SQL)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    ' id | name | missing',
    '----+------+--------',
    ' 1  | a,b  | NULL   ',
    ' 22 | x"y  | NULL   ',
    '(2 rows)',
    '',
  ].join('\n'));
});

test('csv, json and ndjson output', async () => {
  const csv = await run(['query', ...args('--format', 'csv', SQL)]);
  assert.equal(csv.stdout, 'id,name,missing\n1,"a,b",\n22,"x""y",\n');
  const json = await run(['query', ...args('--format', 'json', SQL)]);
  assert.deepEqual(JSON.parse(json.stdout), [{ id: 1, name: 'a,b', missing: null }, { id: 22, name: 'x"y', missing: null }]);
  const nd = await run(['query', ...args('--format', 'ndjson', SQL)]);
  assert.deepEqual(nd.stdout.trim().split('\n').map((l) => JSON.parse(l)), [{ id: 1, name: 'a,b', missing: null }, { id: 22, name: 'x"y', missing: null }]);
  const empty = await run(['query', ...args('--format', 'json', 'SELECT 1 WHERE false')]);
  assert.deepEqual(JSON.parse(empty.stdout), []);
});

test('credentials from the Altertable environment variables', async () => {
  const env = { LAKEHOUSE_URL: server.url, ALTERTABLE_LAKEHOUSE_USERNAME: USER, ALTERTABLE_LAKEHOUSE_PASSWORD: PASSWORD };
  const r = await run(['query', '--format', 'csv', 'SELECT 5 AS five'], env);
  assert.equal(r.stdout, 'five\n5\n');
  const token = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
  const t = await run(['query', '--format', 'csv', 'SELECT 6 AS six'], { LAKEHOUSE_URL: server.url, ALTERTABLE_BASIC_AUTH_TOKEN: token });
  assert.equal(t.stdout, 'six\n6\n');
});

test('errors: SQL errors exit 1, bad credentials and unreachable servers exit 3, usage exits 2', async () => {
  const sqlErr = await run(['query', ...args('SELECT * FROM missing')]);
  assert.equal(sqlErr.code, 1);
  assert.match(sqlErr.stderr, /Catalog Error/);
  const wrong = await run(['query', '--url', server.url, '--user', USER, '--password', 'bad', 'SELECT 1']);
  assert.equal(wrong.code, 3);
  assert.match(wrong.stderr, /401/);
  assert.ok(!wrong.stderr.includes('bad'), 'the password is not echoed');
  const down = await run(['query', '--url', 'http://127.0.0.1:1', '--user', 'a', '--password', 'b', 'SELECT 1']);
  assert.equal(down.code, 3);
  const usage = await run(['query']);
  assert.equal(usage.code, 2);
  const noCreds = await run(['query', '--url', server.url, 'SELECT 1']);
  assert.equal(noCreds.code, 2);
  assert.match(noCreds.stderr, /credentials/);
});

test('version and --help on every command', async () => {
  const v = await run(['version']);
  assert.match(v.stdout, /^lakehouse \d+\.\d+\.\d+ \(DuckDB v1\.5\.\d+\)\n$/);
  for (const cmd of [['--help'], ['help'], ['serve', '--help'], ['query', '--help'], ['shell', '--help'], ['version', '--help']]) {
    const r = await run(cmd);
    assert.equal(r.code, 0, `${cmd.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /Usage: lakehouse/);
  }
  const unknown = await run(['frobnicate']);
  assert.equal(unknown.code, 2);
});

test('numbers print exactly as the server sent them, in every format, integers beyond int64 included', async () => {
  const sql = 'SELECT 586.36::DECIMAL(12,2) AS d, 0.1::DOUBLE AS f, 18446744073709551615::UBIGINT AS u, ' +
    "'-170141183460469231731687303715884105728'::HUGEINT AS h, [0.1, 1e300]::DOUBLE[] AS l";
  const csv = await run(['query', ...args('--format', 'csv', sql)]);
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout, 'd,f,u,h,l\n586.36,0.1,18446744073709551615,-170141183460469231731687303715884105728,"[0.1,1e+300]"\n');
  const row = '{"d":586.36,"f":0.1,"u":18446744073709551615,"h":-170141183460469231731687303715884105728,"l":[0.1,1e+300]}';
  const json = await run(['query', ...args('--format', 'json', sql)]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.stdout, `[\n${row}\n]\n`);
  const nd = await run(['query', ...args('--format', 'ndjson', sql)]);
  assert.equal(nd.stdout, `${row}\n`);
  const table = await run(['query', ...args(sql)]);
  assert.equal(table.code, 0, table.stderr);
  assert.equal(table.stdout.split('\n')[2],
    ' 586.36 | 0.1 | 18446744073709551615 | -170141183460469231731687303715884105728 | [0.1,1e+300]');
  const huge = await run(['query', ...args('--format', 'csv', 'SELECT 340282366920938463463374607431768211455::UHUGEINT AS x')]);
  assert.equal(huge.stdout, 'x\n340282366920938463463374607431768211455\n');
});

test('strings are decoded and widths count characters, not bytes', async () => {
  const r = await run(['query', ...args("SELECT 'é€😀' AS s, 'tab\there' AS t UNION ALL SELECT 'abcd', 'x'")]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    ' s    | t       ',
    '------+---------',
    ' é€😀  | tab\there',
    ' abcd | x       ',
    '(2 rows)',
    '',
  ].join('\n'));
});

test('table output streams in bounded memory; widths come from the first 1000 rows', async () => {
  const big = "SELECT i, 'a label that makes each row longer ' || i AS label, i * 1.5 AS x FROM range(300000) t(i)";
  const small = await peakKb(['query', ...args('SELECT 1')]);
  const large = await peakKb(['query', ...args(big)]);
  assert.equal(large.code, 0);
  // Holding the rows took ~150 MB here; streaming them takes the same as one row.
  assert.ok(large.kb - small.kb < 32 * 1024, `peak ${large.kb} kB for 300,000 rows vs ${small.kb} kB for one`);
  const r = await run(['query', ...args("SELECT i, repeat('x', (i // 1000 * 3)::INT) AS s FROM range(1003) t(i) ORDER BY i")]);
  const lines = r.stdout.split('\n');
  assert.equal(lines.length, 1003 + 4);
  assert.equal(lines[0], ' i   | s');
  assert.equal(lines[2], ' 0   |  ');
  assert.equal(lines[1001], ' 999 |  ');
  assert.equal(lines[1002], ' 1000 | xxx', 'a later row wider than the first 1000 keeps its whole text');
  assert.equal(lines[1004], ' 1002 | xxx');
  assert.equal(lines[1005], '(1003 rows)');
});

test('SQL from standard input or a file runs as a script in one session, stopping at the first error', async () => {
  const one = await runWithInput(['query', ...args('--format', 'csv')], 'SELECT 1 AS one\n');
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, 'one\n1\n');
  const script = "CREATE TEMP TABLE t AS SELECT 'a;b' AS v; -- a comment; with a semicolon\n" +
    "SELECT v,\n  length(v) AS n\nFROM t;\nSELECT $$x;y$$ AS d;\n";
  const s = await runWithInput(['query', ...args('--format', 'csv', '-f', '-')], script);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout, 'Success\nv,n\na;b,3\nd\nx;y\n');
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-cli-'));
  try {
    const file = join(dir, 'x.sql');
    writeFileSync(file, 'SELECT 1 AS a;\nSELECT * FROM missing;\nSELECT 3 AS c;\n');
    const f = await run(['query', ...args('--format', 'csv', '-f', file)]);
    assert.equal(f.code, 1);
    assert.equal(f.stdout, 'a\n1\n');
    assert.match(f.stderr, /Catalog Error/);
    const missing = await run(['query', ...args('-f', join(dir, 'nope.sql'))]);
    assert.equal(missing.code, 2);
    const both = await run(['query', ...args('-f', file, 'SELECT 1')]);
    assert.equal(both.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a response that is not the NDJSON stream exits 3 as malformed, whatever came before', async () => {
  // No lakehouse server sends these, so a stand-in answers on loopback.
  const bodies = [
    '{"query_id":"x"}\n["a"]\n[1,]\n',
    '{"query_id":"x"}\n["a"]\n[1,2]\n',
    '{"query_id":"x"}\n["a"]\n[1]\n[1',
    '{"query_id":"x"}\n',
    'not json\n',
  ];
  let next = 0;
  const fake = createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/x-ndjson' }); res.end(bodies[next++]); });
  });
  await new Promise((ok) => fake.listen(0, '127.0.0.1', ok));
  try {
    for (const body of bodies) {
      const r = await run(['query', '--url', `http://127.0.0.1:${fake.address().port}`, '--user', 'u', '--password', 'p', 'SELECT 1']);
      assert.equal(r.code, 3, `${JSON.stringify(body)}: ${r.stderr}`);
      assert.match(r.stderr, /malformed response/);
    }
  } finally {
    fake.close();
  }
});
