// Catalog administration through the admin REST API and `lakehouse admin catalog`, on the
// embedded SQLite metadata store and on a real PostgreSQL server started for the test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { startPostgres } from './lib/postgres.mjs';
import { OTHER_PASSWORD, OTHER_USER, PASSWORD, USER, basic, bin, query, request, startServer } from './lib/server.mjs';

function cli(server, args) {
  return new Promise((ok) => {
    execFile(bin, ['admin', ...args, '--url', server.url, '--user', USER, '--password', PASSWORD],
      { env: { PATH: process.env.PATH } }, (err, stdout, stderr) => ok({ code: err ? err.code : 0, stdout, stderr }));
  });
}

function suite(name, serverArgs) {
  describe(name, () => {
    let server;
    let pg;
    before(async () => {
      if (serverArgs === 'postgres') pg = await startPostgres();
      server = await startServer({ args: pg ? ['--metadata', pg.url, '--admins', USER] : ['--admins', USER] });
    });
    after(async () => {
      const { code } = await server.stop();
      if (pg) pg.stop();
      assert.equal(code, 0, server.stderr);
    });

    test('create, get, list, rename and drop', async () => {
      const created = await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme_lakehouse' } });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.name, 'acme_lakehouse');
      assert.equal(created.json.bucket, 'default');
      assert.ok(Date.parse(created.json.created_at) > 0);
      const again = await request(server, 'POST', '/admin/catalogs', { body: { name: 'acme_lakehouse' } });
      assert.equal(again.status, 409);
      assert.equal(again.json.code, 'catalog_exists');
      const second = await request(server, 'POST', '/admin/catalogs', { body: { name: 'beta', bucket: 'default' } });
      assert.equal(second.status, 201);
      const list = await request(server, 'GET', '/admin/catalogs');
      assert.deepEqual(list.json.catalogs.map((c) => c.name), ['acme_lakehouse', 'beta']);
      const one = await request(server, 'GET', '/admin/catalogs/beta');
      assert.equal(one.json.name, 'beta');
      const renamed = await request(server, 'PATCH', '/admin/catalogs/beta', { body: { name: 'gamma' } });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.json.name, 'gamma');
      assert.equal((await request(server, 'GET', '/admin/catalogs/beta')).status, 404);
      const taken = await request(server, 'PATCH', '/admin/catalogs/gamma', { body: { name: 'acme_lakehouse' } });
      assert.equal(taken.status, 409);
      const dropped = await request(server, 'DELETE', '/admin/catalogs/gamma');
      assert.deepEqual(dropped.json, { dropped: true, name: 'gamma' });
      assert.equal((await request(server, 'DELETE', '/admin/catalogs/gamma')).status, 404);
    });

    test('bad input is refused and leaves the metadata unchanged', async () => {
      const before = (await request(server, 'GET', '/admin/catalogs')).json.catalogs;
      const cases = [
        [{ name: 'Bad-Name' }, 400, 'invalid_catalog'],
        [{ name: 'x"; DROP TABLE lake_catalog; --' }, 400, 'invalid_catalog'],
        [{ name: 'memory' }, 400, 'invalid_catalog'],
        [{ name: '1abc' }, 400, 'invalid_catalog'],
        [{ name: 'a'.repeat(64) }, 400, 'invalid_catalog'],
        [{ name: 'ok_name', bucket: 'no_such_bucket' }, 400, 'invalid_catalog'],
        [{}, 400, 'missing_name'],
        [{ name: 7 }, 422, 'invalid_field'],
        ['["acme"]', 422, 'invalid_body'],
        ['{"name":', 400, 'invalid_json'],
      ];
      for (const [body, status, code] of cases) {
        const r = await request(server, 'POST', '/admin/catalogs', { body });
        assert.equal(r.status, status, JSON.stringify(body));
        assert.equal(r.json.code, code);
      }
      const bucketChange = await request(server, 'PATCH', '/admin/catalogs/acme_lakehouse', { body: { bucket: 'other' } });
      assert.equal(bucketChange.status, 400);
      const after = (await request(server, 'GET', '/admin/catalogs')).json.catalogs;
      assert.deepEqual(after, before);
    });

    test('catalogs appear in every session of every worker, with schema main, and follow renames and drops', async () => {
      const sid = 'e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7';
      const dbs = async (extra) => (await query(server, {
        statement: 'SELECT database_name FROM duckdb_databases() WHERE NOT internal ORDER BY 1', ...extra,
      })).json.slice(2).map((r) => r[0]);
      await query(server, { statement: 'SELECT 1', session_id: sid }); // a session that exists before
      await request(server, 'POST', '/admin/catalogs', { body: { name: 'visible' } });
      assert.ok((await dbs({ session_id: sid })).includes('visible'));
      assert.ok((await dbs({ compute_size: 'L' })).includes('visible'), 'a worker started later has it too');
      const schemas = await query(server, { statement: "USE visible; SELECT current_database(), current_schema()" });
      assert.deepEqual(schemas.json[2], ['visible', 'main']);
      await request(server, 'PATCH', '/admin/catalogs/visible', { body: { name: 'renamed' } });
      const after = await dbs({ session_id: sid });
      assert.ok(after.includes('renamed') && !after.includes('visible'));
      await request(server, 'DELETE', '/admin/catalogs/renamed');
      assert.ok(!(await dbs({ compute_size: 'L' })).includes('renamed'));
    });

    test('sessions may not ATTACH or DETACH, nor store views in a managed catalog', async () => {
      await request(server, 'POST', '/admin/catalogs', { body: { name: 'guarded' } });
      const sid = 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9';
      await query(server, { statement: 'USE guarded', session_id: sid });
      for (const [statement, extra] of [['CREATE OR REPLACE VIEW guarded.main.v AS SELECT 1', {}],
        ['CREATE VIEW v AS SELECT 1', { session_id: sid }]]) {
        const r = await query(server, { statement, ...extra });
        assert.match(r.json[1].error, /^Not implemented Error: views cannot be stored in the managed catalog "guarded"/, statement);
      }
      for (const statement of ['DETACH guarded', "ATTACH ':memory:' AS mine"]) {
        const r = await query(server, { statement });
        assert.match(r.json[1].error, /^Permission Error: databases are attached by the server/);
      }
      const ok = await query(server, { statement: 'CREATE TEMP TABLE scratch AS SELECT 1 AS x; SELECT x FROM scratch' });
      assert.deepEqual(ok.json[2], [1]);
      await request(server, 'DELETE', '/admin/catalogs/guarded');
    });

    test('only admins may use the admin API', async () => {
      const r = await request(server, 'GET', '/admin/catalogs', { auth: basic(OTHER_USER, OTHER_PASSWORD) });
      assert.equal(r.status, 403);
      assert.equal(r.json.code, 'forbidden');
      const anon = await request(server, 'GET', '/admin/catalogs', { auth: null });
      assert.equal(anon.status, 401);
    });

    test('lakehouse admin catalog create|list|rename|drop', async () => {
      const c = await cli(server, ['catalog', 'create', 'from_cli']);
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, /^from_cli\tbucket=default\t/);
      const dup = await cli(server, ['catalog', 'create', 'from_cli']);
      assert.equal(dup.code, 1);
      assert.match(dup.stderr, /already exists/);
      assert.match((await cli(server, ['catalog', 'rename', 'from_cli', 'cli_renamed'])).stdout, /^cli_renamed\t/);
      const list = await cli(server, ['catalog', 'list']);
      assert.deepEqual(list.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['acme_lakehouse', 'cli_renamed']);
      assert.equal((await cli(server, ['catalog', 'drop', 'cli_renamed'])).stdout, 'dropped cli_renamed\n');
      assert.equal((await cli(server, ['catalog'])).code, 2);
    });
  });
}

suite('on the SQLite metadata store', 'sqlite');
suite('on a PostgreSQL metadata store', 'postgres');

test('catalogs survive a restart of the server', async () => {
  const first = await startServer();
  const dataDir = first.dataDir;
  await request(first, 'POST', '/admin/catalogs', { body: { name: 'durable' } });
  first.proc.kill('SIGKILL');
  await first.exited;
  const second = await startServer({ args: ['--data', dataDir] });
  try {
    const list = await request(second, 'GET', '/admin/catalogs');
    assert.deepEqual(list.json.catalogs.map((c) => c.name), ['durable']);
    const dbs = await query(second, { statement: "SELECT count(*) FROM duckdb_databases() WHERE database_name = 'durable'" });
    assert.deepEqual(dbs.json[2], [1]);
  } finally {
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
