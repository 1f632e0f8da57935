// One rule for transactions on every door: a statement that fails inside a transaction block
// aborts it, every later statement but COMMIT/ROLLBACK is refused with 25P02, and COMMIT then
// commits nothing — neither the managed catalog's writes nor DuckDB's own in-memory tables'.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import pg from 'pg';

import { PASSWORD, query, request, startServer, USER } from './lib/server.mjs';

async function sql(server, statement, session_id) {
  const r = await query(server, { statement, ...(session_id ? { session_id } : {}) });
  assert.equal(r.status, 200, r.text);
  const last = r.json[r.json.length - 1];
  if (last && !Array.isArray(last) && last.error) return { error: last.error };
  return { rows: r.json.slice(2) };
}

async function ok(server, statement, session_id) {
  const r = await sql(server, statement, session_id);
  assert.equal(r.error, undefined, `${statement}: ${r.error}`);
  return r.rows;
}

describe('transactions', () => {
  let server;
  before(async () => {
    server = await startServer();
    const c = await request(server, 'POST', '/admin/catalogs', { body: { name: 'wh' } });
    assert.equal(c.status, 201, c.text);
    await ok(server, 'CREATE TABLE wh.main.acct (id INTEGER, v INTEGER); CREATE TABLE memory.main.t9 (v INTEGER)');
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr);
  });

  const counts = async () => (await ok(server,
    'SELECT (SELECT count(*) FROM memory.main.t9), (SELECT count(*) FROM wh.main.acct)'))[0];

  test('REST: a failed statement aborts the transaction; COMMIT then commits neither kind of table', async () => {
    const before = await counts();
    const sid = randomUUID();
    await ok(server, 'BEGIN', sid);
    await ok(server, 'INSERT INTO memory.main.t9 VALUES (1)', sid);
    await ok(server, 'INSERT INTO wh.main.acct VALUES (301, 1)', sid);
    assert.match((await sql(server, 'SELECT * FROM nope', sid)).error, /nope/);
    assert.match((await sql(server, 'SELECT 1', sid)).error, /current transaction is aborted/);
    assert.match((await sql(server, 'INSERT INTO wh.main.acct VALUES (302, 1)', sid)).error, /current transaction is aborted/);
    assert.match((await sql(server, 'COMMIT', sid)).error, /rolled back, not committed/);
    assert.deepEqual(await counts(), before);
    // the session is usable again, and a clean transaction commits both kinds of table
    await ok(server, 'BEGIN; INSERT INTO memory.main.t9 VALUES (2); INSERT INTO wh.main.acct VALUES (303, 1); COMMIT', sid);
    assert.deepEqual(await counts(), [before[0] + 1, before[1] + 1]);
  });

  test('REST: the failure inside one request leaves the transaction aborted for the next', async () => {
    const before = await counts();
    const sid = randomUUID();
    const r = await sql(server, 'BEGIN; INSERT INTO memory.main.t9 VALUES (5); INSERT INTO wh.main.acct VALUES (305, 1);'
      + ' SELECT * FROM nope; COMMIT', sid);
    assert.match(r.error, /nope/);
    // a cached statement of the session is refused too
    assert.match((await sql(server, 'SELECT 42', sid)).error, /current transaction is aborted/);
    assert.match((await sql(server, 'SELECT 42', sid)).error, /current transaction is aborted/);
    assert.match((await sql(server, 'SELECT 1; COMMIT', sid)).error, /current transaction is aborted/);
    assert.match((await sql(server, 'END', sid)).error, /rolled back/);
    assert.deepEqual(await counts(), before);
    // csv results follow the same rule
    await ok(server, 'BEGIN', sid);
    assert.ok((await sql(server, "SELECT 'x'::INTEGER", sid)).error);
    const csv = await request(server, 'POST', '/query', { body: { statement: 'SELECT 1 AS one', session_id: sid, format: 'csv' } });
    assert.equal(csv.status, 500);
    assert.match(csv.text, /current transaction is aborted/);
    await ok(server, 'ROLLBACK', sid);
    assert.deepEqual(await ok(server, 'SELECT 1', sid), [[1]]);
  });

  test('REST: a runtime error while rows stream aborts the transaction too', async () => {
    const before = await counts();
    const sid = randomUUID();
    await ok(server, 'BEGIN; INSERT INTO wh.main.acct VALUES (306, 1); INSERT INTO memory.main.t9 VALUES (6)', sid);
    const r = await sql(server, "SELECT CASE WHEN i < 300000 THEN i ELSE error('boom') END FROM range(400000) t(i)", sid);
    assert.match(r.error, /boom/);
    assert.match((await sql(server, 'COMMIT', sid)).error, /rolled back/);
    assert.deepEqual(await counts(), before);
  });

  test('REST: BEGIN inside a transaction block keeps it, as PostgreSQL does', async () => {
    const before = await counts();
    const sid = randomUUID();
    await ok(server, 'BEGIN; INSERT INTO wh.main.acct VALUES (307, 1)', sid);
    await ok(server, 'BEGIN', sid);
    await ok(server, 'COMMIT', sid);
    assert.deepEqual(await counts(), [before[0], before[1] + 1]);
  });

  test('PostgreSQL: the same rule; COMMIT of an aborted transaction answers ROLLBACK', async () => {
    const before = await counts();
    const c = new pg.Client({ host: '127.0.0.1', port: server.pgPort, user: USER, password: PASSWORD, database: USER });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query('INSERT INTO memory.main.t9 VALUES (1)');
      await c.query('INSERT INTO wh.main.acct VALUES (401, 1)');
      await assert.rejects(c.query('SELECT * FROM nope'), (e) => e.code === '42P01');
      await assert.rejects(c.query('SELECT 1'), (e) => e.code === '25P02');
      await assert.rejects(c.query('SELECT $1::INTEGER', [1]), (e) => e.code === '25P02');
      const done = await c.query('COMMIT');
      assert.equal(done.command, 'ROLLBACK');
      assert.deepEqual(await counts(), before);
      await c.query('BEGIN');
      await c.query('INSERT INTO memory.main.t9 VALUES (1)');
      await c.query('INSERT INTO wh.main.acct VALUES (402, 1)');
      assert.equal((await c.query('COMMIT')).command, 'COMMIT');
      assert.deepEqual(await counts(), [before[0] + 1, before[1] + 1]);
    } finally {
      await c.end();
    }
  });
});
