// GET /metrics as Prometheus scrapes it: the whole page is well-formed text exposition 0.0.4, and
// the series an operator graphs move by exactly what REST and PostgreSQL clients did — queries by
// door and outcome (a cancelled one on each door), their latency, errors by SQLSTATE class, queued
// queries, sessions, PostgreSQL connections, worker memory, commits and a real write conflict.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';

import pg from 'pg';

import { PASSWORD, query, request, sleep, startServer, USER } from './lib/server.mjs';

const WORKER = 'worker-m-1';
const SLOW = 'SELECT count(*) FROM range(100000000000)';

let server;
before(async () => {
  // One slot on the default worker, so a second query waits while a slow one runs.
  server = await startServer({ args: ['--worker-slots-m', '1', '--worker-memory-m', '1GiB',
    '--maintenance-interval-seconds', '0'] });
  const c = await request(server, 'POST', '/admin/catalogs', { body: { name: 'wh' } });
  assert.equal(c.status, 201, c.text);
});
after(async () => {
  assert.equal((await server.stop()).code, 0, server.stderr);
});

// --- the text format -------------------------------------------------------------------------

function unescape(v) {
  return v.replace(/\\(["\\n])/g, (_, c) => (c === 'n' ? '\n' : c));
}

// Parses the whole page, checking it on the way: HELP and TYPE once per family and before its
// samples, every sample of a declared family, names and labels well-formed, no series twice.
// Returns the families and a map from series (name{sorted labels}) to value.
function parse(text) {
  assert.ok(text.endsWith('\n'), 'the page ends with a newline');
  const families = new Map();
  const values = new Map();
  const nameRe = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  for (const line of text.slice(0, -1).split('\n')) {
    let m;
    if ((m = /^# (HELP|TYPE) (\S+) (.+)$/.exec(line))) {
      const [, kind, name, rest] = m;
      assert.match(name, nameRe);
      const f = families.get(name) ?? { samples: [] };
      assert.equal(f[kind], undefined, `${kind} of ${name} given twice`);
      assert.equal(f.samples.length, 0, `${kind} of ${name} after its samples`);
      f[kind] = rest;
      families.set(name, f);
      continue;
    }
    assert.ok(!line.startsWith('#') && line.length > 0, `unexpected line: ${JSON.stringify(line)}`);
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `malformed sample: ${line}`);
    const [, name, labelText = '', value] = m;
    const labels = {};
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"(,|$)/gy;
    let consumed = 0;
    let l;
    while (consumed < labelText.length && (l = labelRe.exec(labelText))) {
      assert.equal(labels[l[1]], undefined, `label ${l[1]} twice in ${line}`);
      labels[l[1]] = unescape(l[2]);
      consumed = labelRe.lastIndex;
    }
    assert.equal(consumed, labelText.length, `malformed labels: ${line}`);
    assert.ok(value === '+Inf' || value === '-Inf' || value === 'NaN' || Number.isFinite(Number(value)), line);
    const family = families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    const f = families.get(family);
    assert.ok(f?.TYPE, `sample ${name} has no TYPE`);
    assert.ok(f.HELP, `family ${family} has no HELP`);
    if (family !== name) assert.equal(f.TYPE, 'histogram', `${name} is not a histogram's`);
    if (f.TYPE === 'counter') assert.match(family, /_total$/, `counter ${family} ends in _total`);
    const key = series(name, labels);
    assert.ok(!values.has(key), `series ${key} twice`);
    values.set(key, Number(value.replace('+Inf', 'Infinity')));
    f.samples.push({ name, labels, value: Number(value) });
  }
  for (const [name, f] of families) {
    assert.ok(['counter', 'gauge', 'histogram'].includes(f.TYPE), `${name}: type ${f.TYPE}`);
    if (f.TYPE === 'histogram') checkHistogram(name, f.samples);
  }
  return { families, values };
}

function series(name, labels = {}) {
  const keys = Object.keys(labels).sort();
  return keys.length ? `${name}{${keys.map((k) => `${k}="${labels[k]}"`).join(',')}}` : name;
}

// Each label set of a histogram: buckets in rising `le`, cumulative, the last +Inf equal to _count.
function checkHistogram(name, samples) {
  const groups = new Map();
  for (const s of samples) {
    const { le, ...rest } = s.labels;
    const key = series('', rest);
    const g = groups.get(key) ?? { buckets: [], sum: undefined, count: undefined };
    if (s.name === `${name}_bucket`) {
      assert.ok(le !== undefined, `${name}_bucket without le`);
      g.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), value: s.value });
    } else if (s.name === `${name}_sum`) g.sum = s.value;
    else if (s.name === `${name}_count`) g.count = s.value;
    else assert.fail(`${s.name} in histogram ${name}`);
    groups.set(key, g);
  }
  assert.ok(groups.size > 0);
  for (const [key, g] of groups) {
    assert.ok(g.buckets.length >= 2, `${name}${key}: buckets`);
    for (let i = 1; i < g.buckets.length; i++) {
      assert.ok(g.buckets[i].le > g.buckets[i - 1].le, `${name}${key}: le rises`);
      assert.ok(g.buckets[i].value >= g.buckets[i - 1].value, `${name}${key}: buckets are cumulative`);
    }
    const last = g.buckets[g.buckets.length - 1];
    assert.equal(last.le, Infinity, `${name}${key}: the last bucket is +Inf`);
    assert.equal(last.value, g.count, `${name}${key}: +Inf equals _count`);
    assert.ok(g.sum >= 0, `${name}${key}: _sum`);
  }
}

async function scrape() {
  const r = await request(server, 'GET', '/metrics');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return parse(r.text);
}

// Scrapes until ok(values) holds (what it waits for happens on other threads).
async function scrapeUntil(ok, what) {
  for (let i = 0; i < 400; i++) {
    const s = await scrape();
    if (ok(s.values)) return s;
    await sleep(50);
  }
  assert.fail(`metrics never showed ${what}`);
}

// --- clients ---------------------------------------------------------------------------------

async function rest(statement, session_id) {
  const r = await query(server, { statement, session_id });
  assert.equal(r.status, 200, r.text);
  const last = r.json[r.json.length - 1];
  return last && !Array.isArray(last) && last.error ? { error: last.error, id: r.json[0].query_id } : { rows: r.json.slice(2) };
}

function pgClient() {
  return new pg.Client({ host: '127.0.0.1', port: server.pgPort, user: USER, password: PASSWORD, database: USER });
}

function pgCancel(c) {
  return new Promise((resolve) => {
    const key = Buffer.alloc(16);
    key.writeInt32BE(16, 0);
    key.writeInt32BE(80877102, 4);
    key.writeInt32BE(c.processID, 8);
    key.writeInt32BE(c.secretKey, 12);
    // the server closes the connection once it read the request
    const s = net.connect(server.pgPort, '127.0.0.1', () => s.write(key));
    s.on('data', () => {});
    s.on('close', resolve);
    s.on('error', resolve);
  });
}

const sid = (n) => `e0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

test('every series moves by what REST and PostgreSQL clients did; the page is well-formed', async () => {
  const before = await scrape();
  const v0 = (name, labels) => before.values.get(series(name, labels)) ?? 0;
  // every family an operator needs is there from the start, with zeros where nothing happened
  for (const door of ['rest', 'postgres']) {
    for (const outcome of ['success', 'error', 'cancelled'])
      assert.ok(before.values.has(series('lakehouse_queries_total', { door, outcome })), `${door} ${outcome}`);
    assert.ok(before.values.has(series('lakehouse_query_duration_seconds_count', { door })));
    assert.ok(before.values.has(series('lakehouse_query_queue_wait_seconds_count', { door })));
  }
  for (const name of ['lakehouse_catalog_commits_total', 'lakehouse_catalog_commit_conflicts_total',
    'lakehouse_catalog_commit_retries_total'])
    assert.equal(before.values.get(series(name, { catalog: 'wh' })), 0, name);
  assert.equal(before.families.get('lakehouse_errors_total').TYPE, 'counter');
  assert.equal(before.values.get('lakehouse_pg_connections'), 0);

  // REST: successes, a conversion error (22018), a commit conflict (40001), a cancelled query
  const s0 = sid(1);
  assert.ok((await rest('CREATE TABLE wh.main.acct (id INTEGER, v INTEGER)', s0)).rows);
  assert.ok((await rest('INSERT INTO wh.main.acct VALUES (1, 0), (2, 0)', s0)).rows);
  assert.ok((await rest('CREATE TABLE memory.main.big AS SELECT i FROM range(1000000) t(i)', s0)).rows);
  assert.match((await rest("SELECT 'x'::INTEGER", s0)).error, /^Conversion Error/);
  const [sa, sb] = [sid(2), sid(3)];
  assert.ok((await rest('BEGIN; UPDATE wh.main.acct SET v = v + 1 WHERE id = 1', sa)).rows);
  assert.ok((await rest('BEGIN; UPDATE wh.main.acct SET v = v + 2 WHERE id = 1', sb)).rows);
  assert.ok((await rest('COMMIT', sa)).rows);
  assert.match((await rest('COMMIT', sb)).error, /^Serialization Error: could not serialize access/);

  const sc = sid(4);
  const cancelId = 'e1000000-0000-4000-8000-000000000001';
  const pending = query(server, { statement: SLOW, session_id: sc, query_id: cancelId });
  await scrapeUntil((v) => v.get(series('lakehouse_queries_running', { worker: WORKER })) === 1, 'the REST query running');
  const cancel = await request(server, 'DELETE', `/query/${cancelId}?session_id=${sc}`);
  assert.equal(cancel.json.cancelled, true, cancel.text);
  const cancelled = await pending;
  assert.match(cancelled.json[cancelled.json.length - 1].error, /Interrupt/i);

  // PostgreSQL: a success, an undefined table (42P01), a query cancelled while another waits for
  // the worker's only slot
  const c = pgClient();
  await c.connect();
  try {
    const connected = await scrape();
    assert.equal(connected.values.get('lakehouse_pg_connections'), 1);
    assert.deepEqual((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    await assert.rejects(c.query('SELECT * FROM nope'), (e) => e.code === '42P01');
    const slow = c.query(SLOW);
    const running = (v) => v.get(series('lakehouse_queries_running', { worker: WORKER })) === 1;
    await scrapeUntil(running, 'the PostgreSQL query running');
    const waiting = rest('SELECT 42 AS answer', sid(5));
    const queued = await scrapeUntil((v) => v.get(series('lakehouse_queries_queued', { worker: WORKER })) === 1,
      'a REST query queued');
    assert.equal(queued.values.get(series('lakehouse_queries_running', { worker: WORKER })), 1);
    assert.equal(queued.values.get(series('lakehouse_worker_slots', { worker: WORKER })), 1);
    await pgCancel(c);
    await assert.rejects(slow, (e) => e.code === '57014');
    assert.deepEqual((await waiting).rows, [[42]]);
  } finally {
    await c.end();
  }
  // five REST sessions by id; the PostgreSQL one closes with its connection
  const after = await scrapeUntil((v) => v.get('lakehouse_pg_connections') === 0
    && v.get('lakehouse_sessions') === v0('lakehouse_sessions') + 5
    && v.get(series('lakehouse_queries_running', { worker: WORKER })) === 0, 'the PostgreSQL connection and session closed');
  const v = (name, labels) => after.values.get(series(name, labels));
  const moved = (name, labels) => v(name, labels) - v0(name, labels);

  assert.equal(moved('lakehouse_queries_total', { door: 'rest', outcome: 'success' }), 7);
  assert.equal(moved('lakehouse_queries_total', { door: 'rest', outcome: 'error' }), 2);
  assert.equal(moved('lakehouse_queries_total', { door: 'rest', outcome: 'cancelled' }), 1);
  assert.equal(moved('lakehouse_queries_total', { door: 'postgres', outcome: 'success' }), 1);
  assert.equal(moved('lakehouse_queries_total', { door: 'postgres', outcome: 'error' }), 1);
  assert.equal(moved('lakehouse_queries_total', { door: 'postgres', outcome: 'cancelled' }), 1);
  for (const [door, n] of [['rest', 10], ['postgres', 3]]) {
    assert.equal(moved('lakehouse_query_duration_seconds_count', { door }), n, door);
    assert.equal(moved('lakehouse_query_queue_wait_seconds_count', { door }), n, door);
    assert.ok(moved('lakehouse_query_duration_seconds_sum', { door }) > 0, door);
  }
  // the two slow queries ran for longer than the smallest bucket
  assert.ok(moved('lakehouse_query_duration_seconds_bucket', { door: 'postgres', le: '+Inf' })
    > moved('lakehouse_query_duration_seconds_bucket', { door: 'postgres', le: '0.001' }));
  // the query that waited for the slot shows in the wait histogram's sum
  assert.ok(moved('lakehouse_query_queue_wait_seconds_sum', { door: 'rest' }) > 0);
  assert.equal(moved('lakehouse_errors_total', { door: 'rest', class: '22' }), 1);
  assert.equal(moved('lakehouse_errors_total', { door: 'rest', class: '40' }), 1);
  assert.equal(moved('lakehouse_errors_total', { door: 'rest', class: '57' }), 1);
  assert.equal(moved('lakehouse_errors_total', { door: 'postgres', class: '42' }), 1);
  assert.equal(moved('lakehouse_errors_total', { door: 'postgres', class: '57' }), 1);
  assert.equal(moved('lakehouse_catalog_commits_total', { catalog: 'wh' }), 3);
  assert.equal(moved('lakehouse_catalog_commit_conflicts_total', { catalog: 'wh' }), 1);
  assert.equal(moved('lakehouse_catalog_commit_retries_total', { catalog: 'wh' }), 0);
  // the client's connection and the cancel request's
  assert.equal(moved('lakehouse_pg_connections_accepted_total'), 2);
  assert.equal(v('lakehouse_sessions_limit'), 1024);
  assert.ok(v('lakehouse_worker_memory_bytes', { worker: WORKER }) > 0);
  assert.ok(v('lakehouse_worker_temp_storage_bytes', { worker: WORKER }) >= 0);
  assert.equal(v('lakehouse_worker_memory_limit_bytes', { worker: WORKER }), 1024 ** 3);
});

test('a dropped catalog leaves the page, its family stays', async () => {
  const r = await request(server, 'DELETE', '/admin/catalogs/wh');
  assert.ok(r.status === 200 || r.status === 204, r.text);
  const { values, families } = await scrape();
  assert.ok(families.has('lakehouse_catalog_commits_total'));
  assert.ok(![...values.keys()].some((k) => k.includes('catalog="wh"')), 'no series of the dropped catalog');
});
