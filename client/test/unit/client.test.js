import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MiniChatClient, MiniChatError, CloseCode } from '../../src/index.js';
import { FakeAdapter, FakeClock, fakeToken, settle, text } from '../support/fakes.js';

const ME = 7;
const PEER = 8;

/** A client on a fake socket and a fake clock; random() is fixed at 0.5 unless given. */
async function setup(options = {}) {
  const clock = new FakeClock();
  const adapter = new FakeAdapter();
  const client = new MiniChatClient({
    url: 'ws://chat.test/ws',
    token: fakeToken(ME),
    adapter,
    clock,
    random: () => 0.5,
    ...options,
  });
  const messages = [];
  const states = [];
  const errors = [];
  client.on('message', (m) => messages.push(m));
  client.on('state', (s) => states.push(s));
  client.on('error', (e) => errors.push(e));
  await settle();
  return { clock, adapter, client, messages, states, errors };
}

/** Opens the adapter's last socket and answers the first sync with an empty page. */
function online(adapter, cursor = 0) {
  const socket = adapter.last;
  socket.open();
  const sync = socket.frames('sync').at(-1);
  socket.push({ type: 'sync', messages: [], cursor: Math.max(cursor, sync?.since ?? 0), has_more: false });
  return socket;
}

describe('connecting', () => {
  test('puts the token in the URL (an adapter without tokenInHeader), binds on init with the token\'s user, then syncs from its cursor', async () => {
    const { adapter, client } = await setup({ cursor: 41 });
    assert.equal(adapter.sockets.length, 1);
    assert.match(adapter.last.url, /^ws:\/\/chat\.test\/ws\?token=/);
    assert.equal(client.state, 'connecting');
    adapter.last.open();
    assert.deepEqual(adapter.last.sent.slice(0, 2), [
      { type: 'bind', fromId: ME },
      { type: 'sync', since: 41, limit: 100 },
    ]);
    assert.equal(client.state, 'online');
  });

  test('a token function is asked again for every connect', async () => {
    let calls = 0;
    const { adapter, clock } = await setup({ token: () => { calls += 1; return fakeToken(ME); } });
    online(adapter).serverClose(1006);
    clock.tick(60_000);
    await settle();
    assert.equal(calls, 2);
    assert.equal(adapter.sockets.length, 2);
  });

  test('a server that never sends init is given up after connectTimeout', async () => {
    const { adapter, clock, client } = await setup({ connectTimeout: 5000 });
    clock.tick(4999);
    assert.equal(adapter.last.closedWith, null);
    clock.tick(1);
    assert.equal(adapter.last.closedWith.code, CloseCode.CONNECT_TIMEOUT);
    await settle(); // the socket never opened: an HTTP call tells a refused token from a network failure
    assert.equal(client.state, 'reconnecting');
  });
});

describe('heartbeat', () => {
  test('sends heart every interval and keeps a socket that answers', async () => {
    const { adapter, clock, client } = await setup({ heartbeatInterval: 25_000, heartbeatTimeout: 10_000 });
    const socket = online(adapter);
    for (let i = 1; i <= 4; i++) {
      clock.tick(25_000);
      assert.equal(socket.frames('heart').length, i);
      socket.push({ type: 'heart' });
    }
    assert.equal(socket.closedWith, null);
    assert.equal(client.state, 'online');
  });

  test('drops a silent server after heartbeatTimeout and reconnects', async () => {
    const { adapter, clock, client } = await setup({ heartbeatInterval: 25_000, heartbeatTimeout: 10_000 });
    const socket = online(adapter);
    clock.tick(25_000);
    assert.equal(socket.frames('heart').length, 1);
    clock.tick(9_999);
    assert.equal(socket.closedWith, null);
    clock.tick(1);
    assert.deepEqual(socket.closedWith.code, CloseCode.HEARTBEAT_TIMEOUT);
    assert.equal(client.state, 'reconnecting');
    clock.tick(1000);
    await settle();
    assert.equal(adapter.sockets.length, 2);
  });

  test('any frame from the server counts as an answer', async () => {
    const { adapter, clock } = await setup({ heartbeatInterval: 25_000, heartbeatTimeout: 10_000 });
    const socket = online(adapter);
    clock.tick(25_000);
    socket.push({ type: 'letters', countNum: 1, version: 3 });
    clock.tick(20_000);
    assert.equal(socket.closedWith, null);
  });
});

describe('reconnecting', () => {
  test('waits exponentially longer after each failed attempt, up to maxDelay, with jitter', async () => {
    const { adapter, clock, states } = await setup({
      random: () => 1, // the top of each window
      reconnect: { initialDelay: 1000, maxDelay: 8000, factor: 2, minDelay: 100 },
    });
    const delays = [];
    for (let i = 0; i < 6; i++) {
      adapter.last.serverClose(1006);
      delays.push(states.at(-1).delay);
      clock.tick(states.at(-1).delay);
      await settle();
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000, 8000]);
    assert.equal(adapter.sockets.length, 7);
  });

  test('starts the backoff over once a connection has synced', async () => {
    const { adapter, clock, states } = await setup({ random: () => 1 });
    adapter.last.serverClose(1006);
    clock.tick(states.at(-1).delay);
    await settle();
    adapter.last.serverClose(1006);
    assert.equal(states.at(-1).delay, 2000);
    clock.tick(2000);
    await settle();
    online(adapter).serverClose(1006);
    assert.equal(states.at(-1).delay, 1000);
  });

  test('reports the countdown: attempt, delay and the time of the next try', async () => {
    const { adapter, clock, states } = await setup();
    clock.tick(500);
    online(adapter).serverClose(1006, 'gone');
    const state = states.at(-1);
    assert.equal(state.state, 'reconnecting');
    assert.equal(state.attempt, 1);
    assert.equal(state.retryAt, 500 + state.delay);
    assert.equal(state.code, 1006);
  });

  test('clients dropped together come back spread out, not in one burst', async () => {
    const starts = [];
    for (let i = 0; i < 200; i++) {
      const { adapter, states } = await setup({ random: Math.random });
      online(adapter).serverClose(CloseCode.RESTARTING);
      starts.push(states.at(-1).delay);
    }
    // window 100..1000 ms: ten 90 ms slices, none may hold more than a quarter of the clients
    const slices = new Array(10).fill(0);
    for (const delay of starts) {
      assert.ok(delay >= 100 && delay <= 1000, `delay ${delay} in the window`);
      slices[Math.min(9, Math.floor((delay - 100) / 90))] += 1;
    }
    assert.ok(Math.max(...slices) < 50, `spread: ${slices}`);
    assert.ok(new Set(starts).size > 100, 'delays differ between clients');
  });

  test('does not reconnect while paused (app in the background); reconnects at once on resume', async () => {
    const { adapter, clock, client } = await setup();
    online(adapter);
    adapter.background();
    assert.equal(client.state, 'online', 'an open socket is kept');
    adapter.last.serverClose(1006);
    assert.equal(client.state, 'paused');
    clock.tick(10 * 60_000);
    await settle();
    assert.equal(adapter.sockets.length, 1, 'no attempts in the background');
    adapter.foreground();
    await settle();
    assert.equal(adapter.sockets.length, 2);
    assert.equal(client.state, 'connecting');
  });

  test('pausing cancels a reconnect that was waiting', async () => {
    const { adapter, clock, client } = await setup();
    online(adapter).serverClose(1006);
    assert.equal(client.state, 'reconnecting');
    client.pause();
    assert.equal(client.state, 'paused');
    clock.tick(60_000);
    await settle();
    assert.equal(adapter.sockets.length, 1);
  });

  test('a 1008 close (impersonation) is final: no reconnect, queued sends rejected', async () => {
    const { adapter, clock, client, errors } = await setup();
    const socket = online(adapter);
    const sent = client.send(PEER, 'hi');
    socket.serverClose(1008, 'fromId does not match the token');
    await assert.rejects(sent, (e) => e instanceof MiniChatError && e.code === 'forbidden');
    assert.equal(client.state, 'closed');
    assert.equal(errors.at(-1).code, 'forbidden');
    clock.tick(60_000);
    await settle();
    assert.equal(adapter.sockets.length, 1);
  });

  test('close() stops everything and rejects what waits', async () => {
    const { adapter, clock, client } = await setup();
    const sent = client.send(PEER, 'never');
    client.close();
    await assert.rejects(sent, { code: 'closed' });
    await assert.rejects(client.send(PEER, 'after'), { code: 'closed' });
    assert.equal(adapter.last.closedWith.code, 1000);
    clock.tick(60_000);
    await settle();
    assert.equal(adapter.sockets.length, 1);
  });
});

describe('exactly once, in order', () => {
  test('live pushes and a sync after a reconnect that overlap are delivered once each, in cursor order', async () => {
    const { adapter, clock, client, messages } = await setup();
    let socket = online(adapter);
    socket.push(text(101, 1, PEER, ME));
    socket.push(text(102, 2, PEER, ME));
    socket.serverClose(1006);
    clock.tick(1000);
    await settle();
    socket = adapter.last;
    socket.open();
    assert.deepEqual(socket.frames('sync')[0], { type: 'sync', since: 2, limit: 100 });
    // the server repeats 2 (say it was pushed twice) and sends 3..4; a live push of 4 arrives as well
    socket.push(text(104, 4, ME, PEER));
    socket.push({ type: 'sync', messages: [text(102, 2, PEER, ME), text(103, 3, PEER, ME), text(104, 4, ME, PEER)], cursor: 4, has_more: false });
    socket.push(text(104, 4, ME, PEER));
    assert.deepEqual(messages.map((m) => m.id), [101, 102, 103, 104]);
    assert.equal(client.cursor, 4);
    assert.equal(messages[3].outgoing, true);
    assert.equal(messages[3].peer, PEER);
  });

  test('a push that arrives early waits for the one before it', async () => {
    const { adapter, messages } = await setup();
    const socket = online(adapter);
    socket.push(text(6, 2, PEER, ME));
    assert.deepEqual(messages, []);
    socket.push(text(5, 1, PEER, ME));
    assert.deepEqual(messages.map((m) => m.id), [5, 6]);
  });

  test('a gap that stays open is filled by a sync from the last cursor', async () => {
    const { adapter, clock, messages } = await setup({ gapTimeout: 1000 });
    const socket = online(adapter);
    socket.push(text(1, 1, PEER, ME));
    socket.push(text(3, 3, PEER, ME));
    assert.equal(socket.frames('sync').length, 1);
    clock.tick(1000);
    assert.deepEqual(socket.frames('sync')[1], { type: 'sync', since: 1, limit: 100 });
    socket.push({ type: 'sync', messages: [text(2, 2, PEER, ME), text(3, 3, PEER, ME)], cursor: 3, has_more: false });
    assert.deepEqual(messages.map((m) => m.id), [1, 2, 3]);
  });

  test('long catch-ups are read page by page', async () => {
    const { adapter, messages, client } = await setup({ syncLimit: 2 });
    const socket = adapter.last;
    socket.open();
    socket.push({ type: 'sync', messages: [text(1, 1, PEER, ME), text(2, 2, PEER, ME)], cursor: 2, has_more: true });
    assert.deepEqual(socket.frames('sync').at(-1), { type: 'sync', since: 2, limit: 2 });
    socket.push({ type: 'sync', messages: [text(3, 3, PEER, ME)], cursor: 3, has_more: false });
    assert.deepEqual(messages.map((m) => m.id), [1, 2, 3]);
    assert.equal(client.cursor, 3);
  });
});

describe('sends', () => {
  test('are queued while offline and sent after bind and sync, with a client id', async () => {
    const { adapter, client } = await setup();
    const first = client.send(PEER, 'one');
    const second = client.send(PEER, 'two');
    assert.equal(client.pendingSends.length, 2);
    const socket = adapter.last;
    socket.open();
    assert.deepEqual(socket.types(), ['bind', 'sync', 'say', 'say']);
    const [a, b] = socket.frames('say');
    assert.equal(a.data, 'one');
    assert.equal(a.to_id, PEER);
    assert.ok(a.cid && a.cid !== b.cid);
    socket.push({ type: 'ack', cid: a.cid, id: 11, seq: 1, cursor: 1, created_at: 5 });
    socket.push({ type: 'ack', cid: b.cid, id: 12, seq: 2, cursor: 2, created_at: 6 });
    assert.equal((await first).id, 11);
    assert.equal((await second).id, 12);
    assert.equal(client.pendingSends.length, 0);
  });

  test('a send not acknowledged before a drop is sent again with the same cid, and shows once', async () => {
    const { adapter, clock, client, messages } = await setup();
    let socket = online(adapter);
    const sent = client.send(PEER, 'hello', { cid: 'c-42' });
    assert.equal(socket.frames('say')[0].cid, 'c-42');
    socket.serverClose(1006);
    clock.tick(1000);
    await settle();
    socket = adapter.last;
    socket.open();
    assert.deepEqual(socket.frames('say').map((f) => f.cid), ['c-42']);
    // the first try had been stored: the sync brings it back, then the ack of the retry
    socket.push({ type: 'sync', messages: [text(50, 1, ME, PEER, 'hello', { cid: 'c-42' })], cursor: 1, has_more: false });
    socket.push({ type: 'ack', cid: 'c-42', id: 50, seq: 1, cursor: 1, created_at: 1050 });
    assert.equal((await sent).id, 50);
    assert.deepEqual(messages.map((m) => [m.id, m.cid]), [[50, 'c-42']]);
  });

  test('sending the same cid twice gives the same promise', async () => {
    const { client } = await setup();
    assert.equal(client.send(PEER, 'x', { cid: 'same' }), client.send(PEER, 'x', { cid: 'same' }));
  });

  test('at most maxInFlight sends wait for an ack; the rest follow in order', async () => {
    const { adapter, client } = await setup({ maxInFlight: 2 });
    const socket = online(adapter);
    for (let i = 0; i < 4; i++) client.send(PEER, `n${i}`);
    assert.deepEqual(socket.frames('say').map((f) => f.data), ['n0', 'n1']);
    socket.push({ type: 'ack', cid: socket.frames('say')[0].cid, id: 1, seq: 1, cursor: 1, created_at: 1 });
    assert.deepEqual(socket.frames('say').map((f) => f.data), ['n0', 'n1', 'n2']);
  });

  test('a refused send is rejected with the server\'s code; a retryable one is tried again', async () => {
    const { adapter, clock, client } = await setup({ retryDelay: 1000 });
    const socket = online(adapter);
    const refused = client.send(PEER, 'bad');
    const retried = client.send(PEER, 'later');
    const [bad, later] = socket.frames('say');
    socket.push({ type: 'error', code: 'invalid_field', message: 'to_id is wrong', ref: bad.cid, retryable: false });
    await assert.rejects(refused, (e) => e instanceof MiniChatError && e.code === 'invalid_field' && e.ref === bad.cid);
    socket.push({ type: 'error', code: 'unavailable', message: 'try again', ref: later.cid, retryable: true });
    clock.tick(999);
    assert.equal(socket.frames('say').length, 2);
    clock.tick(1);
    assert.deepEqual(socket.frames('say').map((f) => f.cid), [bad.cid, later.cid, later.cid]);
    socket.push({ type: 'ack', cid: later.cid, id: 9, seq: 1, cursor: 1, created_at: 1 });
    assert.equal((await retried).id, 9);
  });

  test('refuses bad sends before they reach the server', async () => {
    const { client } = await setup({ maxTextLength: 5 });
    await assert.rejects(client.send(PEER, '123456'), { code: 'text_too_long' });
    await assert.rejects(client.send(PEER, ''), { code: 'invalid_field' });
    await assert.rejects(client.send(0, 'x'), { code: 'invalid_field' });
    await assert.rejects(client.send(ME, 'x'), { code: 'self_message' });
  });
});

describe('unread, presence and reads', () => {
  test('unread counts older than one already seen are ignored', async () => {
    const { adapter, client } = await setup();
    const counts = [];
    client.on('unread', (c) => counts.push(c));
    const socket = online(adapter);
    socket.push({ type: 'letters', countNum: 3, version: 5 });
    socket.push({ type: 'letters', countNum: 2, version: 4 });
    socket.push({ type: 'letters', countNum: 2, version: 5 });
    socket.push({ type: 'letters', countNum: 0, version: 6 });
    adapter.responses.push({ status: 200, data: { countNum: 9, peers: {}, version: 3 } });
    await client.unread();
    assert.deepEqual(counts.map((c) => [c.countNum, c.version]), [[3, 5], [0, 6]]);
  });

  test('watched users and the open chat are subscribed again after a reconnect, the open chat last', async () => {
    const { adapter, clock, client } = await setup();
    let socket = online(adapter);
    client.watch(3);
    client.watch(4);
    client.openChat(PEER);
    assert.deepEqual(socket.frames('online').map((f) => f.to_id), [3, ME, 4, ME, PEER]);
    socket.serverClose(1006);
    clock.tick(1000);
    await settle();
    socket = adapter.last;
    socket.open();
    assert.deepEqual(socket.frames('online').map((f) => f.to_id), [3, 4, PEER]);
    const seen = [];
    client.on('presence', (p) => seen.push(p));
    socket.push({ type: 'online', user_id: 3, online: true, status: '对方在线', last_seen: null });
    socket.push({ type: 'online', user_id: ME, online: true, status: '对方在线', last_seen: null });
    assert.deepEqual(seen.map((p) => [p.userId, p.online]), [[3, true]]);
  });

  test('markRead resolves with the new unread count; queued while offline', async () => {
    const { adapter, client } = await setup();
    const read = client.markRead(PEER, 77);
    const socket = adapter.last;
    socket.open();
    assert.deepEqual(socket.frames('read'), [{ type: 'read', peer: PEER, up_to: 77 }]);
    socket.push({ type: 'read', peer: PEER, up_to: 77, countNum: 4 });
    assert.deepEqual(await read, { peer: PEER, upTo: 77, countNum: 4 });
  });

  test('history and unread go over HTTP with the token as a bearer header', async () => {
    const { adapter, client } = await setup();
    adapter.responses.push({ status: 200, data: { messages: [text(1, 1, PEER, ME)], has_more: true } });
    const page = await client.history(PEER, { before: 10, limit: 5 });
    assert.equal(page.hasMore, true);
    const request = adapter.requests[0];
    assert.equal(request.url, `http://chat.test/api/messages?peer=${PEER}&limit=5&mark_read=true&before=10`);
    assert.equal(request.headers.Authorization, `Bearer ${fakeToken(ME)}`);
    adapter.responses.push({ status: 503, data: { error: { code: 'unavailable', message: 'later' } } });
    await assert.rejects(client.history(PEER), (e) => e.code === 'unavailable' && e.retryable && e.status === 503);
  });
});
