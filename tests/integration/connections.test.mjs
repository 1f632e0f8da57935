// Who may hold the REST port's connections: clients without credentials that send half a header
// (from one address or from many), slow senders, and idle keep-alive connections at the bound must
// not keep authenticated clients out.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';

import { basic, curl, request, sleep, startServer } from './lib/server.mjs';

// Opens a socket from localAddress and writes the start of a request header that never ends.
function halfHeader(server, localAddress) {
  return new Promise((ok) => {
    const s = connect({ port: server.port, host: '127.0.0.1', localAddress });
    s.on('error', () => {});
    s.on('connect', () => {
      s.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      ok(s);
    });
    s.on('close', () => ok(s));
  });
}

// A keep-alive socket that has run one authenticated request; resolves once the answer is read.
function authenticatedIdle(server) {
  return new Promise((ok, fail) => {
    const s = connect(server.port, '127.0.0.1');
    let got = '';
    s.closedByServer = false;
    s.on('error', () => {});
    s.on('close', () => { s.closedByServer = true; });
    s.on('data', (d) => {
      got += d;
      if (/\r\n\r\n/.test(got) && got.endsWith('}')) ok(s);
    });
    s.on('connect', () => {
      s.write(`GET /admin/cache HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic()}\r\n\r\n`);
    });
    setTimeout(() => fail(new Error(`no answer: ${got}`)), 20000).unref();
  });
}

const authenticated = (server, extra = []) =>
  curl(['--max-time', '30', '-u', 'alice:s3cret:with:colons', ...extra, `${server.url}/admin/cache`]);

test('260 half-sent headers from one address do not keep authenticated clients out', async () => {
  // A deadline this long cannot be what lets the clients in: the bounds per address and in total do.
  const server = await startServer({ args: ['--header-timeout-seconds', '120'] });
  const sockets = [];
  try {
    for (let i = 0; i < 260; i++) sockets.push(await halfHeader(server, '127.0.0.1'));
    await sleep(200);
    for (let i = 0; i < 3; i++) {
      const same = await authenticated(server);
      assert.equal(same.status, 200, 'a client on the attacking address');
      const other = await authenticated(server, ['--interface', '127.0.0.2']);
      assert.equal(other.status, 200, 'a client on another address');
      const viaFetch = await request(server, 'GET', '/admin/cache');
      assert.equal(viaFetch.status, 200);
    }
    // once their grace to send a request is over, the address keeps at most 32 of them
    const live = () => sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
    for (let i = 0; i < 200 && live() > 32; i++) await sleep(50);
    assert.ok(live() <= 32, `one address keeps at most 32 connections without credentials (${live()})`);
    const metrics = (await request(server, 'GET', '/metrics')).text;
    // 260 is beyond the connection bound (256): while they are within their grace, that bound
    // closes the oldest; past it, the bound per address does
    const closedFor = (reason) => Number(new RegExp(`^lakehouse_http_connections_closed_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(metrics)[1]);
    const closed = closedFor('per_address') + closedFor('connection_bound');
    assert.ok(closedFor('per_address') > 0, 'the bound per address closed some');
    assert.ok(closed >= 228, `the closures are counted in /metrics (${closed})`);
  } finally {
    for (const s of sockets) s.destroy();
    await server.stop();
  }
});

test('half-sent headers from many addresses make room at the connection bound', async () => {
  const server = await startServer({ args: ['--header-timeout-seconds', '120', '--max-connections', '64'] });
  const sockets = [];
  try {
    for (let a = 10; a < 20; a++)
      for (let i = 0; i < 10; i++) sockets.push(await halfHeader(server, `127.0.0.${a}`));
    await sleep(200);
    for (let i = 0; i < 5; i++) {
      const r = await authenticated(server, ['--interface', '127.0.0.2']);
      assert.equal(r.status, 200);
    }
  } finally {
    for (const s of sockets) s.destroy();
    await server.stop();
  }
});

test('a request header trickled byte by byte is cut off at the header deadline; credentials lift it', async () => {
  const server = await startServer({ args: ['--header-timeout-seconds', '1'] });
  let timer;
  try {
    const idle = await authenticatedIdle(server);
    const closed = await new Promise((ok) => {
      const s = connect(server.port, '127.0.0.1');
      s.on('error', () => {});
      const header = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(100);
      let sent = 0;
      s.on('connect', () => {
        timer = setInterval(() => {
          if (sent < header.length) s.write(header[sent++]);
        }, 200);
      });
      s.on('close', () => ok(sent < header.length));
    });
    clearInterval(timer);
    assert.ok(closed, 'the server closed the connection before the header was complete');
    await sleep(1500);
    assert.equal(idle.closedByServer, false, 'an authenticated keep-alive connection is not held to the deadline');
    const again = await new Promise((ok) => {
      let got = '';
      idle.on('data', (d) => { got += d; if (got.endsWith('}')) ok(got); });
      idle.write(`GET /admin/cache HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic()}\r\n\r\n`);
    });
    assert.match(again, /^HTTP\/1\.1 200/);
    idle.destroy();
  } finally {
    clearInterval(timer);
    await server.stop();
  }
});

test('at the connection bound idle keep-alive connections are closed to make room', async () => {
  const server = await startServer({ args: ['--max-connections', '4'] });
  const idle = [];
  try {
    for (let i = 0; i < 4; i++) idle.push(await authenticatedIdle(server));
    for (let i = 0; i < 3; i++) {
      const r = await authenticated(server);
      assert.equal(r.status, 200);
    }
    await sleep(200);
    assert.ok(idle.some((s) => s.closedByServer), 'an idle connection gave way');
    const metrics = (await request(server, 'GET', '/metrics')).text;
    assert.match(metrics, /^lakehouse_http_connections_closed_total\{reason="connection_bound"\} [1-9]\d*$/m);
  } finally {
    for (const s of idle) s.destroy();
    await server.stop();
  }
});
