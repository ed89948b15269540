import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor } from '../support/server.js';
import { users } from '../support/users.js';

let server;
let signIn;

before(async () => {
  server = await startServer('integration');
  signIn = users(server);
});

after(async () => {
  signIn?.close();
  await server?.stop();
});

/** A started client for the user that records what it is given. */
function user(userId, options = {}) {
  return signIn.connect(userId, options);
}

/** The texts a user was given in the conversation with peer, in the order given. */
function texts(seen, peer) {
  return seen.messages.filter((m) => m.peer === peer).map((m) => m.data);
}

function assertExactlyOnceInOrder(seen, peer, expected) {
  const got = seen.messages.filter((m) => m.peer === peer);
  assert.deepEqual(got.map((m) => m.data), expected, 'every message once, in the order sent');
  assert.equal(new Set(got.map((m) => m.id)).size, got.length, 'no message id twice');
  const seqs = got.map((m) => m.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in conversation order');
}

describe('against the real server', () => {
  test('two users chat: sends are acknowledged with stored ids, each side sees each message once, in order', async () => {
    const alice = await user(1001);
    const bob = await user(1002);
    const expected = Array.from({ length: 10 }, (_, i) => `hello ${i}`);
    const acks = await Promise.all(expected.map((data) => alice.client.send(1002, data)));
    assert.deepEqual(acks.map((a) => a.seq), expected.map((_, i) => i + 1));
    assert.ok(acks.every((a) => a.id > 0 && a.cursor > 0 && a.cid));
    await waitFor(() => texts(bob.seen, 1001).length >= 10, 'bob to get 10 messages');
    assertExactlyOnceInOrder(bob.seen, 1001, expected);
    assertExactlyOnceInOrder(alice.seen, 1002, expected);
    assert.ok(bob.seen.messages.every((m) => m.outgoing === false && m.from_id === 1001));
  });

  test('connections dropped while the other side keeps sending recover with no lost and no doubled message', async () => {
    const alice = await user(1011);
    const bob = await user(1012);
    const expected = [];
    for (let round = 0; round < 3; round++) {
      bob.adapter.drop();
      for (let i = 0; i < 10; i++) {
        const data = `round ${round} message ${i}`;
        expected.push(data);
        await alice.client.send(1012, data);
      }
      await waitFor(() => bob.client.state === 'online', 'bob back online');
    }
    await waitFor(() => texts(bob.seen, 1011).length >= expected.length, `bob to get ${expected.length} messages`);
    await new Promise((resolve) => setTimeout(resolve, 300)); // anything doubled would show by now
    assertExactlyOnceInOrder(bob.seen, 1011, expected);
    assert.ok(bob.seen.states.filter((s) => s === 'reconnecting').length >= 3, 'bob reconnected each time');
  });

  test('a send whose ack was lost with the connection is sent again with the same cid and stored once', async () => {
    const alice = await user(1021);
    const bob = await user(1022);
    alice.adapter.hide = (frame) => frame.type === 'ack';
    const sent = alice.client.send(1022, 'only once please');
    await waitFor(() => texts(bob.seen, 1021).length === 1, 'bob to get the message');
    assert.equal(alice.client.pendingSends.length, 1, 'no ack seen yet');
    alice.adapter.hide = null;
    alice.adapter.drop();
    const ack = await sent;
    assert.equal(alice.client.pendingSends.length, 0);
    assert.ok(ack.id > 0 && ack.cid);
    const page = await bob.client.history(1021, { markRead: false });
    assert.deepEqual(page.messages.map((m) => m.data), ['only once please'], 'stored once');
    assert.equal(page.messages[0].id, ack.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assertExactlyOnceInOrder(bob.seen, 1021, ['only once please']);
    assertExactlyOnceInOrder(alice.seen, 1022, ['only once please']);
  });

  test('sends made while offline wait in the queue and go out, in order, after the reconnect', async () => {
    const alice = await user(1031);
    const bob = await user(1032);
    alice.client.pause();
    alice.adapter.drop();
    await waitFor(() => alice.client.state === 'paused', 'alice paused and offline');
    const sends = ['queued 1', 'queued 2', 'queued 3'].map((data) => alice.client.send(1032, data));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(alice.client.pendingSends.length, 3);
    assert.equal(texts(bob.seen, 1031).length, 0);
    alice.client.resume();
    const acks = await Promise.all(sends);
    assert.deepEqual(acks.map((a) => a.seq), [1, 2, 3]);
    await waitFor(() => texts(bob.seen, 1031).length === 3, 'bob to get 3 messages');
    assertExactlyOnceInOrder(bob.seen, 1031, ['queued 1', 'queued 2', 'queued 3']);
  });

  test('unread counts arrive with growing versions; reading brings them to zero', async () => {
    const alice = await user(1041);
    for (let i = 0; i < 3; i++) await alice.client.send(1042, `unread ${i}`);
    const bob = await user(1042);
    const summary = await bob.client.unread();
    assert.equal(summary.countNum, 3);
    assert.equal(summary.peers['1041'], 3);
    await alice.client.send(1042, 'one more');
    await waitFor(() => bob.seen.unread.some((u) => u.countNum === 4), 'a push of 4 unread');
    const read = await bob.client.markRead(1041);
    assert.equal(read.countNum, 0);
    await waitFor(() => bob.seen.unread.at(-1).countNum === 0, 'a push of 0 unread');
    const versions = bob.seen.unread.map((u) => u.version);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b), 'versions only grow');
    assert.equal(new Set(versions).size, versions.length, 'no version seen twice');
  });

  test('watching a user shows them coming online and going offline', async () => {
    const alice = await user(1051);
    alice.client.watch(1052);
    await waitFor(() => alice.seen.presence.some((p) => p.userId === 1052 && !p.online), 'carol offline at first');
    const carol = await user(1052);
    await waitFor(() => alice.seen.presence.some((p) => p.userId === 1052 && p.online), 'carol online');
    carol.client.close();
    await waitFor(() => alice.seen.presence.at(-1).userId === 1052 && !alice.seen.presence.at(-1).online,
      'carol offline after the grace period');
  });

  test('history pages go back to the first message', async () => {
    const alice = await user(1061);
    const expected = Array.from({ length: 25 }, (_, i) => `page message ${i}`);
    for (const data of expected) await alice.client.send(1062, data);
    const pages = [];
    let before;
    for (;;) {
      const page = await alice.client.history(1062, { before, limit: 10 });
      pages.unshift(...page.messages);
      if (!page.hasMore) break;
      before = page.messages[0].id;
    }
    assert.deepEqual(pages.map((m) => m.data), expected);
  });
});
