// Managed tables through POST /query: every write statement checked against the same statement on
// a native DuckDB table, a dbt-style sequence, transactions, concurrent writers, restarts after
// kill -9, and bad input — on the SQLite metadata store and on a real PostgreSQL one, and with the
// catalog in the built-in bucket and in an S3 bucket (a real S3 server).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startPostgres } from './lib/postgres.mjs';
import { S3_KEY, S3_SECRET, startS3 } from './lib/s3.mjs';
import { query, request, startServer } from './lib/server.mjs';

// Runs statement(s); returns { rows, error, columns } of the last statement.
async function sql(server, statement, session_id) {
  const r = await query(server, { statement, ...(session_id ? { session_id } : {}) });
  const last = r.json[r.json.length - 1];
  if (r.status !== 200) return { error: r.json[0]?.error ?? r.text, status: r.status };
  if (last && !Array.isArray(last) && last.error) return { error: last.error };
  return { columns: r.json[1], rows: r.json.slice(2) };
}

async function ok(server, statement, session_id) {
  const r = await sql(server, statement, session_id);
  assert.equal(r.error, undefined, `${statement}: ${r.error}`);
  return r;
}

// The same statements on a managed table and on a native one must leave the same rows.
async function sameAsNative(server, steps, table) {
  const managed = `acme.main.${table}`;
  const native = `memory.main.${table}`;
  for (const step of steps) {
    const m = await sql(server, step.replaceAll('{T}', managed));
    const n = await sql(server, step.replaceAll('{T}', native));
    assert.equal(m.error === undefined, n.error === undefined, `${step}: managed ${m.error} / native ${n.error}`);
    if (m.error === undefined) assert.deepEqual(m.rows, n.rows, step);
  }
  const read = 'SELECT * FROM {T} ORDER BY ALL';
  const m = await ok(server, read.replaceAll('{T}', managed));
  const n = await ok(server, read.replaceAll('{T}', native));
  assert.deepEqual(m.rows, n.rows);
  assert.deepEqual(m.columns, n.columns);
  return m.rows;
}

function suite(name, { usePostgres = false, useS3 = false } = {}) {
  describe(name, () => {
    let server;
    let pg;
    let s3;
    // Puts a file where COPY … FROM 'key' finds it: the catalog's bucket.
    let putObject;
    before(async () => {
      if (usePostgres) pg = await startPostgres();
      server = await startServer({ args: pg ? ['--metadata', pg.url] : [] });
      let bucket = 'default';
      if (useS3) {
        s3 = await startS3();
        const b = await request(server, 'POST', '/admin/buckets', { body: { name: 'lake', provider: 's3',
          endpoint: s3.endpoint, bucket: 'lake', prefix: 'tables', access_key_id: S3_KEY, secret_access_key: S3_SECRET } });
        assert.equal(b.status, 201, b.text);
        bucket = 'lake';
        putObject = (key, text) => s3.put('lake', `tables/${key}`, text);
      } else {
        putObject = async (key, text) => {
          const path = join(server.dataDir, 'buckets', 'default', key);
          mkdirSync(join(path, '..'), { recursive: true });
          writeFileSync(path, text);
        };
      }
      const c = await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme', bucket } });
      assert.equal(c.status, 201, c.text);
    });
    after(async () => {
      const { code } = await server.stop();
      if (pg) pg.stop();
      if (s3) s3.stop();
      assert.equal(code, 0, server.stderr);
    });

    test('CREATE TABLE, INSERT (values, select, column lists, BY NAME, defaults), UPDATE, DELETE, TRUNCATE', async () => {
      const rows = await sameAsNative(server, [
        "CREATE TABLE {T} (id INTEGER NOT NULL, name VARCHAR DEFAULT 'anon', score DOUBLE, tags VARCHAR[], "
          + 'info STRUCT(a INTEGER, b VARCHAR), m MAP(VARCHAR, INTEGER), d DATE, ts TIMESTAMP, dec DECIMAL(18,3), '
          + 'big HUGEINT, u UUID, bl BLOB)',
        "INSERT INTO {T} VALUES (1, 'ann', 1.5, ['x', 'y'], {'a': 1, 'b': 'q'}, MAP {'k': 1}, DATE '2024-01-02', "
          + "TIMESTAMP '2024-01-02 03:04:05.123456', 12.345, 170141183460469231731687303715884105727, "
          + "'6ba7b810-9dad-11d1-80b4-00c04fd430c8', '\\xAA'::BLOB)",
        'INSERT INTO {T} (id) VALUES (2), (3)',
        'INSERT INTO {T} (score, id) SELECT range * 0.5, range + 10 FROM range(5)',
        'INSERT INTO {T} BY NAME SELECT 99 AS id, \'byname\' AS name',
        'INSERT INTO {T} SELECT * EXCLUDE (id), 100 AS id FROM (SELECT * FROM {T} WHERE id = 1) ORDER BY ALL',
        'UPDATE {T} SET score = coalesce(score, 0) + 1, name = upper(name) WHERE id < 12',
        'DELETE FROM {T} WHERE id IN (2, 13)',
        'SELECT count(*), sum(score), max(name) FROM {T}',
      ], 'everything');
      assert.ok(rows.length > 5);
      await sameAsNative(server, [
        'CREATE TABLE {T} (a INTEGER, b VARCHAR)',
        "INSERT INTO {T} FROM range(3) SELECT range, 'r' || range",
        'TRUNCATE {T}',
        "INSERT INTO {T} VALUES (7, 'seven')",
        "WITH c AS (SELECT 8 AS a, 'eight' AS b) INSERT INTO {T} SELECT * FROM c",
        "WITH c AS (SELECT 9 AS a) INSERT INTO {T} (a) SELECT a FROM c",
        "WITH c AS (SELECT 7 AS a) UPDATE {T} SET b = 'updated' WHERE a IN (SELECT a FROM c)",
        'WITH c AS (SELECT 8 AS a) DELETE FROM {T} WHERE a IN (SELECT a FROM c)',
        "WITH src AS (SELECT 9 AS a, 'merged' AS b) MERGE INTO {T} AS t USING src ON t.a = src.a"
          + ' WHEN MATCHED THEN UPDATE SET b = src.b',
      ], 'truncated');
    });

    test('more types round-trip: ENUM, TIME, INTERVAL, TIMESTAMPTZ, UNION, BIT, JSON, ARRAY, UBIGINT, UHUGEINT, VARINT, …', async () => {
      await sameAsNative(server, [
        "CREATE TABLE {T} (e ENUM('a', 'b'), t TIME, iv INTERVAL, tz TIMESTAMPTZ, u UNION(i INTEGER, s VARCHAR), b BIT,"
          + ' j JSON, arr INTEGER[3], ns TIMESTAMP_NS, ub UBIGINT, ti TINYINT, f FLOAT, uh UHUGEINT, vn VARINT,'
          + ' nested STRUCT(l MAP(VARCHAR, INTEGER[]), d DECIMAL(38, 10)))',
        "INSERT INTO {T} VALUES ('b', TIME '12:34:56.789', INTERVAL 3 DAY + INTERVAL 5 SECOND,"
          + " TIMESTAMPTZ '2024-05-06 07:08:09+02', union_value(s := 'x'), '1011'::BIT, '{\"k\": [1, 2]}'::JSON,"
          + " [1, 2, 3], TIMESTAMP_NS '2024-01-01 00:00:00.123456789', 18446744073709551615, -128, 1.5,"
          + ' 340282366920938463463374607431768211455, 123456789012345678901234567890::VARINT,'
          + " {'l': MAP {'k': [1, NULL]}, 'd': 1234567890123456789012345678.0123456789})",
        "INSERT INTO {T} (e) VALUES ('a')",
        "UPDATE {T} SET iv = iv * 2, u = union_value(i := 7) WHERE e = 'b'",
      ], 'more_types');
      // Types Parquet cannot hold exactly, at any depth: 128-bit integers, time zone offsets, microseconds of intervals.
      await sameAsNative(server, [
        'CREATE TABLE {T} (s STRUCT(h HUGEINT, "hugeint" VARCHAR), m MAP(VARCHAR, HUGEINT), l UHUGEINT[], t TIMETZ,'
          + ' st STRUCT(x UHUGEINT, tz TIME WITH TIME ZONE)[], iv INTERVAL, ivs INTERVAL[])',
        "INSERT INTO {T} VALUES ({'h': 1267650600228229401496703205377, 'hugeint': 'x'},"
          + " MAP {'k': -170141183460469231731687303715884105727}, [340282366920938463463374607431768211455],"
          + " '12:34:56+02', [{'x': 340282366920938463463374607431768211455, 'tz': '01:02:03-05:30'}],"
          + " INTERVAL '1 microsecond' + INTERVAL '3 months', [INTERVAL '2 days 00:00:00.000007'])",
        "UPDATE {T} SET s = {'h': s.h + 1, 'hugeint': 'y'}, t = '23:59:59.999999-11'",
        'SELECT s.h, m[\'k\'], l[1], t, st[1].tz, iv, ivs[1] FROM {T}',
      ], 'exact_types');
      // A UNION member with no exact Parquet form is refused up front, and the catalog stays writable.
      assert.match((await sql(server, 'CREATE TABLE acme.main.un (u UNION(h HUGEINT, s VARCHAR))')).error,
        /^Not implemented Error: column u: a UNION cannot hold HUGEINT/);
      await ok(server, 'CREATE TABLE acme.main.after_union (a INTEGER)');
      assert.deepEqual((await ok(server, 'SELECT count(*) FROM acme.main.after_union')).rows, [[0]]);
    });

    test('CREATE TABLE AS, CREATE OR REPLACE, DROP, schemas', async () => {
      await sameAsNative(server, [
        'CREATE TABLE {T} AS SELECT range AS id, range % 3 AS g, [range, range + 1] AS l FROM range(20)',
        'CREATE OR REPLACE TABLE {T} AS SELECT g, count(*) AS n, list(id ORDER BY id) AS ids FROM {T} GROUP BY g',
        'UPDATE {T} SET n = n * 10 FROM (SELECT 1 AS gg) AS x WHERE g = x.gg',
      ], 'ctas');
      await ok(server, 'DROP TABLE acme.main.ctas');
      assert.match((await sql(server, 'SELECT * FROM acme.main.ctas')).error, /^Catalog Error/);
      await ok(server, 'DROP TABLE IF EXISTS acme.main.ctas');
      await ok(server, 'CREATE SCHEMA acme.staging; CREATE TABLE acme.staging.s (x INTEGER); INSERT INTO acme.staging.s VALUES (1)');
      const listed = await ok(server, "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = 'acme' AND table_name = 's'");
      assert.deepEqual(listed.rows, [['staging', 's']]);
      assert.match((await sql(server, 'DROP SCHEMA acme.staging')).error, /^Dependency Error: .*CASCADE/);
      await ok(server, 'DROP SCHEMA acme.staging CASCADE');
      assert.match((await sql(server, 'SELECT * FROM acme.staging.s')).error, /^Catalog Error/);
      // Unqualified names resolve in the session's current catalog and schema.
      const sid = randomUUID();
      await ok(server, 'USE acme; CREATE TABLE plain (v INTEGER); INSERT INTO plain VALUES (5); UPDATE plain SET v = v + 1', sid);
      assert.deepEqual((await ok(server, 'SELECT v FROM plain', sid)).rows, [[6]]);
      assert.deepEqual((await ok(server, 'SELECT v FROM acme.plain')).rows, [[6]]);
    });

    test('ALTER TABLE: add, drop and rename columns, change a type where the data converts, rename the table', async () => {
      await sameAsNative(server, [
        "CREATE TABLE {T} (id INTEGER, name VARCHAR, code VARCHAR)",
        "INSERT INTO {T} VALUES (1, 'a', '10'), (2, 'b', '20')",
        'ALTER TABLE {T} ADD COLUMN score DOUBLE',
        "INSERT INTO {T} VALUES (3, 'c', '30', 1.5)",
        'ALTER TABLE {T} RENAME COLUMN name TO label',
        'ALTER TABLE {T} ALTER COLUMN code TYPE INTEGER',
        'ALTER TABLE {T} ALTER COLUMN label TYPE INTEGER',
        'ALTER TABLE {T} DROP COLUMN score',
        'ALTER TABLE {T} ADD COLUMN flag BOOLEAN DEFAULT true',
        "INSERT INTO {T} (id, label, code) VALUES (4, 'd', 40)",
        'ALTER TABLE {T} ALTER COLUMN id SET NOT NULL',
        'INSERT INTO {T} (label) VALUES (\'x\')',
        'UPDATE {T} SET code = code + 1 WHERE id >= 2',
        'DELETE FROM {T} WHERE id = 1',
        'SELECT sum(code), count(*) FILTER (WHERE flag) FROM {T}',
      ], 'altered');
      await ok(server, 'ALTER TABLE acme.main.altered RENAME TO altered2');
      assert.deepEqual((await ok(server, 'SELECT id FROM acme.main.altered2 ORDER BY id')).rows, [[2], [3], [4]]);
      assert.match((await sql(server, 'SELECT * FROM acme.main.altered')).error, /^Catalog Error/);
      const described = await ok(server, 'DESCRIBE acme.main.altered2');
      assert.deepEqual(described.rows.map((r) => [r[0], r[1]]), [['id', 'INTEGER'], ['label', 'VARCHAR'], ['code', 'INTEGER'], ['flag', 'BOOLEAN']]);
    });

    test('MERGE INTO and COPY FROM a file in the bucket', async () => {
      await sameAsNative(server, [
        'CREATE TABLE {T} (id INTEGER, qty INTEGER, note VARCHAR)',
        "INSERT INTO {T} VALUES (1, 10, 'one'), (2, 20, 'two'), (3, 30, 'three')",
        'MERGE INTO {T} AS t USING (SELECT * FROM (VALUES (2, 5), (3, 0), (4, 40)) v(id, qty)) AS s ON t.id = s.id'
          + " WHEN MATCHED AND s.qty = 0 THEN DELETE WHEN MATCHED THEN UPDATE SET qty = t.qty + s.qty"
          + " WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.qty, 'new')",
        'MERGE INTO {T} USING (SELECT 1 AS id) AS s ON merged.id = s.id WHEN MATCHED THEN UPDATE SET note = \'merged\'',
      ], 'merged');
      await putObject('imports/people.csv', 'id,name\n1,ann\n2,"bob, jr"\n');
      await ok(server, 'CREATE TABLE acme.main.people (id INTEGER, name VARCHAR)');
      const copied = await ok(server, "COPY acme.main.people FROM 'imports/people.csv' (HEADER)");
      assert.deepEqual(copied.rows, [[2]]);
      assert.deepEqual((await ok(server, 'SELECT * FROM acme.main.people ORDER BY id')).rows, [[1, 'ann'], [2, 'bob, jr']]);
      assert.match((await sql(server, "COPY acme.main.people FROM '/etc/passwd'")).error, /^Invalid Input Error: '\/etc\/passwd' is not a key/);
      assert.match((await sql(server, "COPY acme.main.people FROM 'imports/../../x.csv'")).error, /^Invalid Input Error/);
      assert.match((await sql(server, "COPY acme.main.people FROM 'imports/none.csv'")).error, /^IO Error: no object/);
    });

    test('time travel: AT (VERSION => n) and AT (TIMESTAMP => ts) read older snapshots', async () => {
      await ok(server, 'CREATE TABLE acme.main.tt (id INTEGER); INSERT INTO acme.main.tt VALUES (1), (2)');
      await new Promise((r) => setTimeout(r, 20));
      const before = (await ok(server, "SELECT strftime(now() AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f')")).rows[0][0];
      await new Promise((r) => setTimeout(r, 20));
      await ok(server, 'ALTER TABLE acme.main.tt ADD COLUMN x INTEGER; INSERT INTO acme.main.tt VALUES (3, 30); DELETE FROM acme.main.tt WHERE id = 1');
      const at = await ok(server, `SELECT * FROM acme.main.tt AT (TIMESTAMP => TIMESTAMPTZ '${before}+00') ORDER BY id`);
      assert.deepEqual(at.columns, ['id']);
      assert.deepEqual(at.rows, [[1], [2]]);
      const snapshots = [];
      for (let v = 0; v < 200 && snapshots.length < 1; v++) {
        const r = await sql(server, `SELECT count(*) FROM acme.main.tt AT (VERSION => ${v})`);
        if (r.error === undefined && r.rows[0][0] === 2) snapshots.push(v);
      }
      assert.equal(snapshots.length, 1);
      // The versions are listed too, newest first, with what each commit did.
      const listed = await request(server, 'GET', '/admin/catalogs/acme/snapshots');
      assert.equal(listed.status, 200, listed.text);
      const versions = listed.json.snapshots.map((x) => x.version);
      assert.ok(versions.includes(snapshots[0]), listed.text);
      assert.deepEqual(versions, [...versions].sort((a, b) => b - a));
      assert.ok(listed.json.snapshots.every((x) => x.created_at && typeof x.changes === 'string'));
      assert.equal((await request(server, 'GET', '/admin/catalogs/nope/snapshots')).status, 404);
      const joined = await ok(server, `SELECT old.id, cur.x FROM acme.main.tt AT (VERSION => ${snapshots[0]}) AS old JOIN acme.main.tt cur USING (id)`);
      assert.deepEqual(joined.rows, [[2, null]]);
      assert.deepEqual((await ok(server, 'SELECT * FROM acme.main.tt ORDER BY id')).rows, [[2, null], [3, 30]]);
      assert.match((await sql(server, 'SELECT * FROM acme.main.tt AT (VERSION => 100000)')).error, /^Invalid Input Error: catalog "acme" has no snapshot 100000/);
      assert.match((await sql(server, 'SELECT * FROM acme.main.tt AT (VERSION => 0)')).error, /^Catalog Error: Table with name tt does not exist at snapshot 0/);
      assert.match((await sql(server, "SELECT * FROM acme.main.tt AT (TIMESTAMP => TIMESTAMP '2000-01-01')")).error, /no snapshot that old/);
      // Writes may read older snapshots too: restoring by CTAS, appending old rows, filling a native table.
      const v = snapshots[0];
      await ok(server, `CREATE TABLE acme.main.tt_restored AS SELECT * FROM acme.main.tt AT (VERSION => ${v})`);
      assert.deepEqual((await ok(server, 'SELECT * FROM acme.main.tt_restored ORDER BY id')).rows, [[1], [2]]);
      await ok(server, `INSERT INTO acme.main.tt SELECT id, -1 FROM acme.main.tt AT (VERSION => ${v}) WHERE id = 1`);
      await ok(server, `DELETE FROM acme.main.tt WHERE id IN (SELECT id FROM acme.main.tt AT (VERSION => ${v})) AND x IS NULL`);
      assert.deepEqual((await ok(server, 'SELECT * FROM acme.main.tt ORDER BY id')).rows, [[1, -1], [3, 30]]);
      await ok(server, `CREATE TABLE memory.main.tt_copy AS SELECT * FROM acme.main.tt AT (VERSION => ${v})`);
      assert.deepEqual((await ok(server, 'SELECT count(*) FROM memory.main.tt_copy')).rows, [[2]]);
    });

    test('POST /validate checks writes to managed tables without running them', async () => {
      await ok(server, 'CREATE TABLE acme.main.checked (id INTEGER, name VARCHAR)');
      const validate = async (statement) => (await request(server, 'POST', '/validate', { body: { statement } })).json;
      for (const statement of ["INSERT INTO acme.main.checked VALUES (1, 'a')", "UPDATE acme.main.checked SET name = 'b' WHERE id = 1",
        'DELETE FROM acme.main.checked WHERE id = 1', 'CREATE TABLE acme.main.other (x INTEGER)',
        'SELECT * FROM acme.main.checked AT (TIMESTAMP => now())']) {
        const v = await validate(statement);
        assert.equal(v.valid, true, `${statement}: ${v.error}`);
      }
      assert.match((await validate('INSERT INTO acme.main.checked VALUES (1)')).error, /has 2 columns but 1 values/);
      assert.match((await validate('UPDATE acme.main.checked SET nope = 1')).error, /^Binder Error/);
      assert.match((await validate('DELETE FROM acme.main.gone')).error, /^Catalog Error: Table with name gone does not exist/);
      assert.deepEqual((await ok(server, 'SELECT count(*) FROM acme.main.checked')).rows, [[0]]);
      assert.match((await sql(server, 'SELECT * FROM acme.main.other')).error, /^Catalog Error/);
    });

    test('a dbt-style sequence gives the expected table', async () => {
      await ok(server, 'CREATE TABLE acme.main.orders AS SELECT range AS id, range * 10 AS amount FROM range(10)');
      await ok(server, 'DROP TABLE IF EXISTS acme.main.orders__tmp');
      await ok(server, 'CREATE TABLE acme.main.orders__tmp AS SELECT id, amount * 2 AS amount FROM acme.main.orders');
      await ok(server, 'DROP TABLE acme.main.orders');
      await ok(server, 'CREATE TABLE acme.main.orders AS SELECT * FROM acme.main.orders__tmp');
      await ok(server, 'DROP TABLE IF EXISTS acme.main.orders__tmp');
      // incremental: replace changed rows, add new ones
      await ok(server, 'CREATE TEMP TABLE batch AS SELECT * FROM (VALUES (3, 1), (4, 2), (10, 3), (11, 4)) v(id, amount);'
        + ' DELETE FROM acme.main.orders WHERE id IN (SELECT id FROM batch);'
        + ' INSERT INTO acme.main.orders SELECT * FROM batch');
      const r = await ok(server, 'SELECT id, amount FROM acme.main.orders ORDER BY id');
      const expected = [...Array(12).keys()].map((id) => [id, { 3: 1, 4: 2, 10: 3, 11: 4 }[id] ?? id * 20]);
      assert.deepEqual(r.rows, expected);
    });

    test('transactions: own writes visible inside, nothing outside until COMMIT, nothing after ROLLBACK', async () => {
      await ok(server, 'CREATE TABLE acme.main.ta (v INTEGER); CREATE TABLE acme.main.tb (v INTEGER)');
      const sid = randomUUID();
      await ok(server, 'BEGIN; INSERT INTO acme.main.ta VALUES (1), (2); INSERT INTO acme.main.tb VALUES (3)', sid);
      await ok(server, 'DELETE FROM acme.main.ta WHERE v = 1', sid);
      assert.deepEqual((await ok(server, 'SELECT (SELECT sum(v) FROM acme.main.ta), (SELECT sum(v) FROM acme.main.tb)', sid)).rows, [[2, 3]]);
      assert.deepEqual((await ok(server, 'SELECT count(*) FROM acme.main.ta')).rows, [[0]]);
      await ok(server, 'COMMIT', sid);
      assert.deepEqual((await ok(server, 'SELECT (SELECT sum(v) FROM acme.main.ta), (SELECT sum(v) FROM acme.main.tb)')).rows, [[2, 3]]);
      await ok(server, 'BEGIN; INSERT INTO acme.main.ta VALUES (100); UPDATE acme.main.tb SET v = 0', sid);
      await ok(server, 'ROLLBACK', sid);
      assert.deepEqual((await ok(server, 'SELECT (SELECT sum(v) FROM acme.main.ta), (SELECT sum(v) FROM acme.main.tb)')).rows, [[2, 3]]);
      // A failed statement dooms the transaction; COMMIT does not commit its earlier writes.
      await ok(server, 'BEGIN; INSERT INTO acme.main.ta VALUES (7)', sid);
      assert.ok((await sql(server, "INSERT INTO acme.main.ta VALUES ('x')", sid)).error);
      await sql(server, 'COMMIT', sid);
      assert.deepEqual((await ok(server, 'SELECT sum(v) FROM acme.main.ta')).rows, [[2]]);
      assert.match((await sql(server, 'BEGIN; CREATE TABLE acme.main.nope (v INTEGER)', sid)).error, /^Not implemented Error: schema changes/);
      await sql(server, 'ROLLBACK', sid);
    });

    test('8 clients appending to one table: the row count is exact', async () => {
      await ok(server, 'CREATE TABLE acme.main.appends (client INTEGER, n INTEGER)');
      await Promise.all([...Array(8).keys()].map(async (c) => {
        for (let i = 0; i < 10; i++) await ok(server, `INSERT INTO acme.main.appends VALUES (${c}, ${i}), (${c}, ${i + 100})`);
      }));
      const r = await ok(server, 'SELECT count(*), count(DISTINCT client), count(DISTINCT (client, n)) FROM acme.main.appends');
      assert.deepEqual(r.rows, [[160, 8, 160]]);
    });

    test('2 clients updating the same rows: one gets 40001 and the data stays consistent', async () => {
      await ok(server, 'CREATE TABLE acme.main.acct (id INTEGER, balance INTEGER); INSERT INTO acme.main.acct VALUES (1, 100), (2, 100)');
      const a = randomUUID();
      const b = randomUUID();
      await ok(server, 'BEGIN; UPDATE acme.main.acct SET balance = balance - 10 WHERE id = 1', a);
      await ok(server, 'BEGIN; UPDATE acme.main.acct SET balance = balance - 20 WHERE id = 1', b);
      await ok(server, 'COMMIT', a);
      const r = await query(server, { statement: 'COMMIT', session_id: b });
      const err = r.json[r.json.length - 1];
      assert.match(err.error, /^Serialization Error: could not serialize access/);
      const log = await request(server, 'GET', `/query/${r.json[0].query_id}`);
      assert.equal(log.status, 200);
      assert.deepEqual((await ok(server, 'SELECT id, balance FROM acme.main.acct ORDER BY id')).rows, [[1, 90], [2, 100]]);
      // The session can go on after the failed commit.
      await ok(server, 'UPDATE acme.main.acct SET balance = balance + 1 WHERE id = 2', b);
      assert.deepEqual((await ok(server, 'SELECT sum(balance) FROM acme.main.acct')).rows, [[191]]);
    });

    test('20 clients updating different rows of one table: no conflict, every update kept', async () => {
      await ok(server, 'CREATE TABLE acme.main.rows20 (id INTEGER, v INTEGER); INSERT INTO acme.main.rows20 SELECT i, 0 FROM range(20) t(i)');
      await Promise.all([...Array(20).keys()].map(async (k) => {
        for (let i = 0; i < 5; i++) await ok(server, `UPDATE acme.main.rows20 SET v = v + 1 WHERE id = ${k}`);
      }));
      // explicit transactions on different rows commit side by side, deletes too
      const sa = randomUUID();
      const sb = randomUUID();
      await ok(server, 'BEGIN; UPDATE acme.main.rows20 SET v = v + 10 WHERE id = 0', sa);
      await ok(server, 'BEGIN; UPDATE acme.main.rows20 SET v = v + 10 WHERE id = 1; DELETE FROM acme.main.rows20 WHERE id = 19', sb);
      await ok(server, 'COMMIT', sa);
      await ok(server, 'COMMIT', sb);
      const r = await ok(server, 'SELECT count(*), sum(v), min(v) FILTER (WHERE id > 1), max(v) FROM acme.main.rows20');
      assert.deepEqual(r.rows, [[19, 17 * 5 + 2 * 15, 5, 15]]);
    });

    test('autocommit updates of one row from 4 clients: races are re-run, no increment lost', async () => {
      await ok(server, 'CREATE TABLE acme.main.hot (id INTEGER, v INTEGER); INSERT INTO acme.main.hot VALUES (1, 0), (2, 0)');
      await Promise.all([...Array(4).keys()].map(async () => {
        for (let i = 0; i < 5; i++) await ok(server, 'UPDATE acme.main.hot SET v = v + 1 WHERE id = 1');
      }));
      assert.deepEqual((await ok(server, 'SELECT id, v FROM acme.main.hot ORDER BY id')).rows, [[1, 20], [2, 0]]);
    });

    test('a reader during heavy writes always sees a consistent snapshot', async () => {
      await ok(server, 'CREATE TABLE acme.main.left_t (v INTEGER); CREATE TABLE acme.main.right_t (v INTEGER)');
      let writing = true;
      const writers = [0, 1, 2].map(async () => {
        const sid = randomUUID();
        for (let i = 0; i < 8; i++) {
          await ok(server, `BEGIN; INSERT INTO acme.main.left_t VALUES (${i}); INSERT INTO acme.main.right_t VALUES (${i}); COMMIT`, sid);
        }
      });
      const reader = (async () => {
        let reads = 0;
        while (writing || reads < 5) {
          const r = await ok(server, 'SELECT (SELECT count(*) FROM acme.main.left_t) - (SELECT count(*) FROM acme.main.right_t)');
          assert.deepEqual(r.rows, [[0]]);
          reads++;
        }
      })();
      await Promise.all(writers);
      writing = false;
      await reader;
      assert.deepEqual((await ok(server, 'SELECT count(*) FROM acme.main.right_t')).rows, [[24]]);
    });

    test('bad input: clear errors, metadata unchanged', async () => {
      const snapshot = async () => (await ok(server,
        "SELECT list(table_schema || '.' || table_name ORDER BY ALL) FROM information_schema.tables WHERE table_catalog = 'acme'")).rows;
      await ok(server, 'CREATE TABLE acme.main.typed (n INTEGER NOT NULL)');
      const before = await snapshot();
      const cases = [
        ['INSERT INTO acme.main.missing VALUES (1)', /^Catalog Error: Table with name missing does not exist/],
        ['INSERT INTO acme.nowhere.t VALUES (1)', /^Catalog Error: Schema with name nowhere does not exist/],
        ['CREATE TABLE acme.nowhere.t (a INTEGER)', /^Catalog Error: Schema with name nowhere does not exist/],
        ['INSERT INTO nocatalog.main.t VALUES (1)', /Catalog "nocatalog" does not exist/],
        ["INSERT INTO acme.main.typed VALUES ('abc')", /^Conversion Error/],
        ['INSERT INTO acme.main.typed VALUES (NULL)', /^Constraint Error: NOT NULL constraint failed: typed\.n/],
        ['UPDATE acme.main.typed SET nope = 1', /^Binder Error/],
        ['CREATE TABLE acme.main.typed (a INTEGER)', /^Catalog Error: Table with name "typed" already exists/],
        ['CREATE TABLE acme.main."Mixed" (a INTEGER)', /^Invalid Input Error: invalid table name/],
        ['CREATE TABLE acme.main."x""; DROP TABLE lake_catalog; --" (a INTEGER)', /^Invalid Input Error: invalid table name/],
        ['CREATE SCHEMA acme."1st"', /^Invalid Input Error: invalid schema name/],
        ['CREATE TABLE acme.main.pk (a INTEGER PRIMARY KEY)', /^Not implemented Error: PRIMARY KEY/],
        ['DROP SCHEMA acme.main', /^Catalog Error: cannot drop schema "main"/],
        ['INSERT INTO acme.main.typed VALUES (1) RETURNING n', /^Not implemented Error: RETURNING/],
        ['INSERT INTO acme.main.typed VALUES (1) ON CONFLICT DO NOTHING', /^Not implemented Error: INSERT … ON CONFLICT/],
        // Statements DuckDB would refuse are not acted on by their head alone.
        ['DROP TABLE acme.main.typed, acme.main.other', /^Parser Error: Can only drop one object at a time/],
        ['DROP TABLE acme.main.typed garbage', /^Parser Error: syntax error at or near "garbage"/],
        ['DROP SCHEMA acme.main, acme.other', /^Parser Error: Can only drop one object at a time/],
        ['CREATE SCHEMA acme.s1 garbage', /^Parser Error: syntax error at or near "garbage"/],
        ['TRUNCATE acme.main.typed, acme.main.other', /^Parser Error: syntax error at or near ","/],
        ['ALTER TABLE acme.main.typed RENAME TO renamed garbage', /^Parser Error: syntax error at or near "garbage"/],
        ['ALTER TABLE acme.main.typed RENAME COLUMN n TO m garbage', /^Parser Error: syntax error at or near "garbage"/],
        ['WITH c AS (SELECT 1) DROP TABLE acme.main.typed', /^Parser Error/],
        // Column options Parquet cannot keep.
        ['CREATE TABLE acme.main.gen (a INTEGER, b INTEGER AS (a + 1))', /^Not implemented Error: generated columns/],
        ['CREATE TABLE acme.main.gen (a INTEGER, b INTEGER GENERATED ALWAYS AS (a + 1) VIRTUAL)', /^Not implemented Error: generated columns/],
        ['ALTER TABLE acme.main.typed ADD COLUMN g INTEGER AS (n + 1)', /^Not implemented Error: generated columns/],
        ['CREATE TABLE acme.main.coll (a VARCHAR COLLATE nocase)', /^Not implemented Error: COLLATE/],
        // Objects a managed catalog does not keep.
        ['CREATE SEQUENCE acme.main.seq', /^Not implemented Error: the managed catalog "acme" holds schemas and tables only/],
        ['CREATE MACRO acme.main.mm(x) AS x + 1', /holds schemas and tables only/],
        ["CREATE TYPE acme.main.mood AS ENUM ('a', 'b')", /holds schemas and tables only/],
        ['CREATE INDEX idx ON acme.main.typed (n)', /holds schemas and tables only/],
        ['ALTER VIEW acme.main.typed RENAME TO gone', /holds schemas and tables only/],
        ["COMMENT ON VIEW acme.main.typed IS 'x'", /holds schemas and tables only/],
        ["COMMENT ON COLUMN acme.main.typed.n IS 'x'", /holds schemas and tables only/],
        ['DROP MACRO acme.main.mm', /holds schemas and tables only/],
        ['COPY FROM DATABASE memory TO acme', /^Not implemented Error: COPY FROM DATABASE cannot write into the managed catalog "acme"/],
      ];
      // The bucket's folder is readable from sessions, never writable.
      const bucketFile = join(server.dataDir, 'buckets', 'default', '1', 'data-forged.parquet').replaceAll("'", "''");
      cases.push([`COPY (SELECT 1 AS c1) TO '${bucketFile}' (FORMAT parquet)`, /^Permission Error: sessions cannot write files/]);
      cases.push([`COPY acme.main.typed TO '${bucketFile}'`, /^Permission Error: sessions cannot write files/]);
      for (const [statement, expected] of cases) {
        const r = await sql(server, statement);
        assert.match(r.error ?? '', expected, statement);
      }
      assert.deepEqual(await snapshot(), before);
      assert.deepEqual((await ok(server, 'SELECT count(*) FROM acme.main.typed')).rows, [[0]]);
      assert.deepEqual((await ok(server, 'SELECT column_name FROM information_schema.columns'
        + " WHERE table_catalog = 'acme' AND table_name = 'typed'")).rows, [['n']]);
      // The same statements still work where DuckDB keeps them.
      await ok(server, 'CREATE SEQUENCE memory.main.seq; CREATE MACRO memory.main.mm(x) AS x + 1');
      assert.deepEqual((await ok(server, 'SELECT nextval(\'memory.main.seq\'), memory.main.mm(1)')).rows, [[1, 2]]);
    });

    test('managed tables read the same from any current catalog or search path; the server\'s own names are reserved', async () => {
      await ok(server, 'CREATE OR REPLACE TABLE acme.main.seen AS SELECT 7 AS v');
      for (const setup of ["SET search_path = 'temp.main,memory.main'", 'USE acme', 'USE memory']) {
        const r = await ok(server, `${setup}; SELECT v FROM acme.main.seen`);
        assert.deepEqual(r.rows, [[7]], setup);
      }
      const sid = (await query(server, { statement: "SET search_path = 'temp.main'" })).json[0].session_id;
      assert.deepEqual((await ok(server, 'SELECT v FROM acme.main.seen', sid)).rows, [[7]]);
      for (const statement of ['CREATE MACRO __lake_scan(a, b, c) AS 1', 'CREATE OR REPLACE MACRO memory.main.__lake_files(x) AS 1',
        'DROP MACRO memory.main.__lake_scan', 'CREATE TEMP MACRO __LAKE_scan(x) AS 1']) {
        const r = await query(server, { statement });
        assert.match(r.json[1].error ?? '', /^Permission Error: names beginning with __lake are reserved/, statement);
      }
      assert.deepEqual((await ok(server, 'SELECT v FROM acme.main.seen')).rows, [[7]]);
    });
  });
}

suite('managed tables on the SQLite metadata store', {});
suite('managed tables on a PostgreSQL metadata store', { usePostgres: true });
suite('managed tables in an S3 bucket', { useS3: true });

for (const store of ['SQLite', 'PostgreSQL']) {
test(`acknowledged writes survive kill -9; an interrupted write is all there or not at all (${store})`, async () => {
  const pg = store === 'PostgreSQL' ? await startPostgres() : null;
  const meta = pg ? ['--metadata', pg.url] : [];
  const first = await startServer({ args: meta });
  const { dataDir } = first;
  await request(first, 'POST', '/admin/catalogs', { body: { name: 'acme' } });
  await ok(first, 'CREATE TABLE acme.main.events (batch INTEGER, i INTEGER)');
  const acknowledged = [];
  let stop = false;
  const writer = (async () => {
    for (let batch = 0; !stop; batch++) {
      try {
        const r = await sql(first, `INSERT INTO acme.main.events SELECT ${batch}, range FROM range(100)`);
        if (r.error === undefined) acknowledged.push(batch);
      } catch {
        return; // the server is gone
      }
    }
  })();
  while (acknowledged.length < 20) await new Promise((r) => setTimeout(r, 10));
  first.proc.kill('SIGKILL');
  stop = true;
  await first.exited;
  await writer;
  // What a write killed midway leaves in the worker's scratch folder goes at the next start.
  const scratch = join(dataDir, 'workers', 'M', 'tmp');
  writeFileSync(join(scratch, 'lake-data-00000000-0000-4000-8000-000000000001.parquet'), 'x'.repeat(1 << 20));
  writeFileSync(join(scratch, 'duckdb_temp_storage_S32K-0.tmp'), 'x');
  const second = await startServer({ args: ['--data', dataDir, ...meta] });
  try {
    assert.deepEqual(readdirSync(scratch), []);
    // and one data folder serves one server at a time
    await assert.rejects(startServer({ args: ['--data', dataDir, ...meta] }), /in use by another server/);
    const r = await ok(second, 'SELECT batch, count(*) FROM acme.main.events GROUP BY batch ORDER BY batch');
    const seen = new Map(r.rows.map(([b, n]) => [b, n]));
    for (const b of acknowledged) assert.equal(seen.get(b), 100, `acknowledged batch ${b}`);
    for (const [b, n] of seen) assert.equal(n, 100, `batch ${b} is partial`);
    // Staged files of the interrupted statement never became visible.
    const files = readdirSync(join(dataDir, 'buckets', 'default', '1'));
    assert.ok(files.length >= acknowledged.length);
  } finally {
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (pg) pg.stop();
  }
});

test(`maintenance: compaction, snapshot expiry and cleanup, never under a reader; in the background and by hand (${store})`, async () => {
  const pg = store === 'PostgreSQL' ? await startPostgres() : null;
  const common = ['--snapshot-retention-seconds', '0', '--gc-grace-seconds', '0', ...(pg ? ['--metadata', pg.url] : [])];
  // By hand first, with no background run that could compact the small files before the manual one.
  const dataDir = mkdtempSync(join(tmpdir(), 'lakehouse-test-'));
  const server = await startServer({ args: ['--data', dataDir, '--maintenance-interval-seconds', '0', ...common] });
  const folder = join(dataDir, 'buckets', 'default', '1');
  let background = null;
  try {
    await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme' } });
    await ok(server, 'CREATE TABLE acme.main.small (id INTEGER)');
    for (let i = 0; i < 40; i++) await ok(server, `INSERT INTO acme.main.small VALUES (${i})`);
    await ok(server, 'DELETE FROM acme.main.small WHERE id % 4 = 0');
    // A reader in a transaction keeps its snapshot, and its files, through maintenance.
    const reader = randomUUID();
    await ok(server, 'BEGIN; SELECT count(*) FROM acme.main.small', reader);
    await ok(server, 'INSERT INTO acme.main.small VALUES (100)');
    const manual = await request(server, 'POST', '/admin/catalogs/acme/maintenance');
    assert.equal(manual.status, 200, manual.text);
    assert.equal(manual.json.tables_compacted, 1);
    assert.ok(manual.json.files_compacted >= 41, manual.text);
    assert.deepEqual((await ok(server, 'SELECT count(*), sum(id) FROM acme.main.small', reader)).rows, [[30, 600]]);
    await ok(server, 'COMMIT', reader);
    assert.deepEqual((await ok(server, 'SELECT count(*), sum(id) FROM acme.main.small')).rows, [[31, 700]]);
    const missing = await request(server, 'POST', '/admin/catalogs/nope/maintenance');
    assert.equal(missing.status, 404);
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr);

    // With the reader gone, a background run removes what only old snapshots needed.
    background = await startServer({ args: ['--data', dataDir, '--maintenance-interval-seconds', '1', ...common] });
    let files = readdirSync(folder).length;
    for (let waited = 0; files > 3 && waited < 15000; waited += 200) {
      await new Promise((r) => setTimeout(r, 200));
      files = readdirSync(folder).length;
    }
    assert.ok(files <= 3, `${files} objects left: ${readdirSync(folder).join(' ')}`);
    assert.deepEqual((await ok(background, 'SELECT count(*), sum(id) FROM acme.main.small')).rows, [[31, 700]]);
  } finally {
    if (server.proc.exitCode === null) await server.stop();
    if (background) {
      const { code } = await background.stop();
      assert.equal(code, 0, background.stderr);
    }
    rmSync(dataDir, { recursive: true, force: true });
    if (pg) pg.stop();
  }
});
}

test('two servers on one PostgreSQL store and one S3 bucket: concurrent appends and updates of different rows never fail', async () => {
  const pg = await startPostgres();
  const s3 = await startS3();
  const env = { LAKEHOUSE_SECRET_KEY: 'ab'.repeat(32) };
  const a = await startServer({ args: ['--metadata', pg.url], env });
  const b = await startServer({ args: ['--metadata', pg.url], env });
  try {
    const made = await request(a, 'POST', '/admin/buckets', { body: { name: 'lake', provider: 's3', endpoint: s3.endpoint,
      bucket: 'lake', prefix: 'tables', access_key_id: S3_KEY, secret_access_key: S3_SECRET } });
    assert.equal(made.status, 201, made.text);
    assert.equal((await request(a, 'POST', '/admin/catalogs', { body: { name: 'pair', bucket: 'lake' } })).status, 201);
    await ok(a, 'CREATE TABLE pair.main.ev (server VARCHAR, client INTEGER, n INTEGER)');
    await ok(a, 'CREATE TABLE pair.main.acct (id INTEGER, v INTEGER); INSERT INTO pair.main.acct SELECT i, 0 FROM range(8) t(i)');
    for (let waited = 0; (await sql(b, 'SELECT count(*) FROM pair.main.acct')).error; waited += 200) {
      assert.ok(waited < 10000, 'the second server never saw the catalog');
      await new Promise((r) => setTimeout(r, 200));
    }
    const clients = [];
    for (const [name, server] of [['a', a], ['b', b]]) {
      for (let c = 0; c < 4; c++) {
        clients.push((async () => {
          for (let i = 0; i < 10; i++) {
            await ok(server, `INSERT INTO pair.main.ev VALUES ('${name}', ${c}, ${i})`);
            await ok(server, `UPDATE pair.main.acct SET v = v + 1 WHERE id = ${(name === 'a' ? 0 : 4) + c}`);
          }
        })());
      }
    }
    await Promise.all(clients);
    assert.deepEqual((await ok(b, 'SELECT count(*), count(DISTINCT (server, client, n)) FROM pair.main.ev')).rows, [[80, 80]]);
    assert.deepEqual((await ok(a, 'SELECT count(*), sum(v), min(v), max(v) FROM pair.main.acct')).rows, [[8, 80, 10, 10]]);
  } finally {
    const rb = await b.stop();
    const ra = await a.stop();
    pg.stop();
    s3.stop();
    assert.equal(ra.code, 0, a.stderr);
    assert.equal(rb.code, 0, b.stderr);
  }
});

test('two servers sharing a PostgreSQL metadata store and a bucket see each other\'s catalogs, tables and rows', async () => {
  const pg = await startPostgres();
  const a = await startServer({ args: ['--metadata', pg.url] });
  // The second server's built-in bucket is the first one's folder.
  const dataB = mkdtempSync(join(tmpdir(), 'lakehouse-test-'));
  symlinkSync(join(a.dataDir, 'buckets'), join(dataB, 'buckets'));
  const b = await startServer({ args: ['--metadata', pg.url, '--data', dataB] });
  const eventually = async (server, statement, expected) => {
    let last;
    for (let waited = 0; waited < 10000; waited += 200) {
      last = await sql(server, statement);
      if (last.error === undefined && JSON.stringify(last.rows) === JSON.stringify(expected)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`${statement}: ${JSON.stringify(last)}`);
  };
  try {
    await request(a, 'POST', '/admin/catalogs', { body: { name: 'shared' } });
    await ok(a, 'CREATE TABLE shared.main.t (id INTEGER, v VARCHAR); INSERT INTO shared.main.t VALUES (1, \'a\')');
    await eventually(b, 'SELECT * FROM shared.main.t', [[1, 'a']]);
    await ok(b, "INSERT INTO shared.main.t VALUES (2, 'b'); ALTER TABLE shared.main.t ADD COLUMN w INTEGER");
    await eventually(a, 'SELECT id, v, w FROM shared.main.t ORDER BY id', [[1, 'a', null], [2, 'b', null]]);
    // Conflicting transactions on different servers: one commits, the other gets 40001.
    const sa = randomUUID();
    const sb = randomUUID();
    await ok(a, "BEGIN; UPDATE shared.main.t SET v = 'from a' WHERE id = 1", sa);
    await ok(b, "BEGIN; UPDATE shared.main.t SET v = 'from b' WHERE id = 1", sb);
    await ok(a, 'COMMIT', sa);
    assert.match((await sql(b, 'COMMIT', sb)).error, /^Serialization Error/);
    await eventually(b, 'SELECT v FROM shared.main.t WHERE id = 1', [['from a']]);
    await request(a, 'PATCH', '/admin/catalogs/shared', { body: { name: 'shared2' } });
    await eventually(b, 'SELECT count(*) FROM shared2.main.t', [[2]]);
  } finally {
    const rb = await b.stop();
    const ra = await a.stop();
    rmSync(dataB, { recursive: true, force: true });
    pg.stop();
    assert.equal(ra.code, 0, a.stderr);
    assert.equal(rb.code, 0, b.stderr);
  }
});
