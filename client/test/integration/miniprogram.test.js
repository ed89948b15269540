/**
 * The client on the simulated mini-program runtime (test/support/miniprogram.js: WeChat's and uni-app's documented
 * rules, real sockets), against the real server: launch, pictures and files, hide and resume, an expired token, a
 * refused socket, a refused domain, a server restart (1012) and a ban (1008).
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { createClient, uniAppAdapter, wechatAdapter, CloseCode } from '../../src/index.js';
import { createRuntime, rawSocket } from '../support/miniprogram.js';
import { startServer, waitFor } from '../support/server.js';
import { sunset } from '../support/png.js';

const DEV_SECRET = 'minichat-dev-secret-do-not-use-in-production';
const SUSPEND_AFTER = 300;

// one gateway, at most 2 sockets per user: the third is refused with 429 at the upgrade
const SERVER_ENV = { CHAT_GATEWAY_INSTANCES: '1', CHAT_MAX_CONNECTIONS_PER_USER: '2' };

let server;
let standby;
let balancer;
const clients = [];
const runtimes = [];

before(async () => {
  server = await startServer('miniprogram', SERVER_ENV);
  // a second server starts meanwhile: the restart test moves the clients to it through a TCP balancer
  standby = startServer('miniprogram_standby', SERVER_ENV);
  standby.catch(() => {});
  balancer = await tcpBalancer(server.port);
});

after(async () => {
  for (const client of clients) client.close();
  for (const runtime of runtimes) runtime.stop();
  balancer?.close();
  await server?.stop();
  await (await standby.catch(() => null))?.stop();
});

/** A TCP balancer in front of the servers, as an ingress is: new connections go to the current target. */
async function tcpBalancer(port) {
  const open = new Set();
  const proxy = net.createServer((incoming) => {
    const outgoing = net.connect(proxy.target, '127.0.0.1');
    open.add(incoming);
    open.add(outgoing);
    incoming.pipe(outgoing).pipe(incoming);
    const end = () => {
      incoming.destroy();
      outgoing.destroy();
      open.delete(incoming);
      open.delete(outgoing);
    };
    incoming.on('error', end).on('close', end);
    outgoing.on('error', end).on('close', end);
  });
  proxy.target = port;
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${proxy.address().port}`,
    set target(next) {
      proxy.target = next;
    },
    close() {
      for (const socket of open) socket.destroy();
      proxy.close();
    },
  };
}

function host() {
  return new URL(server.base).host;
}

function runtime(options = {}) {
  const made = createRuntime({ allowedHosts: [host()], suspendAfter: SUSPEND_AFTER, ...options });
  runtimes.push(made);
  return made;
}

/** A HS256 token signed like the server's dev profile signs them; `exp` in the past makes it expired. */
function signedToken(userId, { expiresIn = 3600 } = {}) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: String(userId), iat: now - 7200, exp: now + expiresIn })}`;
  return `${body}.${crypto.createHmac('sha256', DEV_SECRET).update(body).digest('base64url')}`;
}

/** A client on the runtime as MIGRATION.md sets it up (uni-app) or as a native WeChat app would (wechat). */
function client(rt, userId, options = {}) {
  const { platform = 'uni', uni = rt.uni, ...rest } = options;
  const made = createClient({
    url: server.wsUrl,
    token: () => server.token(userId),
    adapter: platform === 'uni' ? uniAppAdapter(uni) : wechatAdapter(rt.wx),
    clock: rt.clock,
    reconnect: { initialDelay: 300, maxDelay: 2000 },
    ...rest,
  });
  clients.push(made);
  const seen = { messages: [], states: [], errors: [] };
  made.on('message', (m) => seen.messages.push(m));
  made.on('state', (s) => seen.states.push({ ...s, at: Date.now() }));
  made.on('error', (e) => seen.errors.push(e));
  return { client: made, seen, rt };
}

const online = (c, what) => waitFor(() => c.client.state === 'online', what || 'online');
const texts = (seen, peer) => seen.messages.filter((m) => m.peer === peer).map((m) => m.data);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** No close the platform refused for its code, and never more than one socket at a time for one client. */
function assertPlatformRules(rt) {
  assert.deepEqual(rt.log.filter((line) => /closeSocket:fail The (code|message)/.test(line)), [], 'only legal close codes');
  assert.ok(rt.maxOpen <= 1, `at most one socket at a time (saw ${rt.maxOpen})`);
}

describe('on the simulated mini-program runtime, against the real server', () => {
  test('launch on mp-weixin: uni is handed in (no globalThis.uni), the token goes in a header, two users chat', async () => {
    assert.equal(globalThis.uni, undefined, 'a uni-app mp-weixin build has no global uni');
    assert.throws(() => uniAppAdapter(globalThis.uni), /pass uni, as in uniAppAdapter\(uni\)/);
    assert.throws(() => uniAppAdapter({}), /no connectSocket and request/);
    const a = runtime({ platform: 'uni-mp-weixin' });
    const b = runtime({ platform: 'wechat' });
    const alice = client(a, 3001);
    const bob = client(b, 3002, { platform: 'wechat' });
    await online(alice, 'alice online');
    await online(bob, 'bob online');
    const task = a.tasks[0];
    assert.doesNotMatch(task.url, /token=/, 'no token in the URL');
    assert.match(task.header.Authorization, /^Bearer ey/);
    const ack = await alice.client.send(3002, 'hello from uni-app');
    assert.ok(ack.id > 0);
    await bob.client.send(3001, 'hello from WeChat');
    await waitFor(() => texts(bob.seen, 3001).length === 2 && texts(alice.seen, 3002).length === 2, 'both messages');
    assert.deepEqual(texts(alice.seen, 3002), ['hello from uni-app', 'hello from WeChat']);
    assert.deepEqual(texts(bob.seen, 3001), ['hello from uni-app', 'hello from WeChat']);
    assertPlatformRules(a);
    assertPlatformRules(b);
  });

  test('pictures and files: uni.uploadFile and wx.uploadFile with the real name, one message each, the bytes intact', async () => {
    const a = runtime({ platform: 'uni-mp-weixin' });
    const b = runtime({ platform: 'wechat' });
    const alice = client(a, 3011);
    const bob = client(b, 3012, { platform: 'wechat' });
    await online(alice, 'alice online');
    await online(bob, 'bob online');
    const picture = sunset(300, 200);
    const sent = await alice.client.sendFile(3012, { path: a.tempFile(picture, 'png'), size: picture.length, name: 'dusk.png' });
    assert.deepEqual([sent.kind, sent.file.name, sent.file.width], ['image', 'dusk.png', 300]);
    const notes = Buffer.from('tent, stove, maps');
    const reply = await bob.client.sendFile(3011, b.tempFile(notes, 'txt'), { name: 'packing.txt' });
    assert.deepEqual([reply.kind, reply.file.name], ['file', 'packing.txt']);
    const picked = await waitFor(() => bob.seen.messages.find((m) => m.id === sent.id), 'the picture at bob');
    const file = await waitFor(() => alice.seen.messages.find((m) => m.id === reply.id), 'the file at alice');
    assert.ok(Buffer.from(await (await fetch(picked.file.url)).arrayBuffer()).equals(picture));
    assert.equal(await (await fetch(file.file.url)).text(), notes.toString());
    assert.equal(bob.seen.messages.filter((m) => m.kind === 'image').length, 1, 'one message per picture');
  });

  test('hidden and shown again with the socket kept: stays online, nothing lost', async () => {
    const a = runtime({ platform: 'uni-mp-weixin' });
    const alice = client(a, 3011);
    const bob = client(runtime(), 3012, { platform: 'wechat' });
    await online(alice);
    await online(bob);
    a.hide({ sockets: 'keep' });
    await pause(SUSPEND_AFTER + 200);
    await bob.client.send(3011, 'while hidden');
    a.show();
    await waitFor(() => texts(alice.seen, 3012).includes('while hidden'), 'the message sent while hidden');
    assert.equal(alice.client.state, 'online');
    assert.equal(a.tasks.length, 1, 'the same socket');
    assertPlatformRules(a);
  });

  for (const sockets of ['silent', 'close']) {
    test(`suspended after hiding, the socket cut ${sockets === 'silent' ? 'with no onClose' : 'and onClose on return'}: found within 2 s of resuming, then synced`, async () => {
      const a = runtime({ platform: 'uni-mp-weixin' });
      const alice = client(a, sockets === 'silent' ? 3021 : 3023);
      const peerId = sockets === 'silent' ? 3022 : 3024;
      const bob = client(runtime(), peerId, { platform: 'wechat' });
      await online(alice);
      await online(bob);
      a.hide({ sockets });
      await pause(SUSPEND_AFTER + 200);
      assert.equal(alice.client.state, 'online', 'a suspended app notices nothing');
      await bob.client.send(alice.client.userId, 'sent while suspended');
      const shownAt = Date.now();
      a.show();
      await waitFor(() => alice.seen.states.some((s) => s.at >= shownAt && s.state !== 'online'), 'the dead socket found', 3000);
      const found = alice.seen.states.find((s) => s.at >= shownAt && s.state !== 'online');
      assert.ok(found.at - shownAt <= 2000, `found after ${found.at - shownAt} ms`);
      await online(alice, 'alice back online');
      await waitFor(() => texts(alice.seen, peerId).includes('sent while suspended'), 'the message synced');
      const sent = await alice.client.send(peerId, 'back');
      assert.ok(sent.id > 0);
      assertPlatformRules(a);
    });
  }

  test('uni-app App and H5 have no onAppShow/onAppHide: App onShow/onHide calling resume()/pause() do the same', async () => {
    const a = runtime({ platform: 'uni-mp-weixin' });
    const alice = client(a, 3031, { uni: a.uniWithoutAppEvents() });
    await online(alice);
    const appHooks = { onHide: () => alice.client.pause(), onShow: () => alice.client.resume() };
    a.hide({ sockets: 'silent', appHooks: [appHooks.onHide] });
    await pause(SUSPEND_AFTER + 200);
    const shownAt = Date.now();
    a.show({ appHooks: [appHooks.onShow] });
    await waitFor(() => alice.seen.states.some((s) => s.at >= shownAt && s.state !== 'online'), 'the dead socket found', 3000);
    await online(alice, 'back online');
    assertPlatformRules(a);
  });

  test('an expired token becomes the auth state: one handshake, no retries, until setToken gives a new one', async () => {
    const a = runtime({ platform: 'uni-mp-weixin' });
    const expired = signedToken(3041, { expiresIn: -3600 });
    const alice = client(a, 3041, { token: () => expired }); // the token function only re-reads storage
    await waitFor(() => alice.client.state === 'auth', 'the auth state');
    assert.equal(alice.seen.errors.at(-1).code, 'unauthorized');
    await pause(2000);
    assert.equal(a.log.filter((line) => line === 'handshake refused 401').length, 1, 'one handshake only');
    assert.equal(alice.client.state, 'auth');
    const sent = alice.client.send(3042, 'after a new login');
    alice.client.setToken(signedToken(3041));
    await online(alice, 'online with the new token');
    assert.ok((await sent).id > 0, 'the send queued meanwhile went out');
    assertPlatformRules(a);
  });

  test('a socket refused with 429 (too many sockets) waits before trying again, then connects', async () => {
    const held = [];
    for (let i = 0; i < 2; i++) {
      await new Promise((resolve, reject) => {
        const socket = rawSocket(`${server.wsUrl}?token=${encodeURIComponent(signedToken(3051))}`, {}, {
          open: resolve, message() {}, close() {}, refused: (status) => reject(new Error(`refused ${status}`)), failed: reject,
        });
        held.push(socket);
      });
    }
    const a = runtime({ platform: 'wechat' });
    const alice = client(a, 3051, { platform: 'wechat' });
    await waitFor(() => alice.seen.states.some((s) => s.state === 'reconnecting'), 'a wait after the refusal');
    assert.equal(a.log.filter((line) => line === 'handshake refused 429').length, 1);
    const waiting = alice.seen.states.find((s) => s.state === 'reconnecting');
    assert.ok(waiting.delay >= 5000, `waits at least the server's Retry-After (5 s), not ${waiting.delay} ms`);
    for (const socket of held) socket.close(1000, 'done');
    await pause(200);
    alice.client.reconnect(); // rather than wait the 5 s here
    await online(alice, 'online once sockets are free');
    assert.notEqual(alice.client.state, 'auth');
    assertPlatformRules(a);
  });

  test('a domain not on the list: connectSocket fails at once with its reason, no 10 s timeout; request fails too', async () => {
    const a = runtime({ platform: 'uni-mp-weixin', allowedHosts: ['chat.example.com'] });
    const alice = client(a, 3061);
    const started = Date.now();
    await waitFor(() => alice.seen.errors.length > 0, 'the refusal');
    assert.ok(Date.now() - started < 1000, 'reported at once');
    assert.equal(alice.seen.errors[0].code, 'socket_refused');
    assert.match(alice.seen.errors[0].message, /url not in domain list/);
    assert.equal(alice.client.state, 'reconnecting');
    await assert.rejects(alice.client.history(3062), (e) => e.code === 'network' && /url not in domain list/.test(e.message));
    alice.client.close();
    assert.equal(a.liveSockets, 0);
  });

  test('a socket that never answers the upgrade: the task refuses to close while connecting, no second socket opens meanwhile', async () => {
    const held = [];
    const hole = net.createServer((socket) => held.push(socket)); // accepts and never answers
    await new Promise((resolve) => hole.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${hole.address().port}`;
    // the platform gives up a socket still connecting after its network timeout (shortened here)
    const a = runtime({ platform: 'wechat', allowedHosts: [address], networkTimeout: 1000 });
    const made = createClient({
      url: `ws://${address}/ws`,
      token: signedToken(3071),
      adapter: wechatAdapter(a.wx),
      clock: a.clock,
      connectTimeout: 200,
      reconnect: { initialDelay: 50, maxDelay: 100 },
    });
    clients.push(made);
    await pause(2600);
    made.close();
    assert.ok(a.log.some((line) => /closeSocket:fail WebSocket is not connected/.test(line)), 'the platform refused a close');
    assert.ok(a.tasks.length >= 2, 'it tried again');
    assert.ok(a.maxOpen <= 1, `one socket at a time (saw ${a.maxOpen})`);
    for (const socket of held) socket.destroy();
    hole.close();
  });

  for (const closeDetails of [true, false]) {
    test(`a ban (1008) is final${closeDetails ? '' : ', also when onClose carries no code'}: closed, no reconnect`, async () => {
      const a = runtime({ platform: 'uni-mp-weixin', closeDetails });
      // the bind names another user than the token: the server refuses it with forbidden and closes with 1008
      const mallory = client(a, 3091, { userId: 3092 });
      await waitFor(() => mallory.client.state === 'closed', 'closed');
      assert.ok(mallory.seen.errors.some((e) => e.code === 'forbidden'));
      await pause(800);
      assert.equal(a.tasks.length, 1, 'no second handshake');
      assertPlatformRules(a);
    });
  }
  test('a server restart (1012): every client comes back and chats, also uni-app builds whose onClose has no code', async () => {
    const url = `ws://${balancer.host}/ws`;
    const a = runtime({ platform: 'uni-mp-weixin', allowedHosts: [balancer.host] });
    const old = runtime({ platform: 'uni-mp-weixin', allowedHosts: [balancer.host], closeDetails: false });
    const alice = client(a, 3081, { url, token: () => signedToken(3081) });
    const bob = client(old, 3082, { url, token: () => signedToken(3082) });
    await online(alice);
    await online(bob);
    balancer.target = (await standby).port;
    await server.stop(); // SIGTERM: the gateway closes its sockets with 1012
    await online(alice, 'alice back');
    await online(bob, 'bob back');
    assert.ok(alice.seen.states.some((s) => s.state === 'reconnecting' && s.code === CloseCode.RESTARTING), 'alice saw 1012');
    assert.ok(bob.seen.states.some((s) => s.state === 'reconnecting' && s.code === null), 'bob saw a close with no code');
    await alice.client.send(3082, 'after the restart');
    await waitFor(() => texts(bob.seen, 3081).includes('after the restart'), 'bob gets it');
    assertPlatformRules(a);
    assertPlatformRules(old);
  });
});
