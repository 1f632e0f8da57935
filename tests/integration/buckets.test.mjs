// Buckets and the SSD cache against a real S3 server (s3rver) on loopback: bucket administration
// (REST and CLI) with secrets that never show; a catalog in an S3 bucket written, read, restarted
// with an empty cache and read back; faults injected by a proxy (500, 503 SlowDown, stalls,
// dropped connections, truncated bodies) that retries absorb or that fail with a clear error and
// leave nothing partial behind; the cache's size bound; one download per object for 16
// concurrent queries on a cold table.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { S3_KEY, S3_SECRET, startFaultProxy, startS3 } from './lib/s3.mjs';
import { bin, PASSWORD, query, request, startServer, USER } from './lib/server.mjs';

async function sql(server, statement) {
  const r = await query(server, { statement });
  if (r.status !== 200) return { error: r.json[0]?.error ?? r.text, status: r.status };
  const last = r.json[r.json.length - 1];
  if (last && !Array.isArray(last) && last.error) return { error: last.error };
  return { rows: r.json.slice(2) };
}

async function ok(server, statement) {
  const r = await sql(server, statement);
  assert.equal(r.error, undefined, `${statement}: ${r.error}`);
  return r.rows;
}

function cli(server, args, input) {
  return new Promise((resolve) => {
    const p = execFile(bin, ['admin', ...args, '--url', server.url, '--user', USER, '--password', PASSWORD],
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
    if (input !== undefined) p.stdin.end(input);
  });
}

const addBucket = (server, endpoint, extra = {}) => request(server, 'POST', '/admin/buckets', {
  body: { name: 'lake', provider: 's3', endpoint, bucket: 'lake', prefix: 'warehouse', access_key_id: S3_KEY,
    secret_access_key: S3_SECRET, ...extra },
});

const cacheStats = async (server) => (await request(server, 'GET', '/admin/cache')).json;

// Every file under dir with its size.
function filesUnder(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push({ path: p, size: statSync(p).size });
  }
  return out;
}

test('bucket administration: add, list, test, remove; secrets are never shown, logged or stored in the clear', async () => {
  const s3 = await startS3({ buckets: ['lake'] });
  const secret = 'sEcReT-only-the-server-knows/+=';
  const server = await startServer({ args: ['--log-level', 'debug'],
    env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } });
  try {
    const bad = [
      [{ name: 'x', provider: 'ftp', bucket: 'b' }, 400, /provider/],
      [{ name: 'x', provider: 's3', endpoint: s3.endpoint }, 400, /bucket/],
      [{ name: 'x', provider: 'r2', bucket: 'b', access_key_id: 'k', secret_access_key: 's' }, 400, /endpoint/],
      [{ name: 'Bad-Name', provider: 's3', bucket: 'b' }, 400, /invalid bucket name/],
      [{ name: 'default', provider: 's3', bucket: 'b' }, 400, /reserved/],
      [{ name: 'x', provider: 's3', bucket: 'b', access_key_id: 'k' }, 400, /go together/],
      [{ name: 'x', provider: 's3', bucket: 'b' }, 400, /credentials are missing/],
      [{ name: 'x', provider: 's3', endpoint: 'ftp://host', bucket: 'b', access_key_id: 'k', secret_access_key: 's' }, 400, /http/],
      [{ name: 'x', provider: 's3', endpoint: s3.endpoint, bucket: 'bad/name', access_key_id: 'k', secret_access_key: 's' }, 400, /bucket name/],
      [{ name: 'x', provider: 'fs', bucket: 'relative/path' }, 400, /absolute/],
      [{ name: 'x', provider: 's3', bucket: 'b', path_style: 'yes' }, 422, /path_style/],
      [{ name: 42 }, 422, /name/],
    ];
    for (const [body, status, pattern] of bad) {
      const r = await request(server, 'POST', '/admin/buckets', { body });
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      assert.match(r.json.error, pattern, JSON.stringify(body));
    }
    assert.equal((await request(server, 'POST', '/admin/buckets', { body: '{not json' })).status, 400);

    const added = await addBucket(server, s3.endpoint, { secret_access_key: secret, access_key_id: S3_KEY });
    assert.equal(added.status, 201, added.text);
    assert.equal(added.json.name, 'lake');
    assert.equal(added.json.path_style, true);
    assert.equal(added.json.credentials, 'bucket');
    assert.equal((await addBucket(server, s3.endpoint)).status, 409);
    const list = await request(server, 'GET', '/admin/buckets');
    assert.deepEqual(list.json.buckets.map((b) => b.name), ['default', 'lake']);
    const one = await request(server, 'GET', '/admin/buckets/lake');
    assert.equal(one.json.bucket, 'lake');
    assert.equal((await request(server, 'GET', '/admin/buckets/nope')).status, 404);

    const tested = await request(server, 'POST', '/admin/buckets/lake/test');
    assert.equal(tested.status, 200, tested.text);
    assert.equal(tested.json.ok, true, tested.text);
    assert.deepEqual(tested.json.steps.map((s) => s.step), ['write', 'read', 'list', 'delete']);
    assert.equal((await request(server, 'POST', '/admin/buckets/nope/test')).status, 404);
    // A bucket that is not there: the test says where it failed, naming the bucket.
    const missing = await request(server, 'POST', '/admin/buckets', { body: { name: 'ghost', provider: 's3',
      endpoint: s3.endpoint, bucket: 'no-such-bucket', access_key_id: S3_KEY, secret_access_key: S3_SECRET } });
    assert.equal(missing.status, 201);
    const failed = await request(server, 'POST', '/admin/buckets/ghost/test');
    assert.equal(failed.json.ok, false);
    assert.equal(failed.json.steps[0].ok, false);
    assert.match(failed.json.steps[0].error, /bucket 'ghost'.*NoSuchBucket/);

    // A catalog keeps its bucket; an unknown bucket is refused.
    assert.equal((await request(server, 'POST', '/admin/catalogs', { body: { name: 'c1', bucket: 'nope' } })).status, 400);
    assert.equal((await request(server, 'POST', '/admin/catalogs', { body: { name: 'c1', bucket: 'lake' } })).status, 201);
    const inUse = await request(server, 'DELETE', '/admin/buckets/lake');
    assert.equal(inUse.status, 409);
    assert.match(inUse.json.error, /holds 1 catalog/);
    assert.equal((await request(server, 'DELETE', '/admin/catalogs/c1')).status, 200);
    assert.equal((await request(server, 'DELETE', '/admin/buckets/lake')).status, 200);
    assert.equal((await request(server, 'DELETE', '/admin/buckets/lake')).status, 404);
    assert.equal((await request(server, 'DELETE', '/admin/buckets/default')).status, 400);

    // The CLI, with the secret on standard input.
    const addCli = await cli(server, ['bucket', 'add', 'viacli', '--provider', 's3', '--endpoint', s3.endpoint, '--bucket',
      'lake', '--access-key-id', S3_KEY, '--secret-access-key', '-'], `${secret}\n`);
    assert.equal(addCli.code, 0, addCli.stderr);
    assert.match(addCli.stdout, /^viacli\tprovider=s3\tbucket=lake/);
    const listCli = await cli(server, ['bucket', 'list']);
    assert.match(listCli.stdout, /^default\tprovider=fs\tbuilt-in\nghost\t.*\nviacli\tprovider=s3\tbucket=lake\t/);
    const testCli = await cli(server, ['bucket', 'test', 'viacli']);
    assert.equal(testCli.code, 0, testCli.stderr);
    assert.match(testCli.stdout, /bucket viacli: ok/);
    assert.equal((await cli(server, ['bucket', 'test', 'ghost'])).code, 1);
    const statsCli = await cli(server, ['cache', 'stats']);
    assert.match(statsCli.stdout, /^hits\t\d+\nmisses\t\d+/);
    assert.equal((await cli(server, ['bucket', 'remove', 'viacli'])).code, 0);

    // The secret appears in no answer, no log line and not in the metadata file.
    for (const path of ['/admin/buckets', '/admin/buckets/ghost']) {
      assert.ok(!(await request(server, 'GET', path)).text.includes(secret));
    }
    assert.ok(!server.stderr.includes(secret), 'secret in the log');
    assert.ok(!server.stdout.includes(secret), 'secret in the output');
    for (const f of readdirSync(server.dataDir).filter((n) => n.startsWith('metadata'))) {
      assert.ok(!readFileSync(join(server.dataDir, f)).includes(Buffer.from(secret)), `secret in ${f}`);
    }
    assert.ok(!addCli.stdout.includes(secret) && !addCli.stderr.includes(secret));
    // Only admins.
    const other = await startServer({ args: ['--admins', 'nobody'] });
    try {
      assert.equal((await request(other, 'GET', '/admin/buckets')).status, 403);
      assert.equal((await request(other, 'GET', '/admin/cache')).status, 403);
      assert.equal((await request(other, 'GET', '/metrics')).status, 403);
    } finally {
      await other.stop();
    }
  } finally {
    const { code } = await server.stop();
    s3.stop();
    assert.equal(code, 0, server.stderr);
  }
});

test('a catalog in an S3 bucket: written, read, restarted with an empty cache, read back; maintenance on S3', async () => {
  const s3 = await startS3({ buckets: ['lake'] });
  const proxy = await startFaultProxy(s3.port);
  const dataDir = mkdtempSync(join(tmpdir(), 'lakehouse-test-'));
  const args = ['--data', dataDir, '--s3-multipart-threshold', '5MiB', '--s3-part-size', '5MiB',
    '--maintenance-interval-seconds', '0', '--snapshot-retention-seconds', '0', '--gc-grace-seconds', '0'];
  let server = await startServer({ args });
  const expected = {};
  const reads = {
    people: 'SELECT * FROM acme.main.people ORDER BY id',
    events: 'SELECT count(*), count(DISTINCT payload), min(id), max(id) FROM acme.analytics.events',
    nested: 'SELECT * FROM acme.main.nested ORDER BY id',
  };
  try {
    assert.equal((await addBucket(server, proxy.endpoint)).status, 201);
    assert.equal((await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme', bucket: 'lake' } })).status, 201);
    await ok(server, 'CREATE TABLE acme.main.people (id INTEGER NOT NULL, name VARCHAR, born DATE, score DOUBLE)');
    await ok(server, "INSERT INTO acme.main.people VALUES (1, 'ann', '1990-01-02', 1.5), (2, 'bob', NULL, 2.25), (3, 'cy', '2001-12-31', NULL)");
    await ok(server, "UPDATE acme.main.people SET name = 'bobby' WHERE id = 2");
    await ok(server, 'DELETE FROM acme.main.people WHERE id = 3');
    await ok(server, 'CREATE SCHEMA acme.analytics');
    // Large enough to go up in parts.
    await ok(server, 'CREATE TABLE acme.analytics.events AS SELECT i AS id, md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS payload FROM range(400000) t(i)');
    assert.ok(proxy.requests.some((r) => r.method === 'POST' && r.url.includes('?uploads')), 'no multipart upload');
    await ok(server, "CREATE TABLE acme.main.nested AS SELECT 1 AS id, [1, 2] AS l, {'a': 'x', 'b': 2} AS s, MAP {'k': 1} AS m");
    for (const [k, q] of Object.entries(reads)) expected[k] = await ok(server, q);
    assert.deepEqual(expected.people, [[1, 'ann', '1990-01-02', 1.5], [2, 'bobby', null, 2.25]]);
    assert.deepEqual(expected.events, [[400000, 400000, 0, 399999]]);
    // The objects live in the S3 bucket under the prefix, nothing under the built-in bucket.
    const keys = await s3.list('lake', 'warehouse/');
    assert.ok(keys.some((k) => /^warehouse\/1\/data-.*\.parquet$/.test(k)), keys.join(' '));
    assert.ok(keys.some((k) => /^warehouse\/1\/delete-.*\.parquet$/.test(k)));
    assert.deepEqual(filesUnder(join(dataDir, 'buckets', 'default')), []);
    // The server's own writes are in its cache already: reading them fetched nothing.
    assert.equal((await cacheStats(server)).misses, 0);
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr);

    rmSync(join(dataDir, 'cache'), { recursive: true, force: true });
    server = await startServer({ args });
    for (const [k, q] of Object.entries(reads)) assert.deepEqual(await ok(server, q), expected[k], k);
    const cold = await cacheStats(server);
    assert.ok(cold.misses > 0 && cold.bytes_fetched > 5 << 20, JSON.stringify(cold));
    // A second read is served from the cache.
    for (const q of Object.values(reads)) await ok(server, q);
    const warm = await cacheStats(server);
    assert.equal(warm.misses, cold.misses);
    assert.ok(warm.hits > cold.hits);

    // Compaction and cleanup on S3: many small files become one, the old objects leave the bucket.
    await ok(server, 'CREATE TABLE acme.main.small (id INTEGER)');
    for (let i = 0; i < 10; i++) await ok(server, `INSERT INTO acme.main.small VALUES (${i})`);
    const before = (await s3.list('lake', 'warehouse/')).length;
    const m = await request(server, 'POST', '/admin/catalogs/acme/maintenance');
    assert.equal(m.status, 200, m.text);
    assert.ok(m.json.files_compacted >= 10, m.text);
    assert.ok(m.json.objects_deleted >= 10, m.text);
    assert.ok((await s3.list('lake', 'warehouse/')).length < before);
    assert.deepEqual(await ok(server, 'SELECT count(*), sum(id) FROM acme.main.small'), [[10, 45]]);
    assert.deepEqual(await ok(server, reads.people), expected.people);
    const metrics = await request(server, 'GET', '/metrics');
    assert.match(metrics.text, /^lakehouse_cache_misses_total \d+$/m);
    assert.match(metrics.text, /^lakehouse_s3_requests_total [1-9]\d*$/m);
  } finally {
    const { code } = await server.stop();
    await proxy.stop();
    s3.stop();
    rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, server.stderr);
  }
});

test('S3 faults: retries absorb 500s, SlowDown, stalls, dropped and truncated transfers; lasting faults fail clearly and leave nothing partial', async () => {
  const s3 = await startS3({ buckets: ['lake'] });
  const proxy = await startFaultProxy(s3.port);
  const dataDir = mkdtempSync(join(tmpdir(), 'lakehouse-test-'));
  const args = ['--data', dataDir, '--s3-backoff-ms', '20', '--s3-stall-timeout-ms', '1000', '--s3-attempts', '5',
    '--s3-multipart-threshold', '5MiB', '--s3-part-size', '5MiB', '--maintenance-interval-seconds', '0'];
  let server = await startServer({ args });
  const kinds = ['status500', 'slowdown', 'stall', 'drop', 'truncate'];
  try {
    assert.equal((await addBucket(server, proxy.endpoint)).status, 201);
    assert.equal((await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme', bucket: 'lake' } })).status, 201);
    for (const k of kinds) {
      await ok(server, `CREATE TABLE acme.main.${k} AS SELECT i AS id, md5(i::VARCHAR) AS v FROM range(5000) t(i)`);
    }
    await ok(server, 'CREATE TABLE acme.main.lasting AS SELECT i AS id FROM range(1000) t(i)');
    await server.stop();
    rmSync(join(dataDir, 'cache'), { recursive: true, force: true });
    server = await startServer({ args });
    const retriesBefore = Number(/^lakehouse_s3_retries_total (\d+)$/m.exec((await request(server, 'GET', '/metrics')).text)[1]);

    // Each kind of fault, twice in a row on the data file's download: the query still succeeds.
    for (const kind of kinds) {
      proxy.faults.push({ method: 'GET', match: /\/warehouse\/1\/data-/, times: kind === 'stall' ? 1 : 2, kind });
      const rows = await ok(server, `SELECT count(*), sum(id) FROM acme.main.${kind}`);
      assert.deepEqual(rows, [[5000, 12497500]], kind);
      assert.equal(proxy.faults.at(-1).times, 0, `${kind} was not injected`);
    }
    const retriesAfter = Number(/^lakehouse_s3_retries_total (\d+)$/m.exec((await request(server, 'GET', '/metrics')).text)[1]);
    // libcurl itself resends a request whose reused connection was dropped unanswered, so the
    // dropped connections may not all count as our retries; the other faults do.
    assert.ok(retriesAfter - retriesBefore >= 7, `${retriesAfter - retriesBefore} retries`);

    // A fault that lasts: a clear error naming the bucket and the key, and nothing in the cache.
    const cacheDir = join(dataDir, 'cache', 'objects');
    const lastingFiles = () => filesUnder(cacheDir).filter((f) => f.path.includes('/1/data-')).length;
    const filesBefore = lastingFiles();
    proxy.faults.push({ method: 'GET', match: /\/warehouse\/1\/data-/, times: 1000, kind: 'truncate' });
    const failed = await sql(server, 'SELECT count(*) FROM acme.main.lasting');
    assert.match(failed.error ?? '', /bucket 'lake': GET warehouse\/1\/data-[0-9a-f-]+\.parquet: .*\(after 5 attempts\)/);
    assert.equal(lastingFiles(), filesBefore, 'a partial object entered the cache');
    assert.deepEqual(filesUnder(join(dataDir, 'cache', 'tmp')), []);
    proxy.faults.at(-1).times = 0;
    proxy.faults.push({ method: 'GET', match: /\/warehouse\/1\/data-/, times: 1000, kind: 'slowdown' });
    assert.match((await sql(server, 'SELECT count(*) FROM acme.main.lasting')).error ?? '', /bucket 'lake': GET .*HTTP 503 SlowDown/);
    proxy.faults.at(-1).times = 0;
    // Once the store is back, the same query works: failures are not remembered.
    assert.deepEqual(await ok(server, 'SELECT count(*) FROM acme.main.lasting'), [[1000]]);

    // Writes: a lasting PUT failure fails the statement with the bucket's name and commits nothing.
    proxy.faults.push({ method: 'PUT', times: 1000, kind: 'status500' });
    const put = await sql(server, 'INSERT INTO acme.main.lasting VALUES (-1)');
    assert.match(put.error ?? '', /^IO Error: cannot write .* bucket 'lake': PUT warehouse\/1\/data-.*HTTP 500/);
    proxy.faults.at(-1).times = 0;
    assert.deepEqual(await ok(server, 'SELECT count(*) FROM acme.main.lasting'), [[1000]]);
    // A multipart upload that fails midway is aborted.
    proxy.faults.push({ method: 'PUT', match: /partNumber=2/, times: 1000, kind: 'status500' });
    const big = await sql(server, 'INSERT INTO acme.main.lasting SELECT i FROM range(2000000) t(i) ORDER BY hash(i)');
    assert.match(big.error ?? '', /bucket 'lake'/);
    proxy.faults.at(-1).times = 0;
    assert.ok(proxy.requests.some((r) => r.method === 'DELETE' && r.url.includes('uploadId=')), 'the upload was not aborted');
    assert.deepEqual(await ok(server, 'SELECT count(*) FROM acme.main.lasting'), [[1000]]);
    // A transient PUT fault is retried.
    proxy.faults.push({ method: 'PUT', times: 2, kind: 'drop' });
    await ok(server, 'INSERT INTO acme.main.lasting VALUES (-2)');
    assert.deepEqual(await ok(server, 'SELECT count(*) FROM acme.main.lasting'), [[1001]]);
  } finally {
    proxy.faults.length = 0;
    const { code } = await server.stop();
    await proxy.stop();
    s3.stop();
    rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, server.stderr);
  }
});

test('a bucket unreachable at start-up: queries name the bucket and the cause, and work again once it is back', async () => {
  const s3 = await startS3({ buckets: ['lake'] });
  const proxy = await startFaultProxy(s3.port);
  const dataDir = mkdtempSync(join(tmpdir(), 'lakehouse-test-'));
  const args = ['--data', dataDir, '--s3-backoff-ms', '20', '--s3-attempts', '2', '--maintenance-interval-seconds', '0'];
  let server = await startServer({ args });
  try {
    assert.equal((await addBucket(server, proxy.endpoint)).status, 201);
    assert.equal((await request(server, 'POST', '/admin/catalogs', { body: { name: 's3cat', bucket: 'lake' } })).status, 201);
    await ok(server, 'CREATE TABLE s3cat.main.events (id INTEGER, v VARCHAR); INSERT INTO s3cat.main.events SELECT i, i::VARCHAR FROM range(100) t(i)');
    await server.stop();
    rmSync(join(dataDir, 'cache'), { recursive: true, force: true });
    // the S3 server is gone: every connection to it fails
    proxy.faults.push({ times: 1e9, kind: 'drop' });
    server = await startServer({ args });
    const down = await sql(server, 'SELECT sum(id) FROM s3cat.main.events');
    assert.match(down.error ?? '', /bucket 'lake'/);
    assert.doesNotMatch(down.error, /Binder Error|column/);
    // the table's shape is known without the bucket
    assert.deepEqual(await ok(server, "SELECT column_name FROM information_schema.columns WHERE table_catalog = 's3cat' ORDER BY ordinal_position"),
      [['id'], ['v']]);
    assert.match((await sql(server, 'INSERT INTO s3cat.main.events VALUES (1000, \'x\')')).error ?? '', /bucket 'lake'/);
    proxy.faults.length = 0;
    assert.deepEqual(await ok(server, 'SELECT sum(id), count(v) FROM s3cat.main.events'), [[4950, 100]]);
    await ok(server, "INSERT INTO s3cat.main.events VALUES (1000, 'x')");
    assert.deepEqual(await ok(server, 'SELECT sum(id) FROM s3cat.main.events'), [[5950]]);
  } finally {
    proxy.faults.length = 0;
    const { code } = await server.stop();
    await proxy.stop();
    s3.stop();
    rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, server.stderr);
  }
});

test('SSD cache: the size bound holds under a larger workload; 16 concurrent queries on a cold table download each object once', async () => {
  const s3 = await startS3({ buckets: ['lake'] });
  const proxy = await startFaultProxy(s3.port);
  const dataDir = mkdtempSync(join(tmpdir(), 'lakehouse-test-'));
  const base = ['--data', dataDir, '--maintenance-interval-seconds', '0'];
  let server = await startServer({ args: base });
  try {
    assert.equal((await addBucket(server, proxy.endpoint)).status, 201);
    assert.equal((await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme', bucket: 'lake' } })).status, 201);
    // Six tables of about 120 KB each; then one of eight files for the concurrent readers.
    for (let t = 0; t < 6; t++) {
      await ok(server, `CREATE TABLE acme.main.t${t} AS SELECT i AS id, md5((i + ${t})::VARCHAR) AS v FROM range(3000) r(i)`);
    }
    await ok(server, 'CREATE TABLE acme.main.shared (id INTEGER, v VARCHAR)');
    for (let i = 0; i < 8; i++) await ok(server, `INSERT INTO acme.main.shared SELECT i, md5(i::VARCHAR) FROM range(${i * 1000}, ${(i + 1) * 1000}) r(i)`);
    await server.stop();

    // A cache of 300 KB under a workload of over 700 KB.
    rmSync(join(dataDir, 'cache'), { recursive: true, force: true });
    server = await startServer({ args: [...base, '--cache-size', '300KB'] });
    const bound = 300 * 1024;
    for (let round = 0; round < 2; round++) {
      for (let t = 0; t < 6; t++) {
        assert.deepEqual(await ok(server, `SELECT count(*) FROM acme.main.t${t}`), [[3000]]);
        const s = await cacheStats(server);
        assert.ok(s.bytes_cached <= bound, `${s.bytes_cached} bytes cached`);
        const onDisk = filesUnder(join(dataDir, 'cache', 'objects')).reduce((a, f) => a + f.size, 0);
        assert.ok(onDisk <= bound, `${onDisk} bytes on disk`);
      }
    }
    const s = await cacheStats(server);
    assert.equal(s.capacity, bound);
    assert.ok(s.evictions > 0);
    await server.stop();

    // Sixteen queries at once on a cold table: one download per object.
    rmSync(join(dataDir, 'cache'), { recursive: true, force: true });
    server = await startServer({ args: base });
    proxy.requests.length = 0;
    const results = await Promise.all(Array.from({ length: 16 }, () => sql(server, 'SELECT count(*), sum(id) FROM acme.main.shared')));
    for (const r of results) assert.deepEqual(r.rows, [[8000, 31996000]], r.error);
    const gets = proxy.objectGets('/warehouse/1/');
    const dataGets = [...gets].filter(([url]) => url.includes('/data-'));
    assert.equal(dataGets.length, 8, [...gets.keys()].join(' '));
    for (const [url, n] of gets) assert.equal(n, 1, `${url} downloaded ${n} times`);
  } finally {
    const { code } = await server.stop();
    await proxy.stop();
    s3.stop();
    rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, server.stderr);
  }
});
