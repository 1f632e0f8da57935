// GET /query/{id} while a query runs and after it ended: DuckDB's own progress (percentage, rows),
// the stats object (SSD cache, memory, scan estimates of managed tables), and the outcome —
// succeeded, failed, or cancelled (with the progress it had, not 100).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { S3_KEY, S3_SECRET, startS3 } from './lib/s3.mjs';
import { query, request, sleep, startServer } from './lib/server.mjs';

let server;
before(async () => {
  server = await startServer();
  const c = await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme' } });
  assert.equal(c.status, 201, c.text);
  const made = await query(server, { statement: 'CREATE TABLE acme.main.big AS SELECT i, i % 7 AS g FROM range(8000000) t(i)' });
  assert.deepEqual(made.json[1], ['Success'], made.text);
});
after(async () => {
  assert.equal((await server.stop()).code, 0, server.stderr);
});

// Work that takes DuckDB a while on every build and reports progress (a scan of a table; DuckDB's
// range() reports none).
const HEAVY = 'SELECT g, count(DISTINCT i), sum(i * i) FROM acme.main.big GROUP BY g ORDER BY g';

let ids = 0;
const newId = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`;

// Polls the log of id until done(entry); returns every entry seen.
async function watch(id, done) {
  const seen = [];
  for (;;) {
    const r = await request(server, 'GET', `/query/${id}`);
    if (r.status === 200) {
      seen.push(r.json);
      if (done(r.json)) return seen;
    }
    await sleep(50);
  }
}

test('a running query reports DuckDB progress; the finished one its stats', async () => {
  const id = newId();
  const pending = query(server, { statement: HEAVY, query_id: id });
  const seen = await watch(id, (e) => e.status !== 'running');
  const result = await pending;
  assert.equal(result.json.length, 2 + 7, result.text);
  const running = seen.filter((e) => e.status === 'running');
  const between = running.find((e) => e.progress.percentage > 0 && e.progress.percentage < 100);
  assert.ok(between, `some poll saw the query part-way: ${JSON.stringify(running.map((e) => e.progress))}`);
  assert.equal(between.end_time, null);
  assert.ok(between.progress.rows_processed > 0 && between.progress.rows_processed < between.progress.total_rows);
  assert.equal(between.percentage, between.progress.percentage);
  assert.equal(between.rows_processed, between.progress.rows_processed);
  // the table's files are known once the statement is bound
  assert.ok(between.progress.total_bytes > 0);
  assert.ok(between.progress.bytes_processed <= between.progress.total_bytes);
  const pct = running.map((e) => e.progress.percentage);
  assert.deepEqual(pct, [...pct].sort((a, b) => a - b), 'progress never goes back');

  const end = seen[seen.length - 1];
  assert.equal(end.status, 'succeeded');
  assert.equal(end.error, null);
  assert.equal(end.progress.percentage, 100);
  assert.equal(end.rows, 7);
  const { caching, memory, scan } = end.stats;
  assert.equal(scan.estimated_result_rows, 7);
  assert.ok(scan.estimated_scanned_rows >= 8000000, JSON.stringify(scan));
  assert.ok(scan.scanned_files_estimate >= 1);
  assert.ok(scan.scanned_bytes_estimate > 0);
  assert.equal(end.progress.total_bytes, scan.scanned_bytes_estimate);
  // the built-in bucket is a local folder: nothing goes through the cache
  assert.equal(caching.data_hits + caching.data_misses, 0);
  assert.ok(memory === null || memory.total_usage_bytes > 0);
});

test('a cancelled query is cancelled, with the progress it had', async () => {
  const id = newId();
  const sessionId = 'c0000000-0000-4000-8000-000000000001';
  const pending = query(server, { statement: HEAVY, query_id: id, session_id: sessionId });
  // cancelled once it made progress and its worker's memory was sampled (every 100 ms)
  const seen = await watch(id, (e) => e.status !== 'running' || (e.progress.percentage > 0 && e.stats.memory));
  const before = seen[seen.length - 1];
  assert.equal(before.status, 'running', 'the query was still running when cancelled');
  const cancel = await request(server, 'DELETE', `/query/${id}?session_id=${sessionId}`);
  assert.equal(cancel.json.cancelled, true);
  const r = await pending;
  assert.match(r.json[r.json.length - 1].error, /Interrupt/i);
  const [end] = (await watch(id, (e) => e.end_time !== null)).slice(-1);
  assert.equal(end.status, 'cancelled');
  assert.match(end.error, /Interrupt/i);
  assert.ok(end.progress.percentage >= before.progress.percentage, JSON.stringify(end.progress));
  assert.ok(end.progress.percentage < 100, JSON.stringify(end.progress));
  assert.ok(end.stats.scan.scanned_bytes_estimate > 0);
  assert.ok(end.stats.memory.total_usage_bytes >= before.stats.memory.total_usage_bytes);
});

test('a failed query is failed, not done', async () => {
  const r = await query(server, { statement: 'SELECT * FROM nope' });
  const [end] = (await watch(r.json[0].query_id, (e) => e.end_time !== null)).slice(-1);
  assert.equal(end.status, 'failed');
  assert.match(end.error, /nope/);
  assert.equal(end.progress.percentage, 0);
});

test('reads of a bucket through the SSD cache count its downloads and hits', async () => {
  // A second server on the same metadata store and bucket starts with an empty cache.
  const s3 = await startS3();
  const meta = mkdtempSync(join(tmpdir(), 'lakehouse-meta-'));
  const args = ['--metadata', join(meta, 'metadata.sqlite'), '--secret-key', 'ab'.repeat(32)];
  try {
    const first = await startServer({ args });
    const b = await request(first, 'POST', '/admin/buckets', { body: { name: 'lake', provider: 's3',
      endpoint: s3.endpoint, bucket: 'lake', access_key_id: S3_KEY, secret_access_key: S3_SECRET } });
    assert.equal(b.status, 201, b.text);
    assert.equal((await request(first, 'POST', '/admin/catalogs', { body: { name: 'remote', bucket: 'lake' } })).status, 201);
    const made = await query(first, { statement: 'CREATE TABLE remote.main.t AS SELECT i, md5(i::VARCHAR) AS h FROM range(10000) t(i)' });
    assert.deepEqual(made.json[1], ['Success'], made.text);
    assert.equal((await first.stop()).code, 0, first.stderr);

    const second = await startServer({ args });
    try {
      const stats = async () => {
        const r = await query(second, { statement: 'SELECT count(*), max(h) FROM remote.main.t' });
        assert.equal(r.json[2][0], 10000, r.text);
        return (await request(second, 'GET', `/query/${r.json[0].query_id}`)).json.stats;
      };
      const cold = await stats();
      assert.ok(cold.scan.scanned_files_estimate >= 1 && cold.scan.scanned_bytes_estimate > 0, JSON.stringify(cold));
      assert.equal(cold.caching.data_misses, cold.scan.scanned_files_estimate, JSON.stringify(cold));
      assert.equal(cold.caching.data_hits, 0);
      assert.equal(cold.caching.data_bytes_misses, cold.scan.scanned_bytes_estimate);
      const warm = await stats();
      assert.equal(warm.caching.data_misses, 0, JSON.stringify(warm));
      assert.equal(warm.caching.data_hits, warm.scan.scanned_files_estimate);
      assert.equal(warm.caching.data_bytes_hits, warm.scan.scanned_bytes_estimate);
    } finally {
      assert.equal((await second.stop()).code, 0, second.stderr);
    }
  } finally {
    s3.stop();
    rmSync(meta, { recursive: true, force: true });
  }
});
