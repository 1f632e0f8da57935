// Starts a throwaway PostgreSQL server (Debian's postgresql package) on a loopback port for a test
// file, and stops it again. As root the cluster runs as the postgres user, as PostgreSQL requires.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './server.mjs';

function pgBin(name) {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort().reverse() : [];
  for (const v of versions) {
    const p = join(base, v, 'bin', name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${name} not found: install the postgresql package`);
}

function run(cmd, args, asPostgres) {
  const full = asPostgres ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(full[0], full[1], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export async function startPostgres() {
  const asPostgres = process.getuid && process.getuid() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  if (asPostgres) execFileSync('chown', ['postgres', dir]);
  run(pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'lakehouse', '--no-sync'], asPostgres);
  run(pgBin('pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start'], asPostgres);
  return {
    port,
    url: `postgres://lakehouse@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], asPostgres);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
