// Errors speak of the user's own statement with hints they can follow: no text of statements the
// server built around theirs, no suggestion of the server's internal names, no advice the sandbox
// refuses, and no warning in the log for what is normal — on the REST API and the PostgreSQL port.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import pg from 'pg';

import { PASSWORD, USER, curl, query, request, startServer } from './lib/server.mjs';

let server;
before(async () => {
  server = await startServer();
  const c = await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme' } });
  assert.equal(c.status, 201, c.text);
});
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, server.stderr);
});

const auth = ['-u', `${USER}:${PASSWORD}`];
const csv = (statement) => curl([...auth, '-d', JSON.stringify({ statement, format: 'csv' }), `${server.url}/query`]);
const lastError = async (statement, extra = {}) => {
  const r = await query(server, { statement, ...extra });
  return r.json[r.json.length - 1].error ?? '';
};

test('format csv runs statements without rows and reports their status; errors name the user\'s statement', async () => {
  const created = await csv('CREATE TABLE memory.main.fmt AS SELECT 1 AS a');
  assert.equal(created.status, 200, created.body);
  assert.equal(created.body, 'Success\n');
  const inserted = await csv('INSERT INTO memory.main.fmt VALUES (2), (3)');
  assert.equal(inserted.body, 'Count\n2\n');
  assert.equal((await csv("SET TimeZone = 'UTC'")).body, 'Success\n');
  assert.equal((await csv('SELECT sum(a) AS s FROM memory.main.fmt')).body, 's\n6\n');
  for (const [statement, expected] of [
    ['SELEC 1', /^Parser Error: syntax error at or near "SELEC"/],
    ['CREATE TABLE memory.main.fmt AS SELECT 1 AS a', /^Catalog Error: Table with name "fmt" already exists/],
    ['SELECT 1; SELECT nope FROM memory.main.fmt', /^Binder Error: Referenced column "nope" not found/],
    ['EXPLAIN SELECT 1', /^Not implemented Error: csv and parquet results hold the rows of a query/],
  ]) {
    const r = await csv(statement);
    assert.equal(r.status, 500, statement);
    assert.match(r.body, expected, statement);
    assert.doesNotMatch(r.body, /COPY|AS result|export-/, statement);
  }
});

test('a misspelled name is never answered with one of the server\'s internal objects', async () => {
  for (const statement of ['SELECT * FROM nope', 'SELECT * FROM memory.main.nope', 'SELECT * FROM tabels', 'SELECT nopefn(1)']) {
    const message = await lastError(statement);
    assert.match(message, /^Catalog Error: .* does not exist/, statement);
    assert.doesNotMatch(message, /Did you mean/, `${statement}: ${message}`);
  }
  await query(server, { statement: 'CREATE OR REPLACE TABLE memory.main.orders AS SELECT 1 AS id' });
  assert.match(await lastError('SELECT * FROM memory.main.ordres'), /Did you mean "(memory\.main\.)?orders"\?/);
  const c = new pg.Client({ host: '127.0.0.1', port: server.pgPort, user: USER, password: PASSWORD, database: USER });
  await c.connect();
  try {
    await assert.rejects(c.query('SELECT * FROM nope'), (e) => e.code === '42P01' && !/Did you mean/.test(e.message));
  } finally {
    await c.end();
  }
});

test('out of memory: the hint names what a session can do, not the settings it may not change', async () => {
  const message = await lastError('SELECT length(list(range)) FROM range(300000000)', { compute_size: 'XS' });
  assert.match(message, /^Out of Memory Error/);
  assert.match(message, /compute_size/);
  assert.doesNotMatch(message, /SET threads|SET memory_limit/);
  const set = await lastError('SET preserve_insertion_order = false');
  assert.equal(set, '', 'the setting the hint names is one a session may change');
});

test('DDL on a catalog without NOT NULL columns or defaults logs no warning', async () => {
  const before = server.stderr.length;
  for (const statement of ['CREATE TABLE acme.main.plain (a INTEGER)', 'ALTER TABLE acme.main.plain ADD COLUMN b VARCHAR',
    'DROP TABLE acme.main.plain']) {
    assert.equal(await lastError(statement), '', statement);
  }
  assert.doesNotMatch(server.stderr.slice(before), /cannot list/);
});
