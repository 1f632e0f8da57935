// The official @altertable/lakehouse SDK, pinned, pointed at our server unchanged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

// 0.2.2 as published declares dist/index.js as its entry but ships it at dist/src/index.js, so the
// package is loaded by that path; its code is used unchanged.
import { AltertableLakehouseClient, AuthError, BadRequestError } from './node_modules/@altertable/lakehouse/dist/src/index.js';

import { PASSWORD, USER, request, sleep, startServer } from './lib/server.mjs';

let server;
let client;
before(async () => {
  server = await startServer();
  client = new AltertableLakehouseClient({ baseUrl: server.url, username: USER, password: PASSWORD });
});
after(async () => { assert.equal((await server.stop()).code, 0, server.stderr); });

test('queryAll returns metadata, columns and rows', async () => {
  const r = await client.queryAll({ statement: "SELECT 42 AS answer, 'hi' AS greeting, [1, 2] AS list" });
  assert.deepEqual(r.columns, ['answer', 'greeting', 'list']);
  assert.deepEqual(r.rows, [{ answer: 42, greeting: 'hi', list: [1, 2] }]);
  assert.equal(r.metadata.worker_slug, 'worker-m-1');
  assert.match(r.metadata.session_id, /^[0-9a-f-]{36}$/);
});

test('query streams rows as an async iterator', async () => {
  const r = await client.query({ statement: 'SELECT i FROM range(5000) t(i)', limit: 1000, offset: 10 });
  let n = 0;
  let first;
  for await (const row of r.rows) {
    if (n === 0) first = row;
    n++;
  }
  assert.equal(n, 1000);
  assert.deepEqual(first, { i: 10 });
  assert.equal(r.metadata.rows_limit, 1000);
});

test('session_id, catalog, schema, timezone and compute_size are honoured', async () => {
  const a = await client.queryAll({ statement: 'CREATE TEMP TABLE sdk AS SELECT 1 AS x', compute_size: 'S' });
  const sid = a.metadata.session_id;
  const b = await client.queryAll({ statement: "SELECT x, current_setting('TimeZone') AS tz FROM sdk", session_id: sid, timezone: 'Europe/Berlin' });
  assert.deepEqual(b.rows, [{ x: 1, tz: 'Europe/Berlin' }]);
  assert.equal(b.metadata.worker_slug, 'worker-s-1');
});

test('getQuery reads the query log', async () => {
  const r = await client.queryAll({ statement: 'SELECT 1 AS one', requested_by: 'sdk-test' });
  const log = await client.getQuery(r.metadata.query_id);
  assert.equal(log.uuid, r.metadata.query_id);
  assert.equal(log.query, 'SELECT 1 AS one');
  assert.equal(log.session_id, r.metadata.session_id);
  assert.equal(log.client_interface, 'HttpQuery');
  assert.equal(log.requested_by, 'sdk-test');
  assert.match(log.user_agent, /altertable-lakehouse-js/);
});

test('cancelQuery interrupts a running query', async () => {
  const queryId = '9d4a0d6c-5e8f-4a51-8c26-7e8f9a0b1c23';
  const sessionId = 'ae5b1e7d-6f90-4b62-9d37-8f9a0b1c2d34';
  const pending = client.queryAll({
    statement: 'SELECT sum(a.i * b.i) FROM range(200000) a(i), range(200000) b(i)',
    query_id: queryId,
    session_id: sessionId,
  }).then(() => 'finished', (e) => e);
  for (let i = 0; i < 50; i++) {
    const log = await request(server, 'GET', `/query/${queryId}`);
    if (log.status === 200) break;
    await sleep(100);
  }
  const res = await client.cancelQuery(queryId, sessionId);
  assert.equal(res.cancelled, true);
  // The stream ends with an {"error": …} row line, which this SDK reports as a parse error.
  const outcome = await pending;
  assert.notEqual(outcome, 'finished');
  const log = await client.getQuery(queryId);
  assert.match(log.error, /Interrupt/i);
});

test('validate reports valid and invalid statements', async () => {
  const ok = await client.validate({ statement: 'SELECT 1' });
  assert.equal(ok.valid, true);
  assert.deepEqual(ok.connections_errors, {});
  const bad = await client.validate({ statement: 'SELECT * FROM missing_table' });
  assert.equal(bad.valid, false);
  assert.match(bad.error, /missing_table/);
});

test('autocomplete (not wrapped by this SDK version) answers over the same client transport', async () => {
  const res = await fetch(`${server.url}/autocomplete`, {
    method: 'POST',
    headers: { Authorization: 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64') },
    body: JSON.stringify({ statement: 'SELECT * FR' }),
  });
  const body = await res.json();
  assert.ok(body.suggestions.some((s) => s.suggestion.startsWith('FROM')));
});

test('SDK errors: bad credentials and bad requests', async () => {
  const wrong = new AltertableLakehouseClient({ baseUrl: server.url, username: USER, password: 'nope' });
  await assert.rejects(wrong.queryAll({ statement: 'SELECT 1' }), AuthError);
  await assert.rejects(client.queryAll({ statement: 'SELECT 1', compute_size: 'XXL' }), BadRequestError);
});
