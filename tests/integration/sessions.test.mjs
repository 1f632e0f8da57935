// Sessions, workers and the sandbox: settings persist per session, sessions belong to their user,
// compute sizes pick workers, the query log records what ran, and users never reach server files.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { OTHER_PASSWORD, OTHER_USER, basic, query, request, startServer } from './lib/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { assert.equal((await server.stop()).code, 0); });

test('a session keeps its settings, temporary tables and transaction across requests', async () => {
  const first = await query(server, { statement: "SET TimeZone = 'Europe/Paris'; CREATE TEMP TABLE kept AS SELECT 41 AS v" });
  const sid = first.json[0].session_id;
  const second = await query(server, { statement: "SELECT v + 1 AS v, current_setting('TimeZone') AS tz FROM kept", session_id: sid });
  assert.equal(second.json[0].session_id, sid);
  assert.deepEqual(second.json[2], [42, 'Europe/Paris']);
  await query(server, { statement: 'BEGIN; INSERT INTO kept VALUES (1)', session_id: sid });
  const inside = await query(server, { statement: 'SELECT count(*) AS n FROM kept', session_id: sid });
  assert.deepEqual(inside.json[2], [2]);
  await query(server, { statement: 'ROLLBACK', session_id: sid });
  const rolled = await query(server, { statement: 'SELECT count(*) AS n FROM kept', session_id: sid });
  assert.deepEqual(rolled.json[2], [1]);
  // a request without session_id gets a fresh session that knows nothing of it
  const fresh = await query(server, { statement: 'SELECT * FROM kept' });
  assert.notEqual(fresh.json[0].session_id, sid);
  assert.match(fresh.json[1].error, /kept does not exist/);
});

test('a client-chosen session id is created on first use and found again', async () => {
  const sid = '7d444840-9dc0-11d1-b245-5ffdce74fad2';
  const a = await query(server, { statement: 'CREATE TEMP TABLE mine AS SELECT 1 AS x', session_id: sid });
  assert.equal(a.json[0].session_id, sid);
  const b = await query(server, { statement: 'SELECT x FROM mine', session_id: sid });
  assert.deepEqual(b.json[2], [1]);
});

test("another user cannot use a user's session", async () => {
  const a = await query(server, { statement: 'SELECT 1' });
  const sid = a.json[0].session_id;
  const b = await query(server, { statement: 'SELECT 1', session_id: sid }, { auth: basic(OTHER_USER, OTHER_PASSWORD) });
  assert.equal(b.status, 404);
  assert.equal(JSON.parse(b.text).code, 'session_not_found');
});

test('catalog, schema and timezone request fields set session defaults', async () => {
  const setup = await query(server, { statement: 'CREATE SCHEMA IF NOT EXISTS s1; CREATE OR REPLACE TABLE s1.t AS SELECT 5 AS x' });
  const r = await query(server, { statement: 'SELECT x, current_schema() AS s, current_setting(\'TimeZone\') AS tz FROM t', catalog: 'memory', schema: 's1', timezone: 'Asia/Tokyo', session_id: setup.json[0].session_id });
  assert.deepEqual(r.json[2], [5, 's1', 'Asia/Tokyo']);
  const bad = await query(server, { statement: 'SELECT 1', catalog: 'no_such_catalog' });
  assert.equal(bad.status, 200);
  assert.match(bad.json[1].error, /no_such_catalog/);
  const badtz = await query(server, { statement: 'SELECT 1', timezone: 'Mars/Olympus' });
  assert.match(badtz.json[1].error, /Mars\/Olympus/);
});

test('compute_size picks the worker of that size', async () => {
  const r = await query(server, { statement: "SELECT current_setting('threads') AS t", compute_size: 'XS' });
  assert.equal(r.json[0].worker_slug, 'worker-xs-1');
  assert.deepEqual(r.json[2], [1]);
  const l = await query(server, { statement: 'SELECT 1', compute_size: 'l' });
  assert.equal(l.json[0].worker_slug, 'worker-l-1');
});

test('the sandbox refuses files, extensions and worker-wide settings', async () => {
  const refused = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "COPY (SELECT 1) TO '/tmp/lakehouse-escape.csv'",
    "EXPORT DATABASE '/tmp/lakehouse-export'",
    "ATTACH '/tmp/lakehouse-escape.db'",
    'INSTALL httpfs',
    'LOAD httpfs',
    'SET enable_external_access = true',
    "SET allowed_directories = ['/']",
    "SET memory_limit = '100GB'",
    'SET threads = 64',
    "PRAGMA memory_limit = '100GB'",
    'RESET memory_limit',
    "SET GLOBAL TimeZone = 'UTC'",
    'SET lock_configuration = true',
  ];
  for (const statement of refused) {
    const r = await query(server, { statement });
    assert.equal(r.status, 200);
    assert.ok(r.json[1].error, `${statement} should be refused, got ${r.text}`);
  }
  const limit = await query(server, { statement: "SELECT current_setting('memory_limit') AS m" });
  assert.match(limit.json[2][0], /GiB/);
});

test('GET /query/{id} reports the query log, only to its user', async () => {
  const ok = await query(server, { statement: 'SELECT 1 AS one', requested_by: 'tests', visible: false });
  const id = ok.json[0].query_id;
  const log = await request(server, 'GET', `/query/${id}`, { headers: { 'User-Agent': 'lakehouse-tests' } });
  assert.equal(log.status, 200);
  const e = log.json;
  assert.equal(e.uuid, id);
  assert.equal(e.query, 'SELECT 1 AS one');
  assert.equal(e.session_id, ok.json[0].session_id);
  assert.equal(e.client_interface, 'HttpQuery');
  assert.equal(e.error, null);
  assert.equal(e.visible, false);
  assert.equal(e.requested_by, 'tests');
  assert.equal(e.rows, 1);
  assert.equal(e.progress.percentage, 100);
  assert.equal(e.status, 'succeeded');
  assert.ok(Date.parse(e.start_time) <= Date.parse(e.end_time));
  assert.ok(Number.isInteger(e.duration_ms));
  const failed = await query(server, { statement: 'SELECT * FROM nope' });
  const flog = await request(server, 'GET', `/query/${failed.json[0].query_id}`);
  assert.match(flog.json.error, /nope/);
  const other = await request(server, 'GET', `/query/${id}`, { auth: basic(OTHER_USER, OTHER_PASSWORD) });
  assert.equal(other.status, 404);
  assert.equal((await request(server, 'GET', '/query/00000000-0000-0000-0000-000000000000')).status, 404);
  assert.equal((await request(server, 'GET', '/query/not-a-uuid')).status, 404);
});

test('POST /validate binds without running', async () => {
  const good = await request(server, 'POST', '/validate', { body: { statement: 'SELECT 1 AS x' } });
  assert.equal(good.status, 200);
  assert.deepEqual(good.json, { valid: true, statement: 'SELECT 1 AS x', connections_errors: {} });
  const bad = await request(server, 'POST', '/validate', { body: { statement: 'SELECT nope FROM range(1)' } });
  assert.equal(bad.json.valid, false);
  assert.match(bad.json.error, /Binder Error/);
  const side = await query(server, { statement: 'CREATE TEMP TABLE v (x INT)' });
  const sid = side.json[0].session_id;
  await request(server, 'POST', '/validate', { body: { statement: 'INSERT INTO v VALUES (1)', session_id: sid } });
  const count = await query(server, { statement: 'SELECT count(*) FROM v', session_id: sid });
  assert.deepEqual(count.json[2], [0]);
});

test('POST /autocomplete suggests completions', async () => {
  const r = await request(server, 'POST', '/autocomplete', { body: { statement: 'SEL', max_suggestions: 5 } });
  assert.equal(r.status, 200);
  assert.equal(r.json.statement, 'SEL');
  assert.deepEqual(r.json.connections_errors, {});
  assert.ok(r.json.suggestions.length >= 1 && r.json.suggestions.length <= 5);
  const s = r.json.suggestions[0];
  assert.match(s.suggestion, /^SELECT/);
  assert.equal(s.suggestion_start, 0);
  assert.equal(typeof s.suggestion_type, 'string');
  assert.equal(typeof s.suggestion_score, 'number');
});

test('a session repeating a query sees catalog changes made by other sessions', async () => {
  const sid = 'c0ffee00-1234-4abc-8def-0123456789ab';
  await query(server, { statement: 'CREATE OR REPLACE TABLE shared_t AS SELECT 1 AS a' });
  const first = await query(server, { statement: 'SELECT * FROM shared_t', session_id: sid });
  assert.deepEqual(first.json.slice(1), [['a'], [1]]);
  await query(server, { statement: 'CREATE OR REPLACE TABLE shared_t AS SELECT 2 AS a, 3 AS b' });
  const second = await query(server, { statement: 'SELECT * FROM shared_t', session_id: sid });
  assert.deepEqual(second.json.slice(1), [['a', 'b'], [2, 3]]);
  await query(server, { statement: 'DROP TABLE shared_t' });
  const third = await query(server, { statement: 'SELECT * FROM shared_t', session_id: sid });
  assert.match(third.json[1].error, /shared_t does not exist/);
  // settings read at bind time follow the session's own SET
  const tz1 = await query(server, { statement: "SELECT current_setting('TimeZone') AS z", session_id: sid });
  await query(server, { statement: "SET TimeZone = 'Europe/Rome'", session_id: sid });
  const tz2 = await query(server, { statement: "SELECT current_setting('TimeZone') AS z", session_id: sid });
  assert.deepEqual([tz1.json[2], tz2.json[2]], [['UTC'], ['Europe/Rome']]);
});

test("a query_id that is running or another user's is refused; one's own finished id may be reused", async () => {
  const id = 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6';
  const first = await query(server, { statement: 'SELECT 1', query_id: id });
  assert.equal(first.status, 200);
  const again = await query(server, { statement: 'SELECT 2', query_id: id });
  assert.equal(again.status, 200);
  assert.deepEqual(again.json[2], [2]);
  const other = await query(server, { statement: 'SELECT 3', query_id: id }, { auth: basic(OTHER_USER, OTHER_PASSWORD) });
  assert.equal(other.status, 400);
  assert.match(JSON.parse(other.text).error, /query_id is already in use/);
});

test('a new session never inherits what an earlier one changed, though connections of closed sessions are reused', async () => {
  const small = await startServer({ args: ['--max-sessions', '2'] });
  try {
    const probe = "SELECT current_setting('TimeZone') AS tz, current_database() AS db, current_schema() AS s, "
      + "(SELECT count(*) FROM duckdb_tables() WHERE temporary) AS temps, getvariable('v') AS v, "
      + "(SELECT count(*) FROM duckdb_functions() WHERE function_name = 'leaky') AS macros";
    const fresh = ['UTC', 'memory', 'main', 0, null, 0];
    const seeded = await query(small, { statement: 'SELECT setseed(0.5); SELECT random() AS r' });
    const predictable = seeded.json[2][0];
    const changes = ["SET TimeZone = 'Asia/Tokyo'", 'CREATE TEMP TABLE leak AS SELECT 1 AS x', 'SET VARIABLE v = 1',
      'CREATE SCHEMA IF NOT EXISTS memory.s2; USE memory.s2', 'CREATE TEMP MACRO leaky(x) AS x', 'BEGIN', 'SELECT setseed(0.5)',
      "SELECT 1; SET TimeZone = 'Asia/Tokyo'"];
    for (const change of changes) {
      const r = await query(small, { statement: change });
      assert.equal(r.status, 200, change);
      // Two more sessions push the changed one out of the registry; the next ones would get its connection.
      for (let i = 0; i < 4; i++) {
        const p = await query(small, { statement: probe });
        assert.deepEqual(p.json[2], fresh, `after ${change}`);
        const rnd = await query(small, { statement: 'SELECT random() AS r' });
        assert.notEqual(rnd.json[2][0], predictable, `after ${change}`);
      }
    }
    // Sessions that only ran queries are reused and still answer as new ones.
    for (let i = 0; i < 20; i++) {
      const r = await query(small, { statement: 'SELECT 40 + 2 AS v' });
      assert.deepEqual(r.json[2], [42]);
    }
  } finally {
    assert.equal((await small.stop()).code, 0);
  }
});
