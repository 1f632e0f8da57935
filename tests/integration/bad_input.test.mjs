// Bad input gets a clear JSON error with the right status, and nothing breaks: after every case
// the server still answers, and at the end it shuts down cleanly (no leak under the sanitizers).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { PASSWORD, USER, basic, curl, query, request, startServer } from './lib/server.mjs';

let server;
before(async () => { server = await startServer({ args: ['--statement-max', '1MiB'] }); });
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, server.stderr);
});

async function stillHealthy() {
  const r = await query(server, { statement: 'SELECT 1 AS ok' });
  assert.deepEqual(r.json[2], [1]);
}

const cases = [
  ['malformed JSON', '{"statement": "SELECT 1"', 400, 'invalid_json'],
  ['empty body', '', 400, 'invalid_json'],
  ['missing statement', '{"limit": 1}', 400, 'missing_statement'],
  ['statement of the wrong type', '{"statement": ["SELECT 1"]}', 422, 'invalid_field'],
  ['limit of the wrong type', '{"statement": "SELECT 1", "limit": "ten"}', 422, 'invalid_field'],
  ['negative offset', '{"statement": "SELECT 1", "offset": -5}', 422, 'invalid_field'],
  ['session_id that is not a UUID', '{"statement": "SELECT 1", "session_id": "abc"}', 422, 'invalid_field'],
  ['body that is not an object', '["SELECT 1"]', 422, 'invalid_body'],
  ['unknown compute_size', '{"statement": "SELECT 1", "compute_size": "XXL"}', 400, 'invalid_compute_size'],
  ['unknown format', '{"statement": "SELECT 1", "format": "xml"}', 400, 'unsupported_format'],
];

for (const [name, body, status, code] of cases) {
  test(`${name} → ${status}`, async () => {
    const r = await request(server, 'POST', '/query', { body, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, status, r.text);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.json.code, code);
    assert.equal(typeof r.json.error, 'string');
    if (code === 'unsupported_format') assert.equal(r.json.error, 'Unsupported query format: xml');
    await stillHealthy();
  });
}

test('a statement over the size limit → 413', async () => {
  const r = await request(server, 'POST', '/query', { body: { statement: `SELECT '${'x'.repeat((1 << 20) + 10)}'` } });
  assert.equal(r.status, 413);
  assert.equal(r.json.code, 'statement_too_large');
  assert.match(r.json.error, /1048576/);
  await stillHealthy();
});

test('a body over the body limit → 413', async () => {
  const r = await request(server, 'POST', '/query', { body: { statement: 'SELECT 1', pad: 'y'.repeat(3 << 20) } });
  assert.equal(r.status, 413);
  assert.equal(r.json.code, 'body_too_large');
  await stillHealthy();
});

test('missing or wrong credentials → 401 with WWW-Authenticate', async () => {
  const attempts = [
    [],
    ['-u', `${USER}:wrong`],
    ['-u', `nobody:${PASSWORD}`],
    ['-H', 'Authorization: Basic !!!notbase64'],
    ['-H', 'Authorization: Bearer token'],
    ['-H', `Authorization: Basic ${Buffer.from('no-colon').toString('base64')}`],
  ];
  for (const extra of attempts) {
    const r = await curl([...extra, '-d', '{"statement":"SELECT 1"}', `${server.url}/query`]);
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Basic realm="lakehouse"');
    assert.equal(JSON.parse(r.body).code, 'unauthorized');
  }
  // the password itself never reaches the log
  assert.ok(!server.stderr.includes(PASSWORD));
});

test('unknown path → 404, wrong method → 405', async () => {
  const nf = await request(server, 'GET', '/nope');
  assert.equal(nf.status, 404);
  assert.equal(nf.json.code, 'not_found');
  const wm = await request(server, 'GET', '/query');
  assert.equal(wm.status, 405);
  assert.equal(wm.json.code, 'method_not_allowed');
  assert.match(wm.headers.get('allow'), /POST/);
  const put = await request(server, 'PUT', '/query/0b7e1d1a-5a57-4c43-9a3d-1d2f3c4b5a69');
  assert.equal(put.status, 405);
  assert.match(put.headers.get('allow'), /GET/);
  assert.match(put.headers.get('allow'), /DELETE/);
});

test('garbage on the socket and clients vanishing mid-request leave the server healthy', async () => {
  const send = (bytes) => new Promise((ok) => {
    const s = net.connect(server.port, '127.0.0.1', () => { s.write(bytes); setTimeout(() => { s.destroy(); ok(); }, 100); });
    s.on('error', ok);
  });
  await send(Buffer.from([0, 1, 2, 3, 255, 254, 10, 13, 10, 13]));
  await send('GARBAGE / HTTP/9.9\r\n\r\n');
  await send(`POST /query HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic()}\r\nContent-Length: 1000\r\n\r\n{"statement":`);
  await send(`POST /query HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic()}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`);
  await send('GET /health HTTP/1.1\r\nHost: x\r\n' + 'X-Long: '.padEnd(100000, 'a') + '\r\n\r\n');
  await stillHealthy();
});

test('a flood of concurrent requests queues instead of failing or spawning without bound', async () => {
  const results = await Promise.all(Array.from({ length: 64 }, (_, i) => query(server, { statement: `SELECT ${i} AS i, count(*) FROM range(200000)` })));
  for (const [i, r] of results.entries()) assert.deepEqual(r.json[2], [i, 200000]);
  assert.ok(server.threads() < 300, `server has ${server.threads()} threads`);
});
