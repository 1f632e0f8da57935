// Starts the real lakehouse binary for a test file and stops it again; small helpers for the raw
// HTTP contract (fetch and curl) and for reading the server's memory use.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..', '..', '..');
export const bin = process.env.LAKEHOUSE_BIN ? resolve(process.env.LAKEHOUSE_BIN) : join(root, 'build', 'lakehouse');
export const sanitized = /build-san/.test(bin);

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

export const USER = 'alice';
export const PASSWORD = 's3cret:with:colons';
export const OTHER_USER = 'bob';
export const OTHER_PASSWORD = 'hunter2';

export function basic(user = USER, password = PASSWORD) {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

// Starts a server; resolves once it prints its readiness line.
export async function startServer({ args = [], env = {}, users = true } = {}) {
  const port = await freePort();
  const pgPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'lakehouse-test-'));
  const fullArgs = ['serve', '--lakehouse-port', String(port), '--pg-port', String(pgPort), '--data', dataDir,
    '--log-level', 'warn'];
  if (users) fullArgs.push('--user', `${USER}:${PASSWORD}`, '--user', `${OTHER_USER}:${OTHER_PASSWORD}`);
  fullArgs.push(...args);
  const proc = spawn(bin, fullArgs, {
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((ok) => proc.on('exit', (code, signal) => ok({ code, signal })));
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start: ${stderr}`)), 20000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('Starting Lakehouse HTTP server on')) {
        clearTimeout(timer);
        ok();
      }
    });
    exited.then(({ code }) => { clearTimeout(timer); fail(new Error(`server exited (${code}): ${stderr}`)); });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    pgPort,
    proc,
    dataDir,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    exited,
    rssKb() {
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
    },
    threads() {
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      return Number(/Threads:\s+(\d+)/.exec(status)[1]);
    },
    // SIGTERM and wait; returns the exit status. A clean shutdown exits 0 (and, under the
    // sanitizer build, with no leak reports).
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const result = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      return result;
    },
  };
}

// POST /query and return the NDJSON lines parsed.
export async function query(server, body, { auth = basic() } = {}) {
  const res = await fetch(`${server.url}/query`, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const lines = text.split('\n').filter((l) => l.length > 0);
  return { status: res.status, headers: res.headers, text, lines, json: lines.map((l) => JSON.parse(l)) };
}

export async function request(server, method, path, { body, auth = basic(), headers = {} } = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(auth ? { Authorization: auth } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

// Runs curl with the given arguments; resolves to { status, headers, body }.
export function curl(args) {
  return new Promise((ok, fail) => {
    execFile('curl', ['-s', '-S', '-i', '--max-time', '60', ...args], { maxBuffer: 64 << 20 }, (err, out) => {
      if (err && !out) return fail(err);
      const sep = out.indexOf('\r\n\r\n');
      let head = out.slice(0, sep);
      let body = out.slice(sep + 4);
      // skip interim responses such as 100 Continue
      while (/^HTTP\/1\.1 1\d\d/.test(head)) {
        const next = body.indexOf('\r\n\r\n');
        head = body.slice(0, next);
        body = body.slice(next + 4);
      }
      const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(head)[1]);
      const headers = Object.fromEntries(head.split('\r\n').slice(1).map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()];
      }));
      ok({ status, headers, body });
    });
  });
}

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
