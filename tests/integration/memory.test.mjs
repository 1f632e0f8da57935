// Memory limits: every compute size gets a share of one memory budget, heavy queries on all of
// them at once spill or fail with DuckDB's out-of-memory error (53200), and the server lives on
// within the budget. The budget here is the operator's option, as a cgroup limit would set it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import pg from 'pg';

import { bin, PASSWORD, query, request, sanitized, startServer, USER } from './lib/server.mjs';

const BUDGET_MIB = 1024;
const SIZES = ['XS', 'S', 'M', 'L', 'XL'];
// Rows per heavy query: a few hundred MiB each, more than most workers' shares. The sanitizer
// build routes DuckDB's own mallocs through ASan and runs about four times slower.
const N = sanitized ? 1500000 : 3000000;

let server;
before(async () => {
  // XS runs two queries at once; the third waits for a slot, however long the first take. XS may
  // spill only 1 MiB, so its big sort must fail cleanly.
  server = await startServer({ args: ['--memory-budget', `${BUDGET_MIB}MiB`, '--log-level', 'info',
    '--queue-timeout-ms', '300000', '--worker-spill-xs', '1MiB'],
  // ASan holds freed memory in a quarantine (256 MiB by default) on top of what the server uses
  env: { ASAN_OPTIONS: 'detect_leaks=1:quarantine_size_mb=16' } });
});
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0);
});

function bytes(text) {
  const m = /^([\d.]+) (bytes|KiB|MiB|GiB|TiB)$/.exec(text);
  assert.ok(m, `unexpected size ${text}`);
  return Number(m[1]) * { bytes: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 }[m[2]];
}

function logFields(line) {
  return Object.fromEntries([...line.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1], m[2].replace(/"/g, '')]));
}

test('the start-up log shows the budget and every compute size; the limits add up within it', async () => {
  const lines = server.stderr.split('\n');
  const budget = logFields(lines.find((l) => l.includes('msg="memory budget"')));
  assert.equal(Number(budget.budget_mib), BUDGET_MIB);
  assert.equal(budget.from, 'memory-budget');
  const sizes = lines.filter((l) => l.includes('msg="compute size"')).map(logFields);
  assert.deepEqual(sizes.map((s) => s.size), SIZES);
  const footprint = sizes.reduce((sum, s) => sum + Number(s.footprint_mib), 0);
  assert.ok(footprint <= BUDGET_MIB - Number(budget.reserved_mib), `workers take ${footprint} MiB`);

  // What DuckDB itself says each worker has.
  let limits = 0;
  let previous = 0;
  for (const [i, size] of SIZES.entries()) {
    const r = await query(server, {
      statement: "SELECT current_setting('memory_limit'), current_setting('max_temp_directory_size')",
      compute_size: size,
    });
    const [limit, spill] = r.json[2];
    assert.ok(Math.abs(bytes(limit) / 2 ** 20 - Number(sizes[i].memory_limit_mib)) <= 1, `${size}: ${r.text}`);
    assert.ok(bytes(spill) > 0, `${size} spill bound ${spill}`);
    assert.ok(bytes(limit) > previous, `${size} gets more than the size below it`);
    previous = bytes(limit);
    limits += bytes(limit);
  }
  assert.ok(limits < BUDGET_MIB * 2 ** 20, `memory limits add up to ${limits}`);
});

test('explicit worker memory beyond the budget is refused at start, naming the way out', async () => {
  const data = mkdtempSync(join(tmpdir(), 'lakehouse-test-'));
  try {
    const { code, stderr } = await new Promise((ok) => {
      execFile(bin, ['serve', '--data', data, '--lakehouse-port', '0', '--pg-port', '0', '--memory-budget', '1GiB',
        '--worker-memory-xl', '2GiB'], { env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' } },
      (err, _stdout, stderrText) => ok({ code: err ? err.code : 0, stderr: stderrText }));
    });
    assert.equal(code, 2, stderr);
    assert.match(stderr, /memory budget of 1024\.0MiB/);
    assert.match(stderr, /worker-memory-SIZE/);
    assert.match(stderr, /memory-budget/);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

const OOM = /^Out of Memory Error: /;

test('heavy sorts, joins and aggregates on every compute size at once: each spills or fails cleanly', async (t) => {
  // Reference answers, cheap to get: a top-2 and a max need no big sort.
  const ref = await query(server, {
    statement: `SELECT (SELECT s FROM (SELECT md5(i::VARCHAR) s FROM range(${N}) t(i)) ORDER BY s LIMIT 1 OFFSET 1),
                       (SELECT max(md5(i::VARCHAR)) FROM range(${N}) t(i))`,
  });
  const [second, last] = ref.json[2];
  const heavy = {
    // a full sort: every row but the first comes back in order
    sort: [`SELECT count(*), min(s), max(s) FROM (SELECT md5(i::VARCHAR) s FROM range(${N}) t(i) ORDER BY s
            LIMIT ${N} OFFSET 1)`, [N - 1, second, last]],
    // a hash join whose build side carries strings
    join: [`SELECT count(*), sum(b.i) FROM range(${N}) a(i) JOIN (SELECT i, md5(i::VARCHAR) s FROM range(${N}) t(i)) b
            ON a.i = b.i AND length(b.s) = 32`, [N, (N * (N - 1)) / 2]],
    // an aggregate with one group per row
    agg: [`SELECT count(*), sum(c), max(c) FROM (SELECT md5(i::VARCHAR) k, count(*) c FROM range(${N}) t(i)
           GROUP BY k)`, [N, N, 1]],
  };
  // How much each worker has spilled at most, sampled while the queries run.
  const spilled = Object.fromEntries(SIZES.map((size) => [size, 0]));
  const sample = setInterval(() => {
    for (const size of SIZES) {
      let total = 0;
      try {
        const dir = join(server.dataDir, 'workers', size, 'tmp');
        for (const f of readdirSync(dir)) total += statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0;
      } catch { /* a file went away while listed */ }
      spilled[size] = Math.max(spilled[size], total);
    }
  }, 50);
  const runs = SIZES.flatMap((size) => Object.entries(heavy).map(async ([kind, [statement, expected]]) => {
    const r = await query(server, { statement, compute_size: size });
    assert.equal(r.status, 200, r.text);
    const last = r.json[r.json.length - 1];
    return { size, kind, ok: Array.isArray(last) && r.json.length === 3, row: last, expected };
  }));
  const results = await Promise.all(runs);
  clearInterval(sample);
  t.diagnostic(`spilled MiB: ${SIZES.map((size) => `${size} ${(spilled[size] / 2 ** 20).toFixed(0)}`).join(', ')}`);
  for (const { size, kind, ok, row, expected } of results) {
    if (ok) assert.deepEqual(row, expected, `${size} ${kind}`);
    else assert.match(row.error, OOM, `${size} ${kind}: ${JSON.stringify(row)}`);
  }
  const xsSort = results.find((r) => r.size === 'XS' && r.kind === 'sort');
  assert.ok(!xsSort.ok, 'XS has no room to spill its sort');
  assert.match(xsSort.row.error, /failed to offload data block/);
  // Spilling works: the sizes that got the most memory answered every kind of query, with more
  // data than their memory limits, spilling to their folders.
  assert.ok(spilled.M > 0 && spilled.L > 0, 'M and L spilled');
  for (const { size, kind, ok } of results)
    if (size === 'L' || size === 'XL') assert.ok(ok, `${size} ${kind} should have spilled and answered`);

  // The server is still up and answers on every size.
  assert.equal(server.proc.exitCode, null);
  assert.equal((await request(server, 'GET', '/health', { auth: null })).status, 200);
  for (const size of SIZES) {
    const r = await query(server, { statement: 'SELECT 42 AS answer', compute_size: size });
    assert.deepEqual(r.json[2], [42], `${size}: ${r.text}`);
  }
  // Its peak resident memory stayed within the budget (the old fixed limits peaked at 2.3 GiB on
  // this load). Under the sanitizers, ASan's shadow memory and allocator come on top.
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))[1]) / 1024;
  const allowed = BUDGET_MIB * (sanitized ? 1.2 : 1.1);
  t.diagnostic(`peak RSS ${hwm.toFixed(0)} MiB; ${results.filter((r) => r.ok).length} of ${results.length} answered`);
  assert.ok(hwm <= allowed, `peak RSS ${hwm.toFixed(0)} MiB, budget ${BUDGET_MIB} MiB`);
});

test('a query that cannot fit fails with SQLSTATE 53200 over PostgreSQL, and the connection goes on', async () => {
  const client = new pg.Client({ host: '127.0.0.1', port: server.pgPort, user: USER, password: PASSWORD,
    database: USER });
  await client.connect();
  try {
    // one aggregate state of 240 MB cannot be spilled
    await assert.rejects(client.query('SELECT length(l) FROM (SELECT list(i) AS l FROM range(30000000) t(i))'),
      (err) => {
        assert.equal(err.code, '53200');
        assert.match(err.message, /failed to allocate/);
        return true;
      });
    const r = await client.query('SELECT 42 AS answer');
    assert.equal(r.rows[0].answer, 42);
  } finally {
    await client.end();
  }
});
