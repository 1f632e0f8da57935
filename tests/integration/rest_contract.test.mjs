// The raw REST contract, driven with curl: NDJSON layout, errors, status codes and headers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PASSWORD, USER, curl, query, request, startServer } from './lib/server.mjs';

let server;
const auth = ['-u', `${USER}:${PASSWORD}`];
before(async () => { server = await startServer(); });
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, `server exited with ${code}: ${server.stderr}`);
});

test('GET /health and GET / answer 200 without credentials', async () => {
  for (const path of ['/health', '/']) {
    const r = await curl([`${server.url}${path}`]);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { status: 'ok' });
  }
});

test('POST /query streams metadata, columns and rows as NDJSON', async () => {
  const r = await curl([...auth, '-H', 'Content-Type: text/plain', '-d',
    JSON.stringify({ statement: 'SELECT 42 AS answer, \'x\' AS answer' }), `${server.url}/query`]);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/x-ndjson');
  const lines = r.body.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  const meta = JSON.parse(lines[0]);
  assert.equal(meta.statement, "SELECT 42 AS answer, 'x' AS answer");
  assert.equal(meta.rows_limit, null);
  assert.equal(meta.rows_offset, null);
  assert.ok(Number.isInteger(meta.init_time_ms) && meta.init_time_ms >= 1);
  assert.deepEqual(meta.connections_errors, {});
  assert.match(meta.session_id, /^[0-9a-f-]{36}$/);
  assert.match(meta.query_id, /^[0-9a-f-]{36}$/);
  assert.equal(meta.worker_slug, 'worker-m-1');
  assert.deepEqual(Object.keys(meta).sort(), ['connections_errors', 'init_time_ms', 'query_id', 'rows_limit',
    'rows_offset', 'session_id', 'statement', 'worker_slug']);
  assert.equal(lines[1], '["answer","answer"]');
  assert.equal(lines[2], '[42,"x"]');
});

test('a zero-row result still has its columns line', async () => {
  const r = await query(server, { statement: 'SELECT 1 AS a, 2 AS b WHERE false' });
  assert.equal(r.lines.length, 2);
  assert.deepEqual(r.json[1], ['a', 'b']);
});

test('SQL errors are 200 with the metadata line and a DuckDB error line', async () => {
  const r = await query(server, { statement: 'SELECT * FROM no_such_table' });
  assert.equal(r.status, 200);
  assert.equal(r.lines.length, 2);
  assert.ok(r.json[0].query_id);
  assert.match(r.json[1].error, /^Catalog Error: Table with name no_such_table does not exist!/);
  const parse = await query(server, { statement: 'SELEC 1' });
  assert.match(parse.json[1].error, /^Parser Error: syntax error at or near "SELEC"/);
});

test('errors during execution end the stream with an error line', async () => {
  const r = await query(server, {
    statement: "SELECT CASE WHEN i < 5000 THEN i ELSE error('boom at ' || i) END AS v FROM range(10000) t(i)",
  });
  assert.equal(r.status, 200);
  const last = r.json[r.json.length - 1];
  assert.match(last.error, /boom at/);
  for (const row of r.json.slice(2, -1)) assert.ok(Array.isArray(row));
});

test('several statements run in order and the last one is streamed', async () => {
  const r = await query(server, { statement: 'CREATE TEMP TABLE t AS SELECT 1 AS x; INSERT INTO t VALUES (2); SELECT sum(x) AS s FROM t' });
  assert.deepEqual(r.json.slice(1), [['s'], [3]]);
  const failing = await query(server, { statement: 'SELECT 1; SELECT * FROM missing; SELECT 3' });
  assert.match(failing.json[1].error, /missing/);
});

test('DML and DDL stream what DuckDB returns', async () => {
  const r = await query(server, { statement: 'CREATE TEMP TABLE d (x INTEGER); INSERT INTO d VALUES (1), (2)' });
  assert.deepEqual(r.json.slice(1), [['Count'], [2]]);
  const ddl = await query(server, { statement: 'CREATE TEMP TABLE e (x INTEGER)' });
  assert.deepEqual(ddl.json.slice(1), [['Success']]);
});

test('limit and offset apply to the last result', async () => {
  const r = await query(server, { statement: 'SELECT i FROM range(10000) t(i) ORDER BY i', limit: 3, offset: 4000 });
  assert.equal(r.json[0].rows_limit, 3);
  assert.equal(r.json[0].rows_offset, 4000);
  assert.deepEqual(r.json.slice(2), [[4000], [4001], [4002]]);
  const zero = await query(server, { statement: 'SELECT 1', limit: 0 });
  assert.deepEqual(zero.json.slice(1), [['1']]);
});

test('column_types gives names with DuckDB type names', async () => {
  const r = await query(server, { statement: "SELECT 1::INTEGER a, 1.5::DECIMAL(18,3) b, [1] c, {'a': 1, 'b': 'x'} d, now() e", column_types: true });
  assert.deepEqual(r.json[1], [
    { name: 'a', type: 'INTEGER' }, { name: 'b', type: 'DECIMAL(18,3)' }, { name: 'c', type: 'INTEGER[]' },
    { name: 'd', type: 'STRUCT(a INTEGER, b VARCHAR)' }, { name: 'e', type: 'TIMESTAMP WITH TIME ZONE' },
  ]);
});

test('format jsonl streams one object per row', async () => {
  const r = await query(server, { statement: 'SELECT 1 AS a, \'x\' AS b UNION ALL SELECT 2, NULL ORDER BY a', format: 'jsonl' });
  assert.equal(r.headers.get('content-type'), 'application/jsonl');
  assert.deepEqual(r.json, [{ a: 1, b: 'x' }, { a: 2, b: null }]);
});

test('a caller-chosen query_id is used and findable', async () => {
  const id = '0b7e1d1a-5a57-4c43-9a3d-1d2f3c4b5a69';
  const r = await query(server, { statement: 'SELECT 1', query_id: id.toUpperCase() });
  assert.equal(r.json[0].query_id, id);
  const log = await request(server, 'GET', `/query/${id}`);
  assert.equal(log.status, 200);
  assert.equal(log.json.uuid, id);
});

test('chunked request bodies, Expect: 100-continue and Upgrade: h2c are handled', async () => {
  const body = JSON.stringify({ statement: 'SELECT 7 AS n' });
  const chunked = await curl([...auth, '-H', 'Transfer-Encoding: chunked', '-H', 'Expect: 100-continue',
    '-H', 'Upgrade: h2c', '-H', 'Connection: Upgrade, HTTP2-Settings', '-H', 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
    '--data-binary', body, `${server.url}/query`]);
  assert.equal(chunked.status, 200);
  assert.equal(chunked.body.trimEnd().split('\n')[2], '[7]');
});

test('keep-alive: several requests share one connection', async () => {
  const body = JSON.stringify({ statement: 'SELECT 1' });
  const r = await curl(['-v', ...auth, '-d', body, `${server.url}/query`, '--next', ...auth, '-d', body, `${server.url}/query`]);
  assert.equal(r.status, 200);
});

test('format csv: header with the real column names, also for zero rows; errors are 500', async () => {
  const body = JSON.stringify({ statement: "SELECT 1 AS a, 'x,y' AS b, NULL AS n UNION ALL SELECT 2, 'q\"r', 5 ORDER BY a", format: 'csv' });
  const r = await curl([...auth, '-d', body, `${server.url}/query`]);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/csv');
  assert.equal(r.body, 'a,b,n\n1,"x,y",\n2,"q""r",5\n');
  const empty = await curl([...auth, '-d', JSON.stringify({ statement: 'SELECT 1 AS only_col WHERE false', format: 'csv' }), `${server.url}/query`]);
  assert.equal(empty.body, 'only_col\n');
  const limited = await curl([...auth, '-d', JSON.stringify({ statement: 'SELECT i FROM range(10) t(i) ORDER BY i', format: 'csv', limit: 2, offset: 3 }), `${server.url}/query`]);
  assert.equal(limited.body, 'i\n3\n4\n');
  const failed = await curl([...auth, '-d', JSON.stringify({ statement: 'SELECT * FROM nope', format: 'csv' }), `${server.url}/query`]);
  assert.equal(failed.status, 500);
  assert.match(failed.body, /Catalog Error: Table with name nope does not exist/);
});

test('format parquet: a Parquet file with the typed schema, also for zero rows', async () => {
  for (const statement of ['CREATE TEMP TABLE pq AS SELECT 1 AS i, 2.5 AS d; SELECT * FROM pq', 'SELECT 1 AS i WHERE false']) {
    const res = await fetch(`${server.url}/query`, {
      method: 'POST',
      headers: { Authorization: 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64') },
      body: JSON.stringify({ statement, format: 'parquet' }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/parquet');
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.subarray(0, 4).toString(), 'PAR1');
    assert.equal(bytes.subarray(bytes.length - 4).toString(), 'PAR1');
    assert.ok(bytes.includes(Buffer.from('i')), 'the schema names the column');
  }
});
