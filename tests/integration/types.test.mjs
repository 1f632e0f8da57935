// Every DuckDB type reaches the client as the exact JSON text the contract specifies; the raw row
// line is compared, not a parsed value, so precision and formatting are checked too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { query, startServer } from './lib/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { assert.equal((await server.stop()).code, 0); });

const cases = [
  ['BOOLEAN', 'true, false', '[true,false]'],
  ['integers', "(-128)::TINYINT, 32767::SMALLINT, (-2147483648)::INTEGER, 9007199254740993::BIGINT, 255::UTINYINT, 65535::USMALLINT, 4294967295::UINTEGER, 18446744073709551615::UBIGINT",
    '[-128,32767,-2147483648,9007199254740993,255,65535,4294967295,18446744073709551615]'],
  ['HUGEINT and UHUGEINT', '170141183460469231731687303715884105727::HUGEINT, (-170141183460469231731687303715884105728)::HUGEINT, 340282366920938463463374607431768211455::UHUGEINT',
    '[170141183460469231731687303715884105727,-170141183460469231731687303715884105728,340282366920938463463374607431768211455]'],
  ['FLOAT and DOUBLE', "0.1::DOUBLE, 1::DOUBLE, 1e300::DOUBLE, 3.14::FLOAT, 'NaN'::DOUBLE, 'Infinity'::DOUBLE, '-Infinity'::FLOAT",
    '[0.1,1.0,1e+300,3.14,"NaN","Infinity","-Infinity"]'],
  ['DECIMAL', '1.5::DECIMAL(4,2), (-0.001)::DECIMAL(9,3), 123456789012.345678::DECIMAL(18,6), 12345678901234567890.123456789::DECIMAL(38,9)',
    '[1.50,-0.001,123456789012.345678,12345678901234567890.123456789]'],
  ['VARCHAR with escapes', "'quote \" backslash \\ tab' || chr(9) || 'nl' || chr(10) || 'ctl' || chr(1) || ' é ✓ 😀'",
    '["quote \\" backslash \\\\ tab\\tnl\\nctl\\u0001 é ✓ 😀"]'],
  ['ENUM', "'b'::ENUM('a', 'b')", '["b"]'],
  ['UUID', "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::UUID", '["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]'],
  ['JSON', `'{"a": [1, 2.5, null, "x"]}'::JSON`, '[{"a": [1, 2.5, null, "x"]}]'],
  ['BLOB and BIT', "'\\xDE\\xAD\\xBE\\xEF'::BLOB, ''::BLOB, '10101'::BIT", '["deadbeef","","15"]'],
  ['DATE', "DATE '2024-01-02', DATE '1969-12-31', DATE 'infinity', DATE '-infinity'", '["2024-01-02","1969-12-31","infinity","-infinity"]'],
  ['TIME', "TIME '01:02:03.5', TIME '00:00:00', TIME '23:59:59.999999'", '["01:02:03.5","00:00:00","23:59:59.999999"]'],
  ['TIMESTAMP (all precisions)', "TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMP_S '2024-01-02 03:04:05', TIMESTAMP_MS '2024-01-02 03:04:05.123', TIMESTAMP_NS '2024-01-02 03:04:05.123456789', TIMESTAMP '2024-01-02 03:04:05'",
    '["2024-01-02T03:04:05.123456","2024-01-02T03:04:05","2024-01-02T03:04:05.123","2024-01-02T03:04:05.123456789","2024-01-02T03:04:05"]'],
  ['TIMESTAMPTZ in UTC', "TIMESTAMPTZ '2024-01-02 03:04:05.25+00', TIMESTAMPTZ '2024-01-02 03:04:05+02:00'", '["2024-01-02T03:04:05.25Z","2024-01-02T01:04:05Z"]'],
  ['INTERVAL', "INTERVAL '1 year 2 months 3 days 04:05:06.789', INTERVAL 2 HOUR, INTERVAL '-1 day'", '["1 year 2 months 3 days 04:05:06.789","02:00:00","-1 day"]'],
  ['LIST and ARRAY', '[1, NULL, 3], []::VARCHAR[], [1.5, 2]::DOUBLE[2], [[1], []]', '[[1,null,3],[],[1.5,2.0],[[1],[]]]'],
  ['STRUCT', "{'a': 1, 'b': {'c': [true]}, 'd e': NULL}", '[{"a":1,"b":{"c":[true]},"d e":null}]'],
  ['MAP', "MAP {'x': 1, 'y': 2}, MAP {1: 'one'}", '[{"x":1,"y":2},[{"key":1,"value":"one"}]]'],
  ['UNION', "union_value(s := 'x')::UNION(n INTEGER, s VARCHAR), union_value(n := 7)::UNION(n INTEGER, s VARCHAR)", '["x",7]'],
  ['NULL', 'NULL, NULL::INTEGER[], NULL::STRUCT(a INTEGER)', '[null,null,null]'],
  ['VARIANT', "{'a': 1}::VARIANT, 42::VARIANT, 'x'::VARIANT, NULL::VARIANT, [{'k': [1, 2]::VARIANT}]", '[{"a":1},42,"x",null,[{"k":[1,2]}]]'],
];

for (const [name, exprs, expected] of cases) {
  test(`${name} encodes exactly`, async () => {
    const r = await query(server, { statement: `SELECT ${exprs}` });
    assert.equal(r.status, 200);
    assert.equal(r.lines.length, 3, r.text);
    assert.equal(r.lines[2], expected);
  });
}

test('TIMESTAMPTZ follows the session time zone, daylight saving included', async () => {
  const r = await query(server, {
    statement: "SELECT TIMESTAMPTZ '2024-07-02 03:04:05+00' AS summer, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS winter",
    timezone: 'America/New_York',
  });
  assert.equal(r.lines[2], '["2024-07-01T23:04:05-04:00","2024-01-01T22:04:05-05:00"]');
  const set = await query(server, {
    statement: "SET TimeZone = 'Asia/Kolkata'; SELECT TIMESTAMPTZ '2024-07-02 03:04:05+00' AS t",
  });
  assert.equal(set.lines[2], '["2024-07-02T08:34:05+05:30"]');
});

test('TIMESTAMPTZ renders in the zone of a SET sent in an earlier request of the session', async () => {
  const sid = (await query(server, { statement: 'SELECT 1' })).json[0].session_id;
  const at = async () => (await query(server, { statement: "SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' AS t", session_id: sid })).json[2][0];
  await query(server, { statement: "SET TimeZone = 'Asia/Tokyo'", session_id: sid });
  assert.equal(await at(), '2024-01-01T09:00:00+09:00');
  await query(server, { statement: "SET TimeZone = 'America/New_York'", session_id: sid });
  assert.equal(await at(), '2023-12-31T19:00:00-05:00');
  await query(server, { statement: 'RESET TimeZone', session_id: sid });
  assert.equal(await at(), '2024-01-01T00:00:00Z');
  // the same in one request: SET last, then the next request
  await query(server, { statement: "SELECT 1; SET TimeZone = 'Asia/Kolkata'", session_id: sid });
  assert.equal(await at(), '2024-01-01T05:30:00+05:30');
});

test('every row of a wide result stays one valid JSON line', async () => {
  const r = await query(server, { statement: "SELECT i, 'line' || chr(10) || i::VARCHAR AS s, [i, i + 1] AS l FROM range(5000) t(i)" });
  assert.equal(r.lines.length, 5002);
  assert.deepEqual(r.json[4001], [3999, 'line\n3999', [3999, 4000]]);
});
