// PostgreSQL sessions as real clients use them: run-time parameters from the startup packet,
// `options` and SET (ParameterStatus, SHOW, RESET), the session time zone in text and binary
// results, current_user, jsonb, psql's \d of a managed table, binary COPY framing read row by row
// (psycopg 3), SQL-level prepared statements and DEALLOCATE/DISCARD (psycopg 3's automatic
// prepares), cursors (DECLARE/FETCH/MOVE/CLOSE, SCROLL, WITH HOLD) from psycopg2, psycopg 3 and
// psql, and the log line of each statement.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PASSWORD, request, startServer, USER } from './lib/server.mjs';

function run(cmd, args, { env = {}, input } = {}) {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { env: { ...process.env, PGPASSWORD: PASSWORD, ...env }, timeout: 120000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }));
    if (input !== undefined) p.stdin.end(input);
  });
}

describe('PostgreSQL sessions', () => {
  let server;
  let work;
  let dsn;
  before(async () => {
    server = await startServer({ args: ['--log-level', 'info'] });
    work = mkdtempSync(join(tmpdir(), 'lakehouse-pgsession-'));
    dsn = `host=127.0.0.1 port=${server.pgPort} user=${USER} password=${PASSWORD} dbname=acme sslmode=require`;
    assert.equal((await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme' } })).status, 201);
  });
  after(async () => {
    rmSync(work, { recursive: true, force: true });
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr);
  });

  async function python(name, script) {
    const file = join(work, name);
    writeFileSync(file, script);
    const r = await run('/usr/bin/python3', [file, dsn]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    return r.stdout.trim().split('\n');
  }

  test('psycopg 3: parameters, time zone, current_user, jsonb and binary COPY', async () => {
    const lines = await python('session.py', PSYCOPG3_SESSION);
    assert.deepEqual(lines, [
      'startup foo Asia/Tokyo ISO, DMY off alice 15.0',
      "show ['foo', 'Asia/Tokyo', '5s', 'ISO, DMY']",
      "user ('alice', 'alice', 'alice')",
      'text 2024-01-01 09:00:00+09 2024-01-01T09:00:00+09:00',
      'binary True',
      'set America/New_York 2023-12-31 19:00:00-05',
      'set Europe/Paris Europe/Paris',
      'local Asia/Tokyo',
      'reset Asia/Tokyo Asia/Tokyo',
      'bad zone 22023',
      'appname bar',
      'reset all foo Asia/Tokyo 5s',
      'read-only 55P02',
      'unknown True',
      "jsonb ({'a': 1}, [1, 2], {'b': True})",
      "column ({'k': 'v'}, 'v', [{'t': 1}])",
      "types [('doc', 114), (\"(doc ->> 'k')\", 25), ('tags', 199)]",
      'format json',
      "copy [(1, 'x')]",
      "copy [(0, 'r0'), (1, 'r1'), (2, 'r2')]",
      "frames ['5047434f50590aff0d0a00000000000000000000010000000400000007', 'ffff']",
      "frames ['5047434f50590aff0d0a000000000000000000ffff']",
    ]);
  });

  test('psql: PGTZ, the session zone in results, and \\d shows a managed table\'s defaults', async () => {
    const conn = `host=127.0.0.1 port=${server.pgPort} user=${USER} dbname=acme sslmode=require`;
    const r = await run('psql', [conn, '-X', '-At', '-v', 'ON_ERROR_STOP=1',
      '-c', 'SHOW TimeZone', '-c', "SELECT '2024-06-01 12:00:00+00'::timestamptz",
      '-c', "CREATE TABLE acme.main.defaults (id INTEGER NOT NULL, label VARCHAR DEFAULT 'none', n INTEGER DEFAULT 42)",
      '-c', '\\d acme.main.defaults'], { env: { PGTZ: 'Asia/Kolkata' } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'Asia/Kolkata',
      '2024-06-01 17:30:00+05:30',
      'CREATE TABLE',
      'id|integer||not null|',
      "label|text|||'none'",
      'n|integer|||42',
    ]);
  });

  test('psycopg 3: automatic prepares survive ROLLBACK, DROP and ALTER (DEALLOCATE ALL), SQL PREPARE, server-side cursors', async () => {
    const lines = await python('prepared3.py', PSYCOPG3_PREPARED);
    assert.deepEqual(lines, [
      'prepared 12 True',
      'after rollback 12',
      'after ddl 3 1',
      'sql prepare 42 hello',
      'duplicate 42P05',
      'missing 26000',
      'deallocated 26000',
      'first (2, \'r2\')',
      'many [(3, \'r3\'), (4, \'r4\')]',
      'scrolled (2, \'r2\') (9, \'r9\')',
      'rest 7',
      'held [0, 1, 2, 3, 4]',
      'binary [(42, \'x\', Decimal(\'1.50\'))]',
      'no hold 25P01',
      'closed 34000',
      'gone after rollback 34000',
      'aborted 25P02',
    ]);
    // psycopg 3 sent DEALLOCATE ALL itself, and each statement was logged once, without values
    assert.match(server.stderr, /msg="statement" user=alice database=acme pid=\d+ protocol=extended kind="DEALLOCATE ALL" sql="DEALLOCATE ALL" rows=- duration_ms=[\d.]+ sqlstate=00000/);
    assert.match(server.stderr, /protocol=extended kind="SELECT" sql="SELECT \$1::int \+ \$2" rows=1 /);
    assert.match(server.stderr, /protocol=simple kind="PREPARE" sql="PREPARE q \(int, text\) AS SELECT \$1 \* 2, '…' \|\| \$2" rows=- /);
    assert.match(server.stderr, /kind="FETCH" sql="FETCH FORWARD 2 FROM 'sc'" rows=2 /);
    assert.match(server.stderr, /kind="EXECUTE" sql="EXECUTE nope" rows=- duration_ms=[\d.]+ sqlstate=26000/);
    assert.doesNotMatch(server.stderr, /s3cr3t/);
  });

  test('psycopg2: named cursors fetch by itersize, scroll, WITH HOLD', async () => {
    const lines = await python('named2.py', PSYCOPG2_NAMED);
    assert.deepEqual(lines, [
      'iter 10 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]',
      'abs (5,) rel (3,) last (9,)',
      'no scroll 55000',
      'hold [(1,), (2,)]',
      'managed [(1, \'a\'), (2, \'b\'), (3, \'c\')]',
    ]);
    // itersize 4 over 10 rows: psycopg2 asked for them 4 at a time (4, 4, 2, then none)
    assert.equal(server.stderr.match(/sql="FETCH FORWARD 4 FROM 'named'"/g).length, 4);
  });

  test('psql: FETCH_COUNT, DECLARE/FETCH/MOVE/CLOSE, PREPARE/EXECUTE/DEALLOCATE, DISCARD ALL', async () => {
    const conn = `host=127.0.0.1 port=${server.pgPort} user=${USER} dbname=memory sslmode=require`;
    const fetchCount = await run('psql', [conn, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-v', 'FETCH_COUNT=10',
      '-c', 'SELECT count(*), sum(i) FROM (SELECT i FROM range(25) t(i))', '-c', 'SELECT i FROM range(25) t(i) ORDER BY i']);
    assert.equal(fetchCount.code, 0, fetchCount.stderr);
    const rows = fetchCount.stdout.trim().split('\n');
    assert.equal(rows[0], '25|300');
    assert.deepEqual(rows.slice(1), Array.from({ length: 25 }, (_, i) => String(i)));
    assert.match(server.stderr, /kind="DECLARE CURSOR" sql="DECLARE _psql_cursor NO SCROLL CURSOR FOR SELECT i FROM range\(25\)/);
    assert.match(server.stderr, /kind="FETCH" sql="FETCH FORWARD 10 FROM _psql_cursor" rows=5 /);

    const script = String.raw`\set VERBOSITY sqlstate
PREPARE p (int, text) AS SELECT $1 + 1 AS n, upper($2) AS s;
EXECUTE p (41, 'abc');
EXECUTE p (1);
PREPARE p AS SELECT 1;
DEALLOCATE PREPARE p;
EXECUTE p (1, 'x');
PREPARE a AS SELECT 'a';
PREPARE b AS SELECT 'b';
DEALLOCATE ALL;
EXECUTE a;
BEGIN;
DECLARE big SCROLL CURSOR FOR SELECT i, repeat('x', 60) || i AS pad FROM range(1, 50001) t(i);
FETCH 2 FROM big;
FETCH ABSOLUTE 40000 FROM big;
FETCH BACKWARD 2 FROM big;
MOVE 5000 IN big;
FETCH NEXT FROM big;
FETCH LAST FROM big;
FETCH PRIOR FROM big;
FETCH FIRST FROM big;
FETCH RELATIVE 3 FROM big;
MOVE ALL FROM big;
FETCH NEXT FROM big;
MOVE BACKWARD ALL FROM big;
FETCH ABSOLUTE -50000 FROM big;
CLOSE big;
DECLARE fwd NO SCROLL CURSOR FOR VALUES (1), (2);
FETCH fwd;
FETCH PRIOR fwd;
ROLLBACK;
FETCH big;
BEGIN;
DECLARE c CURSOR FOR SELECT 1;
DECLARE c CURSOR FOR SELECT 2;
ROLLBACK;
DECLARE c CURSOR FOR SELECT 1;
DECLARE h CURSOR WITH HOLD FOR SELECT 'held';
BEGIN;
DECLARE inner_c CURSOR FOR SELECT 1;
COMMIT;
FETCH inner_c;
FETCH ALL h;
CLOSE ALL;
FETCH h;
PREPARE kept AS SELECT 1;
CREATE TEMP TABLE scratch (x int);
SET application_name = 'pooled';
DECLARE k CURSOR WITH HOLD FOR SELECT 1;
DISCARD ALL;
EXECUTE kept;
FETCH k;
SELECT count(*) FROM scratch;
SHOW application_name;
SELECT count(*) FROM range(3);
DISCARD PLANS;
BEGIN;
DISCARD ALL;
ROLLBACK;
`;
    const r = await run('psql', [conn, '-X', '-At', '-f', '-'], { input: script });
    assert.equal(r.code, 0, r.stderr);
    const errors = r.stderr.trim().split('\n').map((l) => l.replace(/^psql:<stdin>:\d+: /, ''));
    assert.deepEqual(errors, [
      'ERROR:  42601', // EXECUTE p (1): wrong number of parameters
      'ERROR:  42P05', // PREPARE p again
      'ERROR:  26000', // EXECUTE of a deallocated statement
      'ERROR:  26000', // EXECUTE a after DEALLOCATE ALL
      'ERROR:  55000', // FETCH PRIOR of a NO SCROLL cursor
      'ERROR:  34000', // FETCH big after CLOSE
      'ERROR:  42P03', // DECLARE c twice
      'ERROR:  25P01', // DECLARE without HOLD outside a transaction block
      'ERROR:  34000', // a cursor without HOLD ends with its transaction
      'ERROR:  34000', // CLOSE ALL closed h
      'ERROR:  26000', // DISCARD ALL deallocated kept
      'ERROR:  34000', // and closed k
      'ERROR:  42P01', // and dropped the temporary table
      'ERROR:  25001', // DISCARD ALL inside a transaction block
    ]);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'PREPARE', '42|ABC', 'DEALLOCATE', 'PREPARE', 'PREPARE', 'DEALLOCATE ALL',
      'BEGIN', 'DECLARE CURSOR',
      `1|${'x'.repeat(60)}1`, `2|${'x'.repeat(60)}2`,
      `40000|${'x'.repeat(60)}40000`,
      `39999|${'x'.repeat(60)}39999`, `39998|${'x'.repeat(60)}39998`,
      'MOVE 5000',
      `44999|${'x'.repeat(60)}44999`,
      `50000|${'x'.repeat(60)}50000`,
      `49999|${'x'.repeat(60)}49999`,
      `1|${'x'.repeat(60)}1`,
      `4|${'x'.repeat(60)}4`,
      'MOVE 49996',
      'MOVE 50000',
      `1|${'x'.repeat(60)}1`,
      'CLOSE CURSOR',
      'DECLARE CURSOR', '1',
      'ROLLBACK',
      'BEGIN', 'DECLARE CURSOR', 'ROLLBACK',
      'DECLARE CURSOR',
      'BEGIN', 'DECLARE CURSOR', 'COMMIT',
      'held',
      'CLOSE CURSOR',
      'PREPARE', 'CREATE TABLE', 'SET', 'DECLARE CURSOR', 'DISCARD ALL',
      'psql',
      '3',
      'DISCARD PLANS',
      'BEGIN', 'ROLLBACK',
    ]);
  });
});

const PSYCOPG3_PREPARED = String.raw`
import sys, psycopg
dsn = sys.argv[1]
c = psycopg.connect(dsn)
cur = c.cursor()
# run more often than prepare_threshold (5): psycopg prepares it, then sends DEALLOCATE ALL at ROLLBACK
for i in range(8):
    cur.execute("SELECT %s::int + %s", (i, 5))
print("prepared", cur.fetchone()[0], len(c._prepared._names) > 0)
c.rollback()
for i in range(8):
    cur.execute("SELECT %s::int + %s", (i, 5))
print("after rollback", cur.fetchone()[0])
c.rollback()
c.autocommit = True
cur.execute("CREATE TABLE acme.main.prep (id int, v text)")
for i in range(7):
    cur.execute("INSERT INTO acme.main.prep VALUES (%s, %s)", (i, "s3cr3t"))
cur.execute("ALTER TABLE acme.main.prep ADD COLUMN w int")
for i in range(7):
    cur.execute("SELECT count(*) FROM acme.main.prep WHERE id < %s", (3,))
n = cur.fetchone()[0]
cur.execute("DROP TABLE acme.main.prep")
print("after ddl", n, cur.execute("SELECT %s::int", (1,)).fetchone()[0])
# SQL-level PREPARE / EXECUTE / DEALLOCATE share the protocol's namespace
cur.execute("PREPARE q (int, text) AS SELECT $1 * 2, 'hel' || $2")
print("sql prepare", *cur.execute("EXECUTE q (21, 'lo')").fetchone())
for sql, label in (("PREPARE q AS SELECT 1", "duplicate"), ("EXECUTE nope", "missing")):
    try:
        cur.execute(sql)
    except psycopg.Error as e:
        print(label, e.sqlstate)
cur.execute("DEALLOCATE q")
try:
    cur.execute("EXECUTE q (1, 'x')")
except psycopg.Error as e:
    print("deallocated", e.sqlstate)
# server-side cursors: DECLARE with parameters, FETCH FORWARD n, MOVE for scroll()
c.autocommit = False
with c.cursor(name="sc") as sc:
    sc.itersize = 3
    sc.execute("SELECT i, 'r' || i FROM range(10) t(i) WHERE i >= %s ORDER BY i", (2,))
    print("first", sc.fetchone())
    print("many", sc.fetchmany(2))
    sc.scroll(0, mode="absolute")
    a = sc.fetchone()
    sc.scroll(-2, mode="absolute")  # onto the row before the last one
    print("scrolled", a, sc.fetchone())
    sc.scroll(1, mode="absolute")
    print("rest", len(list(sc)))
c.commit()
with c.cursor(name="hold", withhold=True) as hc:
    hc.execute("SELECT i FROM range(5) t(i)")
    c.commit()
    print("held", [r[0] for r in hc.fetchall()])
with c.cursor(name="bin", binary=True) as bc:
    bc.execute("SELECT 42::int, 'x', 1.5::numeric(5,2)")
    print("binary", bc.fetchall())
c.commit()
c.autocommit = True
try:
    c.cursor(name="nohold").execute("SELECT 1")
except psycopg.Error as e:
    print("no hold", e.sqlstate)
c.autocommit = False
for label in ("closed", "gone after rollback"):
    cur = c.cursor()
    if label == "closed":
        cur.execute("DECLARE k CURSOR FOR SELECT 1")
        cur.execute("CLOSE k")
    else:
        cur.execute("DECLARE k CURSOR WITH HOLD FOR SELECT 1")
        c.rollback()
    try:
        cur.execute("FETCH k")
    except psycopg.Error as e:
        print(label, e.sqlstate)
    c.rollback()
cur = c.cursor()
cur.execute("DECLARE k CURSOR FOR SELECT 1")
try:
    cur.execute("SELECT * FROM nope")
except psycopg.Error:
    pass
try:
    cur.execute("FETCH k")
except psycopg.Error as e:
    print("aborted", e.sqlstate)
c.rollback()
c.close()
`;

const PSYCOPG2_NAMED = String.raw`
import sys, psycopg2
c = psycopg2.connect(sys.argv[1])
cur = c.cursor(name="named")
cur.itersize = 4
cur.execute("SELECT i FROM range(10) t(i) ORDER BY i")
got = [r[0] for r in cur]
print("iter", len(got), got)
cur.close()
c.commit()
cur = c.cursor(name="s", scrollable=True)
cur.execute("SELECT i FROM range(10) t(i) ORDER BY i")
cur.scroll(5, mode="absolute")
a = cur.fetchone()
cur.scroll(-3)
r = cur.fetchone()
cur.scroll(9, mode="absolute")
print("abs", a, "rel", r, "last", cur.fetchone())
cur.close()
cur = c.cursor(name="f", scrollable=False)
cur.execute("SELECT i FROM range(10) t(i)")
cur.fetchmany(3)
try:
    cur.scroll(-2)
except psycopg2.Error as e:
    print("no scroll", e.pgcode)
c.rollback()
h = c.cursor(name="h", withhold=True)
h.execute("SELECT i FROM range(1, 3) t(i)")
c.commit()
print("hold", h.fetchall())
h.close()
c.autocommit = True
c.cursor().execute("CREATE TABLE acme.main.named (id int, v text)")
c.autocommit = False
w = c.cursor()
w.execute("INSERT INTO acme.main.named VALUES (1, 'a'), (2, 'b'), (3, 'c')")
m = c.cursor(name="m")
m.itersize = 2
m.execute("SELECT id, v FROM acme.main.named ORDER BY id")
print("managed", list(m))
m.close()
c.commit()
c.close()
`;

const PSYCOPG3_SESSION = String.raw`
import sys, struct, datetime, psycopg
from psycopg.types.json import Jsonb
dsn = sys.argv[1]
# parameters from options: reported at start-up, shown, and what RESET returns to
c = psycopg.connect(dsn, options="-c application_name=foo -c TimeZone=Asia/Tokyo --statement_timeout=5s -c DateStyle=ISO,DMY", autocommit=True)
ps = c.info.parameter_status
print("startup", ps("application_name"), ps("TimeZone"), ps("DateStyle"), ps("is_superuser"), ps("session_authorization"), ps("server_version"))
cur = c.cursor()
print("show", [cur.execute(q).fetchone()[0] for q in ("SHOW application_name", "SHOW TimeZone", "SHOW statement_timeout", "SHOW DateStyle")])
print("user", cur.execute("SELECT current_user, session_user, user").fetchone())
ts = "SELECT '2024-01-01 00:00:00+00'::timestamptz"
print("text", cur.execute(ts + "::text").fetchone()[0], cur.execute(ts).fetchone()[0].isoformat())
# binary results stay UTC microseconds since 2000-01-01
raw = c.cursor(binary=True).execute(ts).pgresult.get_value(0, 0)
print("binary", struct.unpack(">q", raw)[0] == int((datetime.datetime(2024, 1, 1) - datetime.datetime(2000, 1, 1)).total_seconds() * 1000000))
cur.execute("SET TIME ZONE 'America/New_York'")
print("set", ps("TimeZone"), cur.execute(ts + "::text").fetchone()[0])
cur.execute("SET timezone = Europe/Paris")
print("set", ps("TimeZone"), cur.execute("SHOW TIME ZONE").fetchone()[0])
cur.execute("SET TIME ZONE LOCAL")
print("local", ps("TimeZone"))
cur.execute("SET TimeZone TO 'UTC'")
cur.execute("RESET TimeZone")
print("reset", ps("TimeZone"), cur.execute("SHOW TimeZone").fetchone()[0])
try:
    cur.execute("SET TimeZone = 'Nowhere/Land'")
except psycopg.Error as e:
    print("bad zone", e.sqlstate)
cur.execute("SET application_name = 'bar'")
print("appname", ps("application_name"))
cur.execute("RESET ALL")
print("reset all", ps("application_name"), ps("TimeZone"), cur.execute("SHOW statement_timeout").fetchone()[0])
try:
    cur.execute("SET is_superuser = on")
except psycopg.Error as e:
    print("read-only", e.sqlstate)
c.close()
try:
    psycopg.connect(dsn, options="-c no_such_parameter=1")
except psycopg.OperationalError as e:
    print("unknown", "unrecognized configuration parameter" in str(e))
# jsonb: casts, columns, arrays, parameters
c = psycopg.connect(dsn, autocommit=True)
cur = c.cursor()
print("jsonb", cur.execute("""SELECT '{"a":1}'::jsonb, CAST('[1,2]' AS jsonb), jsonb '{"b":true}'""").fetchone())
cur.execute("CREATE TABLE acme.main.docs (id int, doc jsonb NOT NULL, tags jsonb[])")
cur.execute("INSERT INTO acme.main.docs VALUES (1, %s, ARRAY['{\"t\":1}'::jsonb])", (Jsonb({"k": "v"}),))
print("column", cur.execute("SELECT doc, doc->>'k', tags FROM acme.main.docs").fetchone())
print("types", [(d.name, d.type_code) for d in cur.description])
print("format", cur.execute("SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid WHERE r.relname = 'docs' AND a.attname = 'doc'").fetchone()[0])
# binary COPY read row by row: the header comes with the first row, as PostgreSQL sends it
for q, types in (("COPY (SELECT 1::int, 'x') TO STDOUT (FORMAT binary)", ["int4", "text"]),
                 ("COPY (SELECT i::int, 'r' || i FROM range(3) t(i)) TO STDOUT (FORMAT binary)", ["int4", "text"])):
    with cur.copy(q) as cp:
        cp.set_types(types)
        print("copy", list(cp.rows()))
# the framing itself, CopyData by CopyData (zero rows: header and trailer in one)
for q in ("COPY (SELECT 7::int) TO STDOUT (FORMAT binary)", "COPY (SELECT 1::int WHERE false) TO STDOUT (FORMAT binary)"):
    with cur.copy(q) as cp:
        print("frames", [bytes(b).hex() for b in cp])
`;
