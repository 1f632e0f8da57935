// Mainstream PostgreSQL clients against the real binary, each over TLS with SCRAM: libpq from C
// (extended protocol, binary results, prepared statements, PQcancel), pgbench with a custom script
// in the simple, extended and prepared modes, psycopg2 with SQLAlchemy reflection, and pgJDBC with
// DatabaseMetaData and a prepared statement.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PASSWORD, request, root, startServer, USER } from './lib/server.mjs';

function run(cmd, args, { env = {}, timeout = 120000 } = {}) {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, PGPASSWORD: PASSWORD, ...env }, timeout, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('PostgreSQL clients', () => {
  let server;
  let work;
  let conninfo;
  before(async () => {
    server = await startServer();
    work = mkdtempSync(join(tmpdir(), 'lakehouse-clients-'));
    conninfo = `host=127.0.0.1 port=${server.pgPort} user=${USER} dbname=acme sslmode=require`;
    assert.equal((await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme' } })).status, 201);
  });
  after(async () => {
    rmSync(work, { recursive: true, force: true });
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr);
  });

  test('libpq from C: typed parameters, binary results, prepared statements, PQcancel', async () => {
    const exe = join(work, 'libpq_client');
    const cc = await run('cc', ['-O1', '-o', exe, join(root, 'tests/integration/clients/libpq_client.c'),
      '-I/usr/include/postgresql', '-lpq', '-lpthread']);
    assert.equal(cc.code, 0, cc.stderr);
    const r = await run(exe, [`${conninfo} password=${PASSWORD} channel_binding=require`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ssl on\n'
      + 'binary n=42 s=HELLO d=2.5 b=10000000000 types=23,25,701,20\n'
      + 'prepared count=100 sum=4950\n'
      + 'null param t\n'
      + 'error 42P01\n'
      + 'cancelled 57014\n'
      + 'after cancel alive\n');
  });

  test('pgbench with a custom script in simple, extended and prepared modes', async () => {
    // a native table: concurrent updates of one managed table conflict by design (40001), so the
    // retries pgbench does for serialization failures would be measured instead of the protocol
    const memory = conninfo.replace('dbname=acme', 'dbname=memory');
    const setup = await run('psql', [memory, '-X', '-q', '-c',
      'CREATE TABLE accounts (id INTEGER NOT NULL, balance BIGINT); INSERT INTO accounts SELECT i, 0 FROM range(1, 501) t(i)']);
    assert.equal(setup.code, 0, setup.stderr);
    const script = join(work, 'bench.sql');
    writeFileSync(script, '\\set aid random(1, 500)\nSELECT balance FROM accounts WHERE id = :aid;\n'
      + 'UPDATE accounts SET balance = balance + 1 WHERE id = :aid;\n');
    for (const mode of ['simple', 'extended', 'prepared']) {
      const r = await run('pgbench', ['-h', '127.0.0.1', '-p', String(server.pgPort), '-U', USER, '-n', '-f', script,
        '-c', '4', '-j', '2', '-t', '25', '-M', mode, '--max-tries', '50', 'memory'], { env: { PGSSLMODE: 'require' } });
      assert.equal(r.code, 0, `${mode}: ${r.stderr}`);
      assert.match(r.stdout, /number of transactions actually processed: 100\/100/, mode);
      assert.match(r.stdout, /number of failed transactions: 0/, mode);
    }
    const sum = await run('psql', [memory, '-X', '-At', '-c', 'SELECT sum(balance) FROM accounts']);
    assert.equal(sum.stdout.trim(), '300');
  });

  test('psycopg2 and SQLAlchemy: queries with parameters, transactions, reflection', async () => {
    const script = `
import sys, psycopg2, sqlalchemy
from sqlalchemy import create_engine, inspect, text
dsn = sys.argv[1]
c = psycopg2.connect(dsn)
# schema changes to managed catalogs run outside transaction blocks
c.autocommit = True
c.cursor().execute("CREATE TABLE acme.main.people (id BIGINT NOT NULL, name VARCHAR, score DOUBLE)")
c.autocommit = False
cur = c.cursor()
cur.execute("INSERT INTO acme.main.people VALUES (%s, %s, %s), (%s, %s, %s)", (1, "ann", 1.5, 2, "o'brien", None))
c.commit()
cur.execute("SELECT id, name, score FROM acme.main.people WHERE id >= %s ORDER BY id", (1,))
print(cur.fetchall())
cur.execute("SELECT %s::DATE, %s::TIMESTAMP, %s::NUMERIC(10,2), %s::BOOLEAN", ("2024-01-02", "2024-01-02 03:04:05", "12.34", True))
print(cur.fetchone())
try:
    cur.execute("SELECT * FROM no_such_table")
except psycopg2.Error as e:
    print("error", e.pgcode)
c.rollback()
c.close()
url = "postgresql+psycopg2:///?" + "&".join("%s=%s" % tuple(kv.split("=")) for kv in dsn.split())
e = create_engine(url)
with e.connect() as conn:
    print(conn.execute(text("SELECT count(*) FROM acme.main.people")).scalar())
    i = inspect(conn)
    print(i.get_schema_names())
    print(i.get_table_names(schema="main"))
    print([(col["name"], type(col["type"]).__name__, col["nullable"]) for col in i.get_columns("people", schema="main")])
`;
    const py = join(work, 'clients.py');
    writeFileSync(py, script);
    const r = await run('/usr/bin/python3', [py, `${conninfo} password=${PASSWORD}`]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], "[(1, 'ann', 1.5), (2, \"o'brien\", None)]");
    assert.equal(lines[1], "(datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5), Decimal('12.34'), True)");
    assert.equal(lines[2], 'error 42P01');
    assert.equal(lines[3], '2');
    assert.equal(lines[4], "['information_schema', 'main']");
    assert.equal(lines[5], "['people']");
    assert.equal(lines[6], "[('id', 'BIGINT', False), ('name', 'TEXT', True), ('score', 'DOUBLE_PRECISION', True)]");
  });

  test('pgJDBC: DatabaseMetaData and a prepared statement', async () => {
    const java = `
import java.sql.*;
import java.util.*;
public class JdbcCheck {
  public static void main(String[] a) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", a[1]); p.setProperty("password", a[2]); p.setProperty("sslmode", "require");
    try (Connection c = DriverManager.getConnection(a[0], p)) {
      DatabaseMetaData m = c.getMetaData();
      System.out.println(m.getDatabaseProductName() + " " + m.getDatabaseMajorVersion());
      try (ResultSet r = m.getCatalogs()) { List<String> l = new ArrayList<>(); while (r.next()) l.add(r.getString(1)); System.out.println("catalogs " + l); }
      try (ResultSet r = m.getSchemas()) { List<String> l = new ArrayList<>(); while (r.next()) l.add(r.getString("TABLE_SCHEM")); Collections.sort(l); System.out.println("schemas " + l.contains("main")); }
      try (Statement s = c.createStatement()) { s.execute("CREATE TABLE acme.main.jdbc_t (id INTEGER NOT NULL, label VARCHAR)"); }
      try (ResultSet r = m.getTables(null, "main", "jdbc%", new String[] {"TABLE", "VIEW"})) { while (r.next()) System.out.println("table " + r.getString("TABLE_NAME")); }
      try (ResultSet r = m.getColumns(null, "main", "jdbc_t", null)) { while (r.next()) System.out.println("column " + r.getString("COLUMN_NAME") + " " + r.getString("TYPE_NAME") + " " + r.getInt("DATA_TYPE") + " " + r.getString("IS_NULLABLE")); }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO acme.main.jdbc_t VALUES (?, ?)")) {
        for (int i = 1; i <= 3; i++) { ps.setInt(1, i); ps.setString(2, "l" + i); ps.executeUpdate(); }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT count(*), max(label) FROM acme.main.jdbc_t WHERE id >= ?")) {
        for (int k = 0; k < 6; k++) { ps.setInt(1, 2); try (ResultSet r = ps.executeQuery()) { r.next(); if (k == 5) System.out.println("prepared " + r.getLong(1) + " " + r.getString(2)); } }
      }
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) { s.execute("INSERT INTO acme.main.jdbc_t VALUES (9, 'x')"); }
      c.rollback();
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM acme.main.jdbc_t")) { r.next(); System.out.println("after rollback " + r.getLong(1)); }
    }
    // keys and indexes of a table in the default database
    try (Connection c = DriverManager.getConnection(a[0].replace("/acme", "/memory"), p)) {
      try (Statement s = c.createStatement()) { s.execute("CREATE TABLE jdbc_k (a INTEGER, b VARCHAR, c DOUBLE, PRIMARY KEY (b, a))"); }
      DatabaseMetaData m = c.getMetaData();
      try (ResultSet r = m.getPrimaryKeys(null, "main", "jdbc_k")) { while (r.next()) System.out.println("key " + r.getString("COLUMN_NAME") + " " + r.getInt("KEY_SEQ") + " " + r.getString("PK_NAME")); }
      try (ResultSet r = m.getIndexInfo(null, "main", "jdbc_k", false, false)) { while (r.next()) System.out.println("index " + r.getString("INDEX_NAME") + " " + r.getString("COLUMN_NAME") + " " + r.getInt("ORDINAL_POSITION") + " " + r.getBoolean("NON_UNIQUE")); }
    }
  }
}`;
    const src = join(work, 'JdbcCheck.java');
    writeFileSync(src, java);
    const url = `jdbc:postgresql://127.0.0.1:${server.pgPort}/acme`;
    const r = await run('java', ['-cp', '/usr/share/java/postgresql.jar', src, url, USER, PASSWORD]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(r.stdout, 'PostgreSQL 15\n'
      + 'catalogs [acme]\n'
      + 'schemas true\n'
      + 'table jdbc_t\n'
      + 'column id int4 4 NO\n'
      + 'column label text 12 YES\n'
      + 'prepared 2 l3\n'
      + 'after rollback 3\n'
      + 'key b 1 jdbc_k_b_a_pkey\n'
      + 'key a 2 jdbc_k_b_a_pkey\n'
      + 'index jdbc_k_b_a_pkey b 1 false\n'
      + 'index jdbc_k_b_a_pkey a 2 false\n');
  });
});
