// The PostgreSQL wire protocol with real clients: psql (libpq) over TLS with SCRAM-SHA-256 and
// channel binding, node-postgres (extended protocol, prepared statements, text and binary results,
// parameters of many types), COPY both ways, transactions, cancellation, statement timeouts, and
// bad input on the raw socket: garbage, truncated and oversized messages, unknown message types,
// wrong passwords, too many connections, a client vanishing mid-query — never a crash, other
// connections unaffected.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';

import pg from 'pg';

import { PASSWORD, request, startServer, USER } from './lib/server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function psql(server, args, { input, env = {}, sslmode = 'require', database = USER, password = PASSWORD } = {}) {
  return new Promise((resolve) => {
    const conn = `host=127.0.0.1 port=${server.pgPort} user=${USER} dbname=${database} sslmode=${sslmode}`;
    const p = execFile('psql', [conn, '-X', '-v', 'ON_ERROR_STOP=1', ...args],
      { env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10', ...env }, timeout: 60000 },
      (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }));
    if (input !== undefined) p.stdin.end(input);
  });
}

function client(server, extra = {}) {
  return new pg.Client({ host: '127.0.0.1', port: server.pgPort, user: USER, password: PASSWORD, database: USER, ...extra });
}

// A raw socket to the PostgreSQL port; resolves with everything the server sent before it closed.
function raw(server, bytes, { wait = 3000 } = {}) {
  return new Promise((resolve) => {
    const s = net.connect(server.pgPort, '127.0.0.1');
    const got = [];
    const done = () => resolve(Buffer.concat(got));
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => got.push(d));
    s.on('error', done);
    s.on('close', done);
    setTimeout(() => { s.destroy(); }, wait);
  });
}

function startup(user = USER, database = USER) {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
  const b = Buffer.alloc(8);
  b.writeInt32BE(8 + params.length, 0);
  b.writeInt32BE(196608, 4);
  return Buffer.concat([b, params]);
}

// The ErrorResponse fields (C, M, S) of the first 'E' message in bytes.
function errorFields(bytes) {
  for (let i = 0; i + 5 <= bytes.length;) {
    const type = String.fromCharCode(bytes[i]);
    const len = bytes.readInt32BE(i + 1);
    if (type === 'E') {
      const fields = {};
      for (const part of bytes.subarray(i + 5, i + 1 + len).toString().split('\0'))
        if (part) fields[part[0]] = part.slice(1);
      return fields;
    }
    i += 1 + len;
  }
  return null;
}

describe('PostgreSQL wire protocol', () => {
  let server;
  before(async () => {
    server = await startServer({ args: ['--pg-max-connections', '400', '--log-level', 'info'] });
    const c = await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme_lakehouse' } });
    assert.equal(c.status, 201, c.text);
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr);
  });

  test('psql over TLS with SCRAM-SHA-256-PLUS: the database names the default catalog', async () => {
    const r = await psql(server, ['-qAt', '-c', 'SELECT current_database()', '-c',
      'CREATE TABLE users (id BIGINT NOT NULL, name VARCHAR)', '-c', "INSERT INTO users VALUES (1, 'ann'), (2, 'bob')",
      '-c', 'SELECT count(*) FROM acme_lakehouse.main.users', '-c', '\\conninfo'],
    { database: 'acme_lakehouse', env: { PGCHANNELBINDING: 'require' } });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'acme_lakehouse');
    assert.equal(lines[1], '2');
    assert.match(r.stdout, /SSL connection \(protocol: TLSv1\.[23]/);
    const refused = await psql(server, ['-c', 'SELECT 1'], { database: 'nowhere' });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /database "nowhere" does not exist/);
  });

  test('psql: several statements in one query, command tags, errors with SQLSTATE and position, transactions', async () => {
    const r = await psql(server, ['-c', 'CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (1), (2); UPDATE t SET i = 3 WHERE i = 1; DELETE FROM t WHERE i = 2; SELECT * FROM t']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, / i \n---\n 3\n\(1 row\)/);
    const e = await psql(server, ['-v', 'VERBOSITY=verbose', '-c', 'SELECT * FROM missing_table']);
    assert.notEqual(e.code, 0);
    assert.match(e.stderr, /ERROR:  42P01: Table with name missing_table does not exist/);
    assert.match(e.stderr, /LINE 1: SELECT \* FROM missing_table/);
    const tx = await psql(server, ['-At', '-v', 'ON_ERROR_STOP=0'], { input: 'BEGIN;\nINSERT INTO t VALUES (9);\nSELECT 1 FROM nothing;\nSELECT 2;\nROLLBACK;\nSELECT count(*) FROM t;\n', sslmode: 'disable' });
    assert.match(tx.stderr, /current transaction is aborted/);
    assert.match(tx.stdout.trim(), /1$/); // the INSERT was rolled back
  });

  test('psql meta-commands read the catalog: \\l, \\dn, \\dt, \\d, \\df, \\du; its views cannot be changed', async () => {
    const setup = await psql(server, ['-c', 'CREATE SCHEMA sales', '-c',
      'CREATE TABLE sales.orders (id INTEGER PRIMARY KEY, amount DECIMAL(10,2) NOT NULL, note VARCHAR)',
      '-c', 'CREATE MACRO sales.twice(x) AS x * 2']);
    assert.equal(setup.code, 0, setup.stderr);
    const r = await psql(server, ['-At', '-c', '\\l', '-c', '\\dn', '-c', '\\dt sales.*', '-c', '\\d sales.orders',
      '-c', '\\df sales.*', '-c', '\\du']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.some((l) => l.startsWith('acme_lakehouse|')), r.stdout);
    assert.ok(lines.some((l) => l.startsWith('memory|')), r.stdout);
    assert.ok(!/__pgcompat/.test(r.stdout), r.stdout); // the compatibility views stay out of sight
    assert.ok(lines.includes(`sales|${USER}`), r.stdout);
    assert.ok(lines.includes(`sales|orders|table|${USER}`), r.stdout);
    assert.ok(lines.includes('id|integer||not null|'), r.stdout);
    assert.ok(lines.includes('amount|numeric(10,2)||not null|'), r.stdout);
    assert.ok(lines.includes('note|text|||'), r.stdout);
    assert.ok(lines.some((l) => l.startsWith('sales|twice|')), r.stdout);
    assert.ok(lines.some((l) => l.startsWith(`${USER}|Superuser`)), r.stdout);
    const d = await psql(server, ['-c', '\\d sales.orders']);
    assert.match(d.stdout, /Indexes:\n    "orders_id_pkey" PRIMARY KEY, btree \(id\)/);
    // index keys matched with = ANY in a LEFT JOIN condition, as SQLAlchemy and pgJDBC do
    const keys = await psql(server, ['-At', '-c', "SELECT i.relname, a.attname FROM pg_catalog.pg_class t"
      + ' JOIN pg_catalog.pg_index ix ON t.oid = ix.indrelid JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid'
      + ' LEFT OUTER JOIN pg_catalog.pg_attribute a ON t.oid = a.attrelid AND a.attnum = ANY(ix.indkey)'
      + " WHERE t.relname = 'orders'"]);
    assert.equal(keys.stdout, 'orders_id_pkey|id\n', keys.stderr);
    // managed tables are tables to clients too, with their NOT NULL columns
    const managed = await psql(server, ['-At', '-c', 'CREATE TABLE ledger (id BIGINT NOT NULL, memo VARCHAR)', '-c', '\\dt main.*',
      '-c', '\\d ledger', '-c', 'ALTER TABLE ledger ALTER COLUMN memo SET NOT NULL', '-c', '\\d ledger'], { database: 'acme_lakehouse' });
    assert.equal(managed.code, 0, managed.stderr);
    const ml = managed.stdout.split('\n');
    assert.ok(ml.includes(`main|ledger|table|${USER}`), managed.stdout);
    assert.deepEqual(ml.filter((l) => /^(id|memo)\|/.test(l)),
      ['id|bigint||not null|', 'memo|text|||', 'id|bigint||not null|', 'memo|text||not null|'], managed.stdout);
    for (const sql of ['CREATE OR REPLACE VIEW __pgcompat.main.pg_class AS SELECT 1', 'USE __pgcompat']) {
      const bad = await psql(server, ['-v', 'VERBOSITY=verbose', '-c', sql]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /42501: __pgcompat holds the server's PostgreSQL catalog views and is read-only/);
    }
  });

  test('wrong passwords and unknown users get 28P01 after a delay; plaintext is refused when TLS is required', async () => {
    const t0 = Date.now();
    const bad = await psql(server, ['-c', 'SELECT 1'], { password: 'wrong', sslmode: 'disable' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /password authentication failed for user "alice"/);
    assert.ok(Date.now() - t0 >= 900, 'no delay after a failed login');
    const c = client(server, { user: 'nobody', password: 'x' });
    await assert.rejects(c.connect(), (e) => e.code === '28P01');
    const strict = await startServer({ args: ['--pg-tls', 'require'] });
    try {
      const plain = await psql(strict, ['-c', 'SELECT 1'], { sslmode: 'disable' });
      assert.match(plain.stderr, /requires TLS/);
      const tls = await psql(strict, ['-At', '-c', 'SELECT 7'], { sslmode: 'require' });
      assert.equal(tls.stdout.trim(), '7', tls.stderr);
    } finally {
      await strict.stop();
    }
  });

  test('node-postgres over TLS: prepared statements, parameters of many types, text and binary results', async () => {
    const c = client(server, { ssl: { rejectUnauthorized: false } });
    await c.connect();
    try {
      assert.equal(c.connection.stream.encrypted, true);
      let r = await c.query('SELECT $1::INT + 1 AS n, $2 AS s, $3::DOUBLE AS d', [41, 'hi', 1.5]);
      assert.deepEqual(r.rows, [{ n: 42, s: 'hi', d: 1.5 }]);
      assert.deepEqual(r.fields.map((f) => f.dataTypeID), [23, 25, 701]);
      await c.query('CREATE TABLE p (id INT, name VARCHAR, ts TIMESTAMP, tz TIMESTAMPTZ, b BOOLEAN, j JSON, u UUID,'
        + ' n DECIMAL(10,2), a INT[], bl BLOB, dt DATE, iv INTERVAL, big BIGINT, f REAL)');
      const when = new Date('2024-01-02T03:04:05.678Z');
      r = await c.query('INSERT INTO p VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)',
        [1, "ann's", when, when, true, { k: [1, 2] }, '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '12.34', [1, null, 3],
          Buffer.from([0, 255, 16]), '2024-02-29', '1 day 02:03:04', '9007199254740993', 0.5]);
      assert.equal(r.command, 'INSERT');
      assert.equal(r.rowCount, 1);
      const named = { name: 'by_id', text: 'SELECT * FROM p WHERE id = $1' };
      for (let i = 0; i < 3; i++) {
        r = await c.query({ ...named, values: [1] });
        assert.equal(r.rows.length, 1);
      }
      const row = r.rows[0];
      assert.equal(row.name, "ann's");
      assert.equal(row.ts.toISOString().slice(0, 19), '2024-01-02T03:04:05');
      assert.equal(row.tz.toISOString(), when.toISOString());
      assert.equal(row.b, true);
      assert.deepEqual(row.j, { k: [1, 2] });
      assert.equal(row.u, '6ba7b810-9dad-11d1-80b4-00c04fd430c8');
      assert.equal(row.n, '12.34');
      assert.deepEqual(row.a, [1, null, 3]);
      assert.deepEqual([...row.bl], [0, 255, 16]);
      assert.equal(row.big, '9007199254740993');
      assert.equal(row.f, 0.5);
      assert.deepEqual({ ...row.iv }, { days: 1, hours: 2, minutes: 3, seconds: 4 });
      r = await c.query({ text: 'SELECT id, name FROM p', rowMode: 'array' });
      assert.deepEqual(r.rows, [[1, "ann's"]]);
      // arrays in PostgreSQL's text syntax, as parameters and as literals
      r = await c.query('SELECT $1::TEXT[] AS t, 2 = ANY($2::INT[]) AS hit', [['a b', 'c"d', null, 'e,f'], [1, 2]]);
      assert.deepEqual(r.rows, [{ t: ['a b', 'c"d', null, 'e,f'], hit: true }]);
      r = await c.query(`SELECT '{x,"y z",NULL}'::VARCHAR[] AS l, 'q' <> ALL ('{a,b}'::text[]) AS absent`);
      assert.deepEqual(r.rows, [{ l: ['x', 'y z', null], absent: true }]);
      // binary results
      const b = client(server, { binary: true });
      await b.connect();
      try {
        const rb = await b.query('SELECT 1::INT AS i, 2::BIGINT AS l, true AS t, 1.25::DOUBLE AS d, \'x\' AS s, DATE \'2024-01-02\' AS dt');
        assert.equal(rb.rows[0].i, 1);
        assert.equal(rb.rows[0].t, true);
        assert.equal(rb.rows[0].d, 1.25);
        assert.equal(rb.rows[0].s, 'x');
      } finally {
        await b.end();
      }
      await assert.rejects(c.query('SELECT * FROM missing WHERE x = $1', [1]), (e) => e.code === '42P01' && Number(e.position) === 15);
      // an error inside a transaction block aborts it until ROLLBACK
      await c.query('BEGIN');
      await assert.rejects(c.query('SELECT * FROM missing'));
      await assert.rejects(c.query('SELECT 1'), (e) => e.code === '25P02');
      await c.query('ROLLBACK');
      assert.deepEqual((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    } finally {
      await c.end();
    }
  });

  test('COPY TO STDOUT in text, csv and binary; COPY FROM STDIN into native and managed tables', async () => {
    const made = await psql(server, ['-c', 'CREATE TABLE cp (i INTEGER, s VARCHAR)', '-c',
      'CREATE TABLE acme_lakehouse.main.cp (i INTEGER, s VARCHAR)']);
    assert.equal(made.code, 0, made.stderr);
    for (const table of ['cp', 'acme_lakehouse.main.cp']) {
      const text = await psql(server, ['-c', `COPY ${table} FROM STDIN`], { input: '1\thello\n2\ttab\\there\n3\t\\N\n4\t\n' });
      assert.match(text.stdout, /COPY 4/, text.stderr);
      const csv = await psql(server, ['-c', `COPY ${table} FROM STDIN (FORMAT csv, HEADER)`], { input: 'i,s\n5,"a,b"\n6,""\n7,\n' });
      assert.match(csv.stdout, /COPY 3/, csv.stderr);
      const out = await psql(server, ['-c', `COPY (SELECT * FROM ${table} ORDER BY i) TO STDOUT`]);
      assert.equal(out.stdout, '1\thello\n2\ttab\\there\n3\t\\N\n4\t\n5\ta,b\n6\t\n7\t\\N\n');
      const outcsv = await psql(server, ['-c', `COPY (SELECT * FROM ${table} ORDER BY i) TO STDOUT (FORMAT csv, HEADER)`]);
      assert.equal(outcsv.stdout, 'i,s\n1,hello\n2,tab\there\n3,\n4,""\n5,"a,b"\n6,""\n7,\n');
    }
    // every escape PostgreSQL writes, and a round trip of them through COPY FROM
    const esc = await psql(server, ['-c', "COPY (SELECT E'a\\\\b\\nc\\rd\\te\\bf\\fg' || chr(11) || 'h' AS s, 'x,y' AS t) TO STDOUT",
      '-c', "COPY (SELECT 'q\"r' AS s, E'l\\nm' AS t, '' AS u, NULL AS v) TO STDOUT (FORMAT csv)"]);
    assert.equal(esc.code, 0, esc.stderr);
    assert.equal(esc.stdout, 'a\\\\b\\nc\\rd\\te\\bf\\fg\\vh\tx,y\n"q""r","l\nm","",\n');
    const back = await psql(server, ['-c', 'CREATE TABLE esc (s VARCHAR)', '-c', 'COPY esc FROM STDIN',
      '-c', "SELECT s = E'a\\\\b\\nc\\rd\\te\\bf\\fg' || chr(11) || 'h' FROM esc"], { input: 'a\\\\b\\nc\\rd\\te\\bf\\fg\\vh\n\\.\n' });
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, / t\n/);
    const octal = await psql(server, ['-c', 'CREATE TABLE esc8 (s VARCHAR)', '-c', 'COPY esc8 FROM STDIN',
      '-c', "SELECT s = 'ABA0' || chr(4) || 'g' FROM esc8"], { input: '\\101\\x42\\1010\\x4g\n' });
    assert.equal(octal.code, 0, octal.stderr);
    assert.match(octal.stdout, / t\n/);
    const nul = await psql(server, ['-v', 'VERBOSITY=verbose', '-c', 'COPY esc8 FROM STDIN'], { input: 'ok\nx\\000y\n' });
    assert.match(nul.stderr, /22021: invalid byte sequence for encoding "UTF8": 0x00 \(line 2\)/);
    const kept = await psql(server, ['-At', '-c', 'SELECT count(*) FROM esc8']);
    assert.equal(kept.stdout, '1\n', 'a COPY that failed adds no rows');
    const bin = await new Promise((resolve) => {
      const p = spawn('psql', [`host=127.0.0.1 port=${server.pgPort} user=${USER} dbname=${USER} sslmode=disable`, '-X', '-c',
        'COPY (SELECT 1::INT AS i, NULL::VARCHAR AS s) TO STDOUT (FORMAT binary)'], { env: { ...process.env, PGPASSWORD: PASSWORD } });
      const chunks = [];
      p.stdout.on('data', (d) => chunks.push(d));
      p.on('close', () => resolve(Buffer.concat(chunks)));
    });
    const expect = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8),
      Buffer.from([0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 255, 255, 255, 255, 255, 255])]);
    assert.deepEqual(bin, expect);
  });

  test('cancel requests interrupt the running query; statement_timeout cancels slow ones', async () => {
    const c = client(server);
    await c.connect();
    try {
      const slow = c.query('SELECT count(*) FROM range(100000000000)');
      await sleep(500);
      const key = Buffer.alloc(16);
      key.writeInt32BE(16, 0);
      key.writeInt32BE(80877102, 4);
      key.writeInt32BE(c.processID, 8);
      key.writeInt32BE(c.secretKey, 12);
      await raw(server, key, { wait: 500 });
      await assert.rejects(slow, (e) => e.code === '57014' && /user request/.test(e.message));
      await c.query("SET statement_timeout = '300ms'");
      const t0 = Date.now();
      await assert.rejects(c.query('SELECT count(*) FROM range(100000000000)'), (e) => e.code === '57014' && /timeout/.test(e.message));
      assert.ok(Date.now() - t0 < 5000);
      await c.query('RESET statement_timeout');
      assert.deepEqual((await c.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
      // a wrong key cancels nothing
      const other = c.query('SELECT count(*) FROM range(30000000)');
      key.writeInt32BE(c.secretKey ^ 1, 12);
      await raw(server, key, { wait: 200 });
      assert.equal((await other).rows.length, 1);
    } finally {
      await c.end();
    }
  });

  test('bad input: garbage, truncated and oversized messages, unknown types; the server stays up', async () => {
    // garbage instead of a startup packet
    const g = await raw(server, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.equal(errorFields(g)?.C, '08P01');
    // a startup packet that claims more than it sends, then silence: the connection just waits, then goes
    const t = Buffer.alloc(8);
    t.writeInt32BE(100, 0);
    t.writeInt32BE(196608, 4);
    await raw(server, t, { wait: 300 });
    // an unknown protocol version
    const v = Buffer.alloc(8);
    v.writeInt32BE(8, 0);
    v.writeInt32BE(0x00020000, 4);
    assert.equal(errorFields(await raw(server, v))?.C, '0A000');
    // after login: an oversized and an unknown message
    const c = client(server);
    await c.connect();
    const pid = c.processID;
    c.connection.stream.write(Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]));
    await new Promise((r) => c.on('error', r) && setTimeout(r, 2000));
    const u = client(server);
    await u.connect();
    u.on('error', () => {});
    u.connection.stream.write(Buffer.from([0x7a, 0, 0, 0, 4]));
    await sleep(300);
    assert.ok(pid > 0);
    // a client vanishing mid-query
    const gone = client(server);
    await gone.connect();
    gone.on('error', () => {});
    gone.query('SELECT count(*) FROM range(100000000000)').catch(() => {});
    await sleep(300);
    gone.connection.stream.destroy();
    // TLS clients that vanish mid-handshake, without close_notify, leave nothing behind for the
    // next TLS connection served by the same thread
    const tlsClient = client(server, { ssl: { rejectUnauthorized: false } });
    await tlsClient.connect();
    for (let round = 0; round < 10; round++) {
      await new Promise((resolve) => {
        const s = net.connect(server.pgPort, '127.0.0.1', () => {
          const req = Buffer.alloc(8);
          req.writeInt32BE(8, 0);
          req.writeInt32BE(80877103, 4);
          s.write(req);
        });
        s.on('error', () => {});
        s.once('data', () => {
          const t = tls.connect({ socket: s, rejectUnauthorized: false }, () => { s.destroy(); setTimeout(resolve, 30); });
          t.on('error', () => {});
        });
      });
      assert.deepEqual((await tlsClient.query('SELECT $1::INT AS round', [round])).rows, [{ round }]);
    }
    await tlsClient.end();
    // the server is fine, and so are the others
    const ok = client(server);
    await ok.connect();
    assert.deepEqual((await ok.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
    await ok.end();
    assert.equal((await request(server, 'GET', '/health')).status, 200);
  });

  test('hundreds of connections without a thread each; beyond the limit, 53300', async () => {
    const threadsBefore = server.threads();
    const clients = [];
    for (let i = 0; i < 300; i++) clients.push(client(server));
    await Promise.all(clients.map((c) => c.connect()));
    const threads = server.threads();
    assert.ok(threads - threadsBefore < 20, `${threads - threadsBefore} more threads for 300 connections`);
    const answers = await Promise.all(clients.map((c, i) => c.query('SELECT $1::INT AS i', [i])));
    assert.deepEqual(answers.map((a) => a.rows[0].i), clients.map((_, i) => i));
    const small = await startServer({ args: ['--pg-max-connections', '2'] });
    try {
      const a = client(small), b = client(small);
      await a.connect();
      await b.connect();
      const third = client(small);
      await assert.rejects(third.connect(), (e) => e.code === '53300');
      await a.end();
      await b.end();
    } finally {
      await small.stop();
    }
    await Promise.all(clients.map((c) => c.end()));
  });

  test('a client that stops reading its answer is closed after --pg-write-timeout-seconds, freeing the thread', async () => {
    const one = await startServer({ args: ['--pg-threads', '1', '--pg-write-timeout-seconds', '1'] });
    try {
      const stuck = client(one);
      await stuck.connect();
      stuck.on('error', () => {});
      const big = stuck.query('SELECT i, repeat(\'x\', 100) AS s FROM range(5000000) t(i)').then(() => 'done', () => 'failed');
      stuck.connection.stream.pause(); // reads nothing more: the server's only thread waits on it
      await sleep(300);
      const other = client(one);
      const answer = (async () => {
        await other.connect();
        return (await other.query('SELECT 42 AS n')).rows;
      })();
      const got = await Promise.race([answer, sleep(20000).then(() => 'no answer')]);
      assert.deepEqual(got, [{ n: 42 }]);
      stuck.connection.stream.resume();
      assert.equal(await Promise.race([big, sleep(10000).then(() => 'hanging')]), 'failed');
      await other.end();
    } finally {
      await one.stop();
    }
  });

  test('an idle session is closed with 57P05 after --pg-idle-timeout-seconds; an active one stays', async () => {
    const strict = await startServer({ args: ['--pg-idle-timeout-seconds', '1'] });
    try {
      const idle = client(strict), active = client(strict);
      await idle.connect();
      await active.connect();
      const closed = new Promise((resolve) => idle.on('error', resolve));
      for (let i = 0; i < 10; i++) {
        assert.deepEqual((await active.query('SELECT $1::INT AS i', [i])).rows, [{ i }]);
        await sleep(300);
      }
      const e = await Promise.race([closed, sleep(5000).then(() => null)]);
      assert.ok(e, 'the idle session is still open');
      assert.equal(e.code, '57P05');
      assert.match(e.message, /idle-session timeout/);
      await active.end();
    } finally {
      await strict.stop();
    }
  });
});
