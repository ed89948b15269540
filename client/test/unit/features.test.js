import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MiniChatClient, MiniChatError } from '../../src/index.js';
import { FakeAdapter, FakeClock, fakeToken, settle, text } from '../support/fakes.js';

const ME = 7;
const PEER = 8;

async function setup(options = {}) {
  const clock = new FakeClock();
  const adapter = new FakeAdapter();
  const client = new MiniChatClient({ url: 'ws://chat.test/ws', token: fakeToken(ME), adapter, clock, random: () => 0.5, ...options });
  const events = [];
  for (const name of ['message', 'receipt', 'read', 'recall', 'deleted', 'typing', 'error']) {
    client.on(name, (payload) => events.push([name, payload]));
  }
  await settle();
  return { clock, adapter, client, events };
}

function online(adapter) {
  const socket = adapter.last;
  socket.open();
  socket.push({ type: 'sync', messages: [], cursor: 0, has_more: false });
  return socket;
}

const named = (events, name) => events.filter(([n]) => n === name).map(([, payload]) => payload);

describe('read receipts', () => {
  test('a read push with `by` is a receipt, never the answer to our own read', async () => {
    const { adapter, client, events } = await setup();
    const socket = online(adapter);
    const ownRead = client.markRead(PEER);
    socket.push({ type: 'read', by: PEER, peer: PEER, up_to: 41, seq: 3 });
    assert.deepEqual(named(events, 'receipt'), [{ peer: PEER, upTo: 41, seq: 3 }]);
    assert.deepEqual(named(events, 'read'), []);
    socket.push({ type: 'read', peer: PEER, up_to: null, countNum: 0 });
    assert.deepEqual(await ownRead, { peer: PEER, upTo: null, countNum: 0 });
    assert.equal(named(events, 'receipt').length, 1);
  });
});

describe('recall and delete', () => {
  test('a recall is an event, and a recalled message arriving later shows recalled, without its file', async () => {
    const { adapter, events } = await setup();
    const socket = online(adapter);
    socket.push({ type: 'recall', id: 5, peer: PEER, seq: 2, from_id: PEER });
    assert.deepEqual(named(events, 'recall'), [{ id: 5, peer: PEER, seq: 2, fromId: PEER }]);
    socket.push(text(5, 1, PEER, ME, '[图片] http://x', { kind: 'image', file: { id: 'f1', url: 'http://x' } }));
    const [message] = named(events, 'message');
    assert.equal(message.kind, 'recalled');
    assert.equal(message.data, '[消息已撤回]');
    assert.equal(message.file, undefined);
  });

  test('a picture message keeps its kind and file', async () => {
    const { adapter, events } = await setup();
    const socket = online(adapter);
    const file = { id: 'f2', name: 'a.png', mime: 'image/png', size: 9, width: 4, height: 3, url: 'http://u', thumb_url: 'http://t' };
    socket.push(text(6, 1, PEER, ME, '[图片] http://u', { kind: 'image', file }));
    const [message] = named(events, 'message');
    assert.equal(message.kind, 'image');
    assert.deepEqual(message.file, file);
  });

  test('deleted pushes are events; recall and deleteForMe call their routes and map the answers', async () => {
    const { adapter, client, events } = await setup({ autoStart: false });
    adapter.responses.push({ status: 200, data: { id: 9, peer: PEER, seq: 4, recalled: true } });
    assert.deepEqual(await client.recall(9), { id: 9, peer: PEER, seq: 4 });
    adapter.responses.push({ status: 200, data: { id: 9, peer: PEER, seq: 4, deleted: true } });
    assert.deepEqual(await client.deleteForMe('9'), { id: 9, peer: PEER, seq: 4 });
    assert.deepEqual(adapter.requests.map(({ method, url }) => [method, url]), [
      ['POST', 'http://chat.test/api/messages/9/recall'],
      ['DELETE', 'http://chat.test/api/messages/9'],
    ]);
    assert.equal(adapter.requests[0].headers.Authorization, `Bearer ${fakeToken(ME)}`);
    adapter.responses.push({ status: 403, data: { error: { code: 'recall_expired', message: 'too late' } } });
    await assert.rejects(client.recall(9), (e) => e instanceof MiniChatError && e.code === 'recall_expired');
    await assert.rejects(client.recall('x'), (e) => e instanceof MiniChatError && e.code === 'invalid_field');
    assert.equal(named(events, 'deleted').length, 0);
  });

  test('a deleted push names the message', async () => {
    const { adapter, events } = await setup();
    online(adapter).push({ type: 'deleted', id: 3, peer: PEER, seq: 1 });
    assert.deepEqual(named(events, 'deleted'), [{ id: 3, peer: PEER, seq: 1 }]);
  });
});

describe('typing', () => {
  test('sends at most one typing frame per peer per 2 s, none while offline', async () => {
    const { adapter, client, clock } = await setup();
    assert.equal(client.typing(PEER), false); // not online yet
    const socket = online(adapter);
    assert.equal(client.typing(PEER), true);
    assert.equal(client.typing(PEER), false);
    assert.equal(client.typing(9), true);
    clock.tick(1999);
    assert.equal(client.typing(PEER), false);
    clock.tick(1);
    assert.equal(client.typing(PEER), true);
    assert.deepEqual(socket.frames('typing'), [
      { type: 'typing', to_id: PEER }, { type: 'typing', to_id: 9 }, { type: 'typing', to_id: PEER },
    ]);
  });

  test('shows until it expires, is renewed, or a message from the typist arrives', async () => {
    const { adapter, clock, events } = await setup();
    const socket = online(adapter);
    socket.push({ type: 'typing', from_id: PEER, expires_ms: 5000 });
    assert.deepEqual(named(events, 'typing'), [{ from: PEER, typing: true, expiresMs: 5000 }]);
    clock.tick(4000);
    socket.push({ type: 'typing', from_id: PEER, expires_ms: 5000 }); // renewed: no second "typing" event
    clock.tick(4000);
    assert.equal(named(events, 'typing').length, 1);
    clock.tick(1000);
    assert.deepEqual(named(events, 'typing').at(-1), { from: PEER, typing: false });

    socket.push({ type: 'typing', from_id: PEER, expires_ms: 5000 });
    socket.push(text(1, 1, PEER, ME, 'hello'));
    assert.deepEqual(named(events, 'typing').slice(-2), [{ from: PEER, typing: true, expiresMs: 5000 }, { from: PEER, typing: false }]);
    clock.tick(10_000);
    assert.equal(named(events, 'typing').length, 4); // the expiry after the message fires nothing more
  });
});
