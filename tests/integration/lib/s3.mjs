// A real S3 server for the tests (s3rver from npm, in its own process on a loopback port), and a
// small HTTP proxy in front of it that counts requests and injects faults on purpose: error
// answers (500, 503 SlowDown), stalls, dropped connections and truncated bodies.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const s3rverBin = join(here, '..', 'node_modules', 's3rver', 'bin', 's3rver.js');

export const S3_KEY = 'S3RVER';
export const S3_SECRET = 'S3RVER';

async function waitForPort(port, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((res) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Starts s3rver with the given buckets; stop() ends it and removes its files.
export async function startS3({ buckets = ['lake'] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-s3-'));
  const port = await freePort();
  const args = [s3rverBin, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '-s'];
  for (const b of buckets) args.push('--configure-bucket', b);
  // s3rver encrypts listing continuation tokens with DES, which Node's OpenSSL 3 keeps in its
  // legacy provider.
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  try {
    await waitForPort(port, 15000);
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`s3rver did not start: ${stderr}`);
  }
  return {
    port,
    dir,
    endpoint: `http://127.0.0.1:${port}`,
    // Writes an object directly (s3rver takes anonymous requests).
    async put(bucket, key, body) {
      const r = await fetch(`http://127.0.0.1:${port}/${bucket}/${key}`, { method: 'PUT', body });
      if (!r.ok) throw new Error(`PUT ${key}: ${r.status}`);
    },
    async list(bucket, prefix = '') {
      const r = await fetch(`http://127.0.0.1:${port}/${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
      const xml = await r.text();
      return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
    },
    stop() {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A proxy to target (host:port). faults is a list the test edits at any time; each entry
// { method?, match? (regex on the path and query), times (how many requests it hits), kind } with
// kind one of 'status500', 'slowdown', 'stall', 'drop', 'truncate'. Every request is counted in
// requests (method, url) before any fault applies.
export async function startFaultProxy(targetPort) {
  const port = await freePort();
  const requests = [];
  const faults = [];
  const sockets = new Set();
  const pick = (req) => {
    for (const f of faults) {
      if (f.times <= 0) continue;
      if (f.method && f.method !== req.method) continue;
      if (f.match && !f.match.test(req.url)) continue;
      f.times--;
      f.hits = (f.hits ?? 0) + 1;
      return f.kind;
    }
    return null;
  };
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url });
    const kind = pick(req);
    if (kind === 'status500' || kind === 'slowdown') {
      req.resume();
      req.on('end', () => {
        const slow = kind === 'slowdown';
        const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${slow ? 'SlowDown' : 'InternalError'}</Code>`
          + `<Message>${slow ? 'Please reduce your request rate.' : 'We encountered an internal error.'}</Message></Error>`;
        res.writeHead(slow ? 503 : 500, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    if (kind === 'stall') {
      req.resume(); // read the request, never answer; the client's stall timeout must fire
      return;
    }
    if (kind === 'drop') {
      req.socket.destroy();
      return;
    }
    const up = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        if (kind === 'truncate') {
          // headers as they are, then half the body, then the connection goes
          res.writeHead(ur.statusCode, ur.headers);
          const chunks = [];
          ur.on('data', (c) => chunks.push(c));
          ur.on('end', () => {
            const all = Buffer.concat(chunks);
            res.write(all.subarray(0, Math.floor(all.length / 2)));
            setTimeout(() => req.socket.destroy(), 20);
          });
          return;
        }
        res.writeHead(ur.statusCode, ur.headers);
        ur.pipe(res);
      });
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    faults,
    // GETs of whole objects (not listings) by key, as seen here.
    objectGets(prefix) {
      const counts = new Map();
      for (const r of requests) {
        if (r.method !== 'GET' || r.url.includes('?')) continue;
        if (prefix && !r.url.includes(prefix)) continue;
        counts.set(r.url, (counts.get(r.url) ?? 0) + 1);
      }
      return counts;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((ok) => server.close(ok));
    },
  };
}
