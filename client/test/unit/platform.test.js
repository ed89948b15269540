/**
 * What the mini-program platforms make the client handle: refused handshakes whose status is hidden, sockets cut in
 * the background, closes without a code, sockets the platform will not let go of; and the package itself: syntax
 * that webpack 4 parses, the CommonJS build, MIGRATION.md as the code that is built and run.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as acorn from 'acorn';
import { MiniChatClient, CloseCode } from '../../src/index.js';
import { buildText, staleFiles } from '../../build/build.mjs';
import { FakeAdapter, FakeClock, fakeToken, settle } from '../support/fakes.js';

const CLIENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ME = 7;

async function setup(options = {}, adapter = new FakeAdapter()) {
  const clock = new FakeClock();
  const client = new MiniChatClient({ url: 'ws://chat.test/ws', token: fakeToken(ME), adapter, clock, random: () => 0.5, ...options });
  const states = [];
  const errors = [];
  client.on('state', (s) => states.push(s));
  client.on('error', (e) => errors.push(e));
  await settle();
  return { clock, adapter, client, states, errors };
}

function online(adapter) {
  const socket = adapter.last;
  socket.open();
  socket.push({ type: 'sync', messages: [], cursor: 0, has_more: false });
  return socket;
}

describe('a refused handshake, whose status the platform hides', () => {
  test('an HTTP check with the same token says 401: the auth state, no retries, until setToken', async () => {
    const { adapter, clock, client, errors, states } = await setup();
    adapter.responses.push({ status: 401, data: { error: { code: 'unauthorized', message: 'invalid token' } } });
    adapter.last.refuse();
    await settle();
    assert.equal(adapter.requests[0].url, 'http://chat.test/api/messages/unread');
    assert.equal(adapter.requests[0].headers.Authorization, `Bearer ${fakeToken(ME)}`);
    assert.equal(client.state, 'auth');
    assert.equal(errors.at(-1).code, 'unauthorized');
    assert.equal(states.at(-1).status, 401);
    clock.tick(10 * 60_000);
    client.pause();
    client.resume();
    await settle();
    assert.equal(adapter.sockets.length, 1, 'no retries, not even on resume');
    client.setToken(fakeToken(ME));
    await settle();
    assert.equal(adapter.sockets.length, 2);
    online(adapter);
    assert.equal(client.state, 'online');
  });

  test('hidden while the HTTP check runs: a 401 is still the auth state, and the resume opens no socket', async () => {
    const { adapter, client } = await setup();
    let answer;
    adapter.request = (request) => {
      adapter.requests.push(request);
      return new Promise((resolve) => { answer = resolve; });
    };
    adapter.last.refuse();
    await settle();
    assert.equal(client.state, 'connecting');
    client.pause();
    answer({ status: 401, data: { error: { code: 'unauthorized', message: 'invalid token' } } });
    await settle();
    assert.equal(client.state, 'auth');
    client.resume();
    await settle();
    assert.equal(client.state, 'auth');
    assert.equal(adapter.sockets.length, 1);
  });

  test('a token function that has a new token by then: tried again after the backoff, no auth state', async () => {
    let n = 0;
    const { adapter, clock, client } = await setup({ token: () => `${fakeToken(ME)}${n++}` });
    adapter.responses.push({ status: 401, data: {} });
    adapter.last.refuse();
    await settle();
    assert.equal(client.state, 'reconnecting');
    clock.tick(1000);
    await settle();
    assert.equal(adapter.sockets.length, 2);
  });

  test('the token is good (the socket itself was refused: 429, 503): the next try waits at least refusedDelay', async () => {
    const { adapter, client, states } = await setup({ refusedDelay: 5000 });
    adapter.responses.push({ status: 200, data: { countNum: 0, peers: {}, version: 1 } });
    adapter.last.refuse();
    await settle();
    assert.equal(client.state, 'reconnecting');
    assert.ok(states.at(-1).delay >= 5000, `waits ${states.at(-1).delay} ms`);
  });

  test('an adapter that sees the status passes it: a 429 waits its Retry-After', async () => {
    const { adapter, states } = await setup();
    adapter.last.handlers.onError(Object.assign(new Error('429'), { status: 429, retryAfter: 7 }));
    await settle();
    assert.equal(adapter.requests.length, 0, 'no HTTP check needed');
    assert.ok(states.at(-1).delay >= 7000, `waits ${states.at(-1).delay} ms`);
  });

  test('the HTTP check fails too (no network): the usual backoff', async () => {
    const adapter = new FakeAdapter();
    adapter.request = async () => { throw new Error('request:fail'); };
    const { client, states } = await setup({}, adapter);
    adapter.last.refuse();
    await settle();
    assert.equal(client.state, 'reconnecting');
    assert.ok(states.at(-1).delay <= 1000);
  });
});

describe('sockets the platform cuts or keeps', () => {
  test('after a resume, a socket that does not answer a heartbeat within resumeTimeout (2 s) is dropped', async () => {
    const { adapter, clock, client } = await setup();
    const socket = online(adapter);
    adapter.background();
    adapter.foreground();
    assert.equal(socket.frames('heart').length, 1, 'a heartbeat at once');
    clock.tick(1999);
    assert.equal(client.state, 'online');
    clock.tick(1);
    assert.equal(socket.closedWith.code, CloseCode.HEARTBEAT_TIMEOUT);
    assert.equal(client.state, 'reconnecting');
  });

  test('a socket error after open drops the socket with a legal code and reconnects', async () => {
    const { adapter, client } = await setup();
    const socket = online(adapter);
    socket.handlers.onError(new Error('send failed: sendSocketMessage:fail'));
    assert.equal(socket.closedWith.code, CloseCode.SOCKET_ERROR);
    assert.ok(socket.closedWith.code >= 3000 && socket.closedWith.code <= 4999);
    assert.equal(client.state, 'reconnecting');
  });

  test('a close without a code after the server refused bind (forbidden) is the 1008: closed for good', async () => {
    const { adapter, client, errors } = await setup();
    const socket = online(adapter);
    socket.push({ type: 'error', code: 'forbidden', message: 'fromId is not the user', ref: 'bind', retryable: false });
    socket.serverClose(null, '');
    assert.equal(client.state, 'closed');
    assert.equal(errors.at(-1).code, 'forbidden');
  });

  test('any other close without a code reconnects, the state telling code null', async () => {
    const { adapter, client, states } = await setup();
    online(adapter).serverClose(null, '');
    assert.equal(client.state, 'reconnecting');
    assert.equal(states.at(-1).code, null);
    assert.ok(states.at(-1).delay <= 1000);
  });

  test('one socket at a time: a socket the platform still holds is waited for before the next connect', async () => {
    const adapter = new FakeAdapter();
    const connect = adapter.connect.bind(adapter);
    adapter.connect = (url, handlers) => {
      const socket = connect(url, handlers);
      socket.gone = false;
      socket.waiters = [];
      socket.onGone = (fn) => socket.waiters.push(fn);
      socket.letGo = () => {
        socket.gone = true;
        socket.waiters.forEach((fn) => fn());
      };
      return socket;
    };
    const { clock, client } = await setup({ connectTimeout: 1000, lingerTimeout: 60_000 }, adapter);
    clock.tick(1000); // no init: given up, but the platform will not close a socket still connecting
    await settle();
    clock.tick(5000);
    await settle();
    assert.equal(adapter.sockets.length, 1, 'no second socket while the first is held');
    assert.equal(client.state, 'connecting');
    adapter.sockets[0].letGo();
    await settle();
    assert.equal(adapter.sockets.length, 2);
  });

  test('the connect timeout grows after each attempt that timed out, up to maxConnectTimeout', async () => {
    const { clock, adapter } = await setup({ connectTimeout: 15_000, maxConnectTimeout: 60_000, refusedDelay: 0 });
    const timeouts = [];
    for (let i = 0; i < 4; i++) {
      const start = clock.now();
      while (!adapter.last.closedWith) clock.tick(500);
      timeouts.push(clock.now() - start);
      await settle();
      clock.tick(30_000);
      await settle();
    }
    assert.deepEqual(timeouts, [15_000, 30_000, 60_000, 60_000]);
  });

  test('with an adapter that takes the token in a header, the URL carries none', async () => {
    const adapter = new FakeAdapter();
    adapter.tokenInHeader = true;
    const seen = [];
    const connect = adapter.connect.bind(adapter);
    adapter.connect = (url, handlers, options) => {
      seen.push(options);
      return connect(url, handlers);
    };
    await setup({}, adapter);
    assert.equal(adapter.last.url, 'ws://chat.test/ws');
    assert.equal(seen[0].headers.Authorization, `Bearer ${fakeToken(ME)}`);
  });
});

describe('the package', () => {
  const sources = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.js')) sources.push(full);
    }
  };
  walk(path.join(CLIENT, 'src'));

  test('sources in ES2017 syntax, which webpack 4 (uni-app Vue 2) parses without transpileDependencies', () => {
    assert.ok(sources.length >= 7);
    for (const file of sources) {
      assert.doesNotThrow(() => acorn.parse(readFileSync(file, 'utf8'), { ecmaVersion: 2017, sourceType: 'module' }),
        `${path.relative(CLIENT, file)} parses as ES2017`);
    }
  });

  test('miniprogram_dist/index.js is the CommonJS build of the sources (node build/build.mjs), in ES2017 too', () => {
    const file = path.join(CLIENT, 'miniprogram_dist/index.js');
    assert.equal(readFileSync(file, 'utf8'), buildText(), 'up to date: run npm run build');
    assert.deepEqual(staleFiles(), [], 'miniprogram_dist/ holds exactly the build and its CommonJS marker');
    acorn.parse(readFileSync(file, 'utf8'), { ecmaVersion: 2017, sourceType: 'script' });
    const pkg = JSON.parse(readFileSync(path.join(CLIENT, 'package.json'), 'utf8'));
    assert.equal(pkg.miniprogram, 'miniprogram_dist', 'WeChat "build npm" reads this folder');
    assert.ok(pkg.files.includes('miniprogram_dist/'));
    assert.equal(pkg.scripts.prepack, 'node build/build.mjs', 'a packed tarball is built from the sources');
    assert.equal(pkg.main, './miniprogram_dist/index.js');
    assert.equal(pkg.exports['.'].require, './miniprogram_dist/index.js');
  });

  test('the CommonJS build works as required by a native WeChat app', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../../miniprogram_dist/index.js');
    for (const name of ['createClient', 'uniAppAdapter', 'wechatAdapter', 'webSocketAdapter', 'MiniChatError', 'CloseCode']) {
      assert.ok(cjs[name], `exports ${name}`);
    }
    const adapter = new FakeAdapter();
    const client = cjs.createClient({ url: 'ws://chat.test/ws', token: fakeToken(ME), adapter, clock: new FakeClock() });
    await settle();
    adapter.last.open();
    assert.equal(client.state, 'online');
    client.close();
  });

  test('MIGRATION.md shows exactly the app that npm run test:uniapp builds and runs', () => {
    const doc = readFileSync(path.join(CLIENT, 'MIGRATION.md'), 'utf8');
    const blocks = [...doc.matchAll(/<!-- file: ([^ ]+) -->\n```\w+\n([\s\S]*?)```/g)];
    assert.deepEqual(blocks.map((b) => b[1]).sort(),
      ['build-check/app/App.vue', 'build-check/app/chat.js', 'build-check/app/pages/chat/chat.vue']);
    for (const [, file, code] of blocks) {
      assert.equal(code, readFileSync(path.join(CLIENT, file), 'utf8'), `${file} as MIGRATION.md shows it`);
    }
  });
});
