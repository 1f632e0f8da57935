// Streaming and cancellation: rows reach the client while the query still runs, memory stays flat
// for big results and slow readers, and cancels or disconnects really stop the query.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';

import { basic, query, request, sanitized, sleep, startServer } from './lib/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { assert.equal((await server.stop()).code, 0, server.stderr); });

// A statement that runs for many seconds without producing a row.
const LONG = 'SELECT sum(a.i * b.i) AS s FROM range(200000) a(i), range(200000) b(i)';

// Streams POST /query through node:http so the test controls reading (and back-pressure).
function openStream(body) {
  return new Promise((ok, fail) => {
    const data = JSON.stringify(body);
    const req = http.request(`${server.url}/query`, {
      method: 'POST',
      headers: { Authorization: basic(), 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
    }, ok);
    req.on('error', fail);
    req.end(data);
  });
}

async function waitForLog(id, done, timeoutMs = 10000) {
  const start = Date.now();
  for (;;) {
    const log = await request(server, 'GET', `/query/${id}`);
    if (log.status === 200 && done(log.json)) return log.json;
    if (Date.now() - start > timeoutMs) return log.json;
    await sleep(100);
  }
}

test('DELETE /query/{id} interrupts a running query and its stream ends with an error line', async () => {
  const queryId = '5f0c6f2e-1a4b-4c1d-8e2f-3a4b5c6d7e8f';
  const sessionId = '6a1d7a3f-2b5c-4d2e-9f3a-4b5c6d7e8f90';
  const started = Date.now();
  const pending = query(server, { statement: LONG, query_id: queryId, session_id: sessionId });
  await sleep(700);
  const running = await request(server, 'GET', `/query/${queryId}`);
  assert.equal(running.json.end_time, null);
  assert.equal(running.json.status, 'running');
  const missing = await request(server, 'DELETE', `/query/${queryId}`);
  assert.equal(missing.status, 400);
  const unknown = await request(server, 'DELETE', `/query/${queryId}?session_id=00000000-0000-4000-8000-000000000000`);
  assert.equal(unknown.status, 404);
  const cancel = await request(server, 'DELETE', `/query/${queryId}?session_id=${sessionId}`);
  assert.equal(cancel.status, 200);
  assert.equal(cancel.json.cancelled, true);
  assert.equal(typeof cancel.json.message, 'string');
  const r = await pending;
  assert.ok(Date.now() - started < 8000, 'the query stopped soon after the cancel');
  assert.match(r.json[r.json.length - 1].error, /Interrupt/i);
  const log = await waitForLog(queryId, (e) => e.end_time !== null);
  assert.match(log.error, /Interrupt/i);
  const again = await request(server, 'DELETE', `/query/${queryId}?session_id=${sessionId}`);
  assert.equal(again.json.cancelled, false);
  // the session is usable again
  const after = await query(server, { statement: 'SELECT 1', session_id: sessionId });
  assert.deepEqual(after.json[2], [1]);
});

test('a client that disconnects during a long silent query gets it interrupted', async () => {
  const queryId = '7b2e8b4a-3c6d-4e3f-a04b-5c6d7e8f9a01';
  const res = await openStream({ statement: LONG, query_id: queryId });
  await sleep(500);
  res.destroy();
  const log = await waitForLog(queryId, (e) => e.end_time !== null, 8000);
  assert.notEqual(log.end_time, null, 'the query ended after the client left');
  assert.ok(log.error, 'the log says why it ended');
});

test('rows reach the client before a long query ends, and leaving mid-stream ends it', async () => {
  const queryId = '8c3f9c5b-4d7e-4f40-b15c-6d7e8f9a0b12';
  const res = await openStream({ statement: 'SELECT i, i * 2 AS j FROM range(1000000000) t(i)', query_id: queryId });
  const firstRow = await new Promise((ok) => {
    let buf = '';
    res.on('data', function onData(d) {
      buf += d;
      const lines = buf.split('\n');
      if (lines.length > 3) { res.off('data', onData); res.pause(); ok(JSON.parse(lines[2])); }
    });
  });
  assert.deepEqual(firstRow, [0, 0]);
  const running = await request(server, 'GET', `/query/${queryId}`);
  assert.equal(running.json.end_time, null, 'the first row arrived while the query was still running');
  res.destroy();
  const log = await waitForLog(queryId, (e) => e.end_time !== null, 8000);
  assert.notEqual(log.end_time, null);
});

test('a 10-million-row stream keeps the server memory flat', async () => {
  const res = await openStream({
    statement: "SELECT i, i * 2 AS j, 'row ' || i AS s, i / 3 AS d, DATE '2024-01-01' + (i % 1000)::INTEGER AS dt FROM range(10000000) t(i)",
  });
  let rows = -2;
  let tail = '';
  let rssAtMillion = 0;
  let rssMax = 0;
  await new Promise((ok, fail) => {
    res.on('data', (d) => {
      const s = tail + d.toString('latin1');
      let n = 0;
      for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
      tail = s.slice(s.lastIndexOf('\n') + 1);
      rows += n;
      if (rows >= 1000000 && !rssAtMillion) rssAtMillion = server.rssKb();
      if (rssAtMillion && rows % 500000 < 3000) rssMax = Math.max(rssMax, server.rssKb());
    });
    res.on('end', ok);
    res.on('error', fail);
  });
  rssMax = Math.max(rssMax, server.rssKb());
  assert.equal(rows, 10000000);
  const growthMb = (rssMax - rssAtMillion) / 1024;
  // Sanitizer builds hold freed memory in quarantine, so only the plain build is held to the bound.
  if (!sanitized) assert.ok(growthMb < 64, `server RSS grew by ${growthMb.toFixed(1)} MiB between 1M and 10M rows`);
});

test('a slow reader applies back-pressure instead of growing server memory', async () => {
  const res = await openStream({ statement: "SELECT i, repeat('x', 100) AS pad FROM range(500000000) t(i)" });
  await new Promise((ok) => res.once('data', ok));
  res.pause();
  await sleep(1000);
  const before = server.rssKb();
  await sleep(3000);
  const afterPause = server.rssKb();
  res.destroy();
  if (!sanitized) assert.ok((afterPause - before) / 1024 < 32, `RSS grew by ${((afterPause - before) / 1024).toFixed(1)} MiB while the client did not read`);
  const ok = await query(server, { statement: 'SELECT 1' });
  assert.deepEqual(ok.json[2], [1]);
});
