// Server lifecycle and configuration: layered config (file < environment < flags), the mock
// server's variables, readiness lines, clean shutdown with queries running, structured logs.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { basic, freePort, query, request, sleep, startServer } from './lib/server.mjs';

test('config file < environment < flags, and the mock variables', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-conf-'));
  const file = join(dir, 'lakehouse.conf');
  const flagPort = await freePort();
  writeFileSync(file, [
    '# a comment',
    'users = "filed:pw"',
    'compute-size = XS',
    `lakehouse_port = ${flagPort + 1}`,
    'query-log-size = 5',
  ].join('\n'));
  const server = await startServer({
    users: false,
    args: ['--config', file, '--lakehouse-port', String(flagPort)],
    env: { LAKEHOUSE_COMPUTE_SIZE: 'S', ALTERTABLE_MOCK_USERS: 'mock:pw2' },
  });
  try {
    const r = await fetch(`http://127.0.0.1:${flagPort}/health`);
    assert.equal(r.status, 200, 'the flag port wins over the file');
    const mock = await query({ url: `http://127.0.0.1:${flagPort}` }, { statement: 'SELECT 1' }, { auth: basic('mock', 'pw2') });
    assert.equal(mock.status, 200, 'environment users replace the file users');
    assert.equal(mock.json[0].worker_slug, 'worker-s-1', 'the environment wins over the file');
    const filed = await query({ url: `http://127.0.0.1:${flagPort}` }, { statement: 'SELECT 1' }, { auth: basic('filed', 'pw') });
    assert.equal(filed.status, 401);
  } finally {
    await server.stop();
  }
});

test('bad configuration stops the start with a message', async () => {
  const { spawnSync } = await import('node:child_process');
  const { bin } = await import('./lib/server.mjs');
  for (const args of [['--lakehouse-port', '99999'], ['--no-such-flag', '1'], ['--compute-size', 'XXL'], ['--bind', '0.0.0.0']]) {
    const r = spawnSync(bin, ['serve', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /lakehouse/);
  }
});

test('SIGTERM lets a running query finish within the grace period, then exits 0', async () => {
  const server = await startServer({ args: ['--shutdown-grace-seconds', '10', '--log-level', 'info'] });
  const pending = query(server, { statement: 'SELECT count(*) AS n FROM range(300000000)' });
  await sleep(300);
  server.proc.kill('SIGTERM');
  const r = await pending;
  assert.deepEqual(r.json[2], [300000000]);
  const { code } = await server.exited;
  assert.equal(code, 0, server.stderr);
  assert.match(server.stderr, /msg="shutting down"/);
});

test('SIGINT interrupts queries still running after the grace period', async () => {
  const server = await startServer({ args: ['--shutdown-grace-seconds', '1'] });
  const pending = query(server, { statement: 'SELECT sum(a.i * b.i) FROM range(300000) a(i), range(300000) b(i)' });
  await sleep(300);
  const t0 = Date.now();
  server.proc.kill('SIGINT');
  const r = await pending;
  assert.match(r.json[r.json.length - 1].error, /Interrupt/i);
  const { code } = await server.exited;
  assert.equal(code, 0, server.stderr);
  assert.ok(Date.now() - t0 < 8000);
});

test('one structured log line per request, without secrets', async () => {
  const server = await startServer({ args: ['--log-level', 'info'] });
  const r = await query(server, { statement: 'SELECT 1' });
  await request(server, 'GET', '/nope', { auth: 'Basic ' + Buffer.from('alice:wrong-password').toString('base64') });
  await sleep(100);
  await server.stop();
  const lines = server.stderr.split('\n').filter((l) => l.includes('msg="request"'));
  const q = lines.find((l) => l.includes('path="/query"'));
  assert.match(q, /^ts=\S+ level=info msg="request" method=POST path="\/query" status=200 duration_ms=[\d.]+ query_id=[0-9a-f-]{36} user=alice/);
  assert.ok(q.includes(r.json[0].query_id));
  assert.ok(lines.some((l) => /path="\/nope" status=401/.test(l)));
  assert.ok(!server.stderr.includes('wrong-password'));
});

test('without configured users a loopback server accepts lakehouse:lakehouse', async () => {
  const server = await startServer({ users: false });
  try {
    const r = await query(server, { statement: 'SELECT 1' }, { auth: basic('lakehouse', 'lakehouse') });
    assert.equal(r.status, 200);
  } finally {
    await server.stop();
  }
});

test('idle connections are closed after the idle timeout, but a long silent query is not idle', async () => {
  const net = await import('node:net');
  const server = await startServer({ args: ['--idle-timeout-seconds', '1'] });
  try {
    const closed = await new Promise((ok) => {
      const s = net.connect(server.port, '127.0.0.1');
      const timer = setTimeout(() => { s.destroy(); ok(false); }, 5000);
      s.on('close', () => { clearTimeout(timer); ok(true); });
      s.on('error', () => {});
    });
    assert.ok(closed, 'the idle connection was closed by the server');
    const r = await query(server, { statement: 'SELECT sum(a.i * b.i) AS s FROM range(20000) a(i), range(20000) b(i)' });
    assert.equal(r.lines[2], '[39996000100000000]');
  } finally {
    await server.stop();
  }
});
