// PostgreSQL sessions as real clients use them: run-time parameters from the startup packet,
// `options` and SET (ParameterStatus, SHOW, RESET), the session time zone in text and binary
// results, current_user, jsonb, psql's \d of a managed table, binary COPY framing read row by row
// (psycopg 3), SQL-level prepared statements and DEALLOCATE/DISCARD (psycopg 3's automatic
// prepares), and cursors (DECLARE/FETCH/MOVE/CLOSE, WITH HOLD) from psycopg2, psycopg 3 and psql.
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
    server = await startServer();
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
});

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
