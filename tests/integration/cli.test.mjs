// The command line: `lakehouse query` in every output format with credentials from flags or the
// SDKs' environment variables, `version`, and --help on every command.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';

import { PASSWORD, USER, bin, startServer } from './lib/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { assert.equal((await server.stop()).code, 0); });

function run(args, env = {}) {
  return new Promise((ok) => {
    execFile(bin, args, { env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) => {
      ok({ code: err ? err.code : 0, stdout, stderr });
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
  for (const cmd of [['--help'], ['help'], ['serve', '--help'], ['query', '--help'], ['version', '--help']]) {
    const r = await run(cmd);
    assert.equal(r.code, 0, `${cmd.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /Usage: lakehouse/);
  }
  const unknown = await run(['frobnicate']);
  assert.equal(unknown.code, 2);
});
