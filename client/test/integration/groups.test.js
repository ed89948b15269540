/**
 * Groups against the real server: created over HTTP, talked in over the socket by members sending at once, caught
 * up by one sync together with one-to-one messages, and closed to a removed member on every device.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { uniAppAdapter, wechatAdapter } from '../../src/index.js';
import { createRuntime } from '../support/miniprogram.js';
import { startServer, waitFor } from '../support/server.js';
import { users } from '../support/users.js';

let server;
let signIn;
const runtimes = [];

before(async () => {
  server = await startServer('groups');
  signIn = users(server);
});

after(async () => {
  signIn?.close();
  for (const runtime of runtimes) runtime.stop();
  await server?.stop();
});

/** What a user was given in one group, in the order given. */
function groupMessages(seen, groupId) {
  return seen.group.filter((m) => m.groupId === groupId);
}

function texts(seen, groupId) {
  return groupMessages(seen, groupId).filter((m) => !m.system).map((m) => m.data);
}

/** Once each, in the group's order, with no gap in the seqs the user holds. */
function assertOnceInOrder(seen, groupId) {
  const got = groupMessages(seen, groupId);
  assert.equal(new Set(got.map((m) => m.id)).size, got.length, 'no message twice');
  const seqs = got.map((m) => m.seq);
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0] + i), 'gapless, in group order');
  return got;
}

/** The user's inbox as one stream: every cursor once, each one more than the last. */
function assertOneInbox(seen) {
  const cursors = seen.inbox.map((m) => m.cursor);
  assert.deepEqual(cursors, Array.from({ length: cursors.length }, (_, i) => cursors[0] + i), 'one dense cursor order');
}

const settleTime = () => new Promise((resolve) => setTimeout(resolve, 300)); // anything doubled or late shows by then

describe('groups against the real server', () => {
  test('members sending at once: each sees every message once, all in the same order, after the creation notice', async () => {
    const [alice, bob, carol] = await Promise.all([2001, 2002, 2003].map((id) => signIn.connect(id)));
    const created = await alice.client.createGroup('Trio', [2002, '2003']);
    assert.equal(created.role, 'owner');
    assert.equal(created.memberCount, 3);
    const perSender = 8;
    const acks = await Promise.all([alice, bob, carol].flatMap((u) =>
      Array.from({ length: perSender }, (_, i) => u.client.sendToGroup(created.groupId, `${u.userId}:${i}`))));
    assert.equal(new Set(acks.map((a) => a.seq)).size, acks.length, 'every message its own seq');
    const total = 3 * perSender;
    for (const u of [alice, bob, carol]) {
      await waitFor(() => texts(u.seen, created.groupId).length >= total, `user ${u.userId} to get ${total} messages`);
    }
    await settleTime();
    const orders = [alice, bob, carol].map((u) => {
      const got = assertOnceInOrder(u.seen, created.groupId);
      assert.equal(got[0].system.event, 'created');
      assert.equal(got[0].system.by, 2001);
      assertOneInbox(u.seen);
      return got.map((m) => m.id);
    });
    assert.deepEqual(orders[1], orders[0], 'bob sees alice\'s order');
    assert.deepEqual(orders[2], orders[0], 'carol sees alice\'s order');
    for (const u of [alice, bob, carol]) {
      const mine = texts(u.seen, created.groupId).filter((t) => t.startsWith(`${u.userId}:`));
      assert.deepEqual(mine, Array.from({ length: perSender }, (_, i) => `${u.userId}:${i}`), 'each sender\'s own order kept');
      assert.ok(groupMessages(u.seen, created.groupId).filter((m) => m.data.startsWith(`${u.userId}:`)).every((m) => m.outgoing));
    }
    const history = await carol.client.groupHistory(created.groupId, { limit: 100, markRead: false });
    assert.deepEqual(history.messages.map((m) => m.id), orders[0], 'the history holds the same messages');
  });

  test('one sync after a drop catches up group and one-to-one messages together, once each, in inbox order', async () => {
    const [alice, bob] = await Promise.all([2011, 2012].map((id) => signIn.connect(id)));
    const { groupId } = await alice.client.createGroup('Catch-up', [2012]);
    await waitFor(() => groupMessages(bob.seen, groupId).length === 1, 'bob to get the creation notice');
    bob.client.pause();
    bob.adapter.drop();
    await waitFor(() => bob.client.state === 'paused', 'bob offline');
    const expected = [];
    for (let i = 0; i < 15; i++) {
      if (i % 3 === 0) {
        await alice.client.send(2012, `direct ${i}`);
        expected.push(`direct ${i}`);
      } else {
        await alice.client.sendToGroup(groupId, `group ${i}`);
        expected.push(`group ${i}`);
      }
    }
    bob.client.resume();
    await waitFor(() => bob.seen.inbox.length >= 1 + expected.length, 'bob to catch up');
    await settleTime();
    assert.deepEqual(bob.seen.inbox.slice(1).map((m) => m.data), expected, 'every message once, in the order sent');
    assertOneInbox(bob.seen);
    assertOnceInOrder(bob.seen, groupId);
    assert.ok(bob.seen.messages.every((m) => m.type === 'text' && m.peer === 2011));
  });

  test('a removed member gets the removal last, on every device, and nothing after it', async () => {
    const [alice, carol] = await Promise.all([2021, 2023].map((id) => signIn.connect(id)));
    const bobPhone = await signIn.connect(2022);
    const bobLaptop = await signIn.connect(2022);
    const { groupId } = await alice.client.createGroup('Shrinking', [2022, 2023]);
    await alice.client.sendToGroup(groupId, 'before');
    const bobs = [bobPhone, bobLaptop];
    for (const bob of bobs) await waitFor(() => texts(bob.seen, groupId).includes('before'), 'bob to get "before"');

    // carol's sends race the removal: those stored before it reach bob, none stored after it does
    const racing = Array.from({ length: 10 }, (_, i) => carol.client.sendToGroup(groupId, `carol ${i}`));
    const removal = await alice.client.removeMember(groupId, 2022);
    assert.equal(removal.memberCount, 2);
    const raced = await Promise.all(racing);
    for (let i = 0; i < 5; i++) await alice.client.sendToGroup(groupId, `after ${i}`);
    await waitFor(() => texts(carol.seen, groupId).length === 16, 'carol to get every message');
    const removedAt = groupMessages(carol.seen, groupId).find((m) => m.system?.event === 'removed').seq;
    const beforeRemoval = ['before', ...raced.filter((m) => m.seq < removedAt).map((m) => m.data)];
    await settleTime();
    for (const bob of bobs) {
      const got = assertOnceInOrder(bob.seen, groupId);
      assert.deepEqual(got.at(-1).system, { event: 'removed', by: 2021, users: [2022] }, 'the removal comes last');
      assert.equal(got.at(-1).seq, removedAt);
      assert.deepEqual(texts(bob.seen, groupId), beforeRemoval, 'what was stored before the removal, nothing after');
    }
    await assert.rejects(bobPhone.client.sendToGroup(groupId, 'let me back in'), { code: 'forbidden' });
    await assert.rejects(bobPhone.client.groupMembers(groupId), (e) => e.code === 'forbidden' && e.status === 403);
    await assert.rejects(bobPhone.client.groupMembersOnline(groupId), { code: 'forbidden' });
    await settleTime();
    for (const bob of bobs) assert.deepEqual(texts(bob.seen, groupId), beforeRemoval, 'nothing after, refused sends included');
    const { members } = await alice.client.groupMembers(groupId);
    assert.deepEqual(members.map((m) => m.userId).sort(), [2021, 2023]);
  });

  test('reads, receipts, member presence and mentions', async () => {
    const [alice, bob, carol] = await Promise.all([2031, 2032, 2033].map((id) => signIn.connect(id)));
    const { groupId } = await alice.client.createGroup('Readers', [2032, 2033]);
    const online = await alice.client.groupMembersOnline(groupId);
    assert.deepEqual(online.members.map((m) => [m.userId, m.online]).sort(), [[2031, true], [2032, true], [2033, true]]);

    const sent = await alice.client.sendToGroup(groupId, 'hi @2032', { mentions: [2032] });
    await waitFor(() => texts(bob.seen, groupId).length === 1 && texts(carol.seen, groupId).length === 1, 'both to get it');
    assert.equal(groupMessages(bob.seen, groupId).at(-1).mentioned, true);
    assert.equal(groupMessages(carol.seen, groupId).at(-1).mentioned, false);
    await assert.rejects(bob.client.sendToGroup(groupId, '@all listen', { mentionAll: true }), { code: 'forbidden' });

    const listed = await bob.client.conversations();
    const entry = listed.conversations.find((c) => c.kind === 'group' && c.id === groupId);
    assert.deepEqual([entry.name, entry.unread, entry.mentions, entry.last.id], ['Readers', 1, 1, sent.id]);

    const bobRead = await bob.client.readGroup(groupId, sent.seq);
    assert.equal(bobRead.countNum, 0);
    await waitFor(() => alice.seen.receipts.some((r) => r.groupId === groupId && r.reads.some((x) => x.seq === sent.seq && x.count === 1)),
      'alice to be told one member read it');
    await carol.client.readGroup(groupId);
    await waitFor(() => alice.seen.receipts.some((r) => r.reads.some((x) => x.seq === sent.seq && x.count === 2)),
      'alice to be told both members read it');
    const after = await bob.client.conversations();
    const read = after.conversations.find((c) => c.kind === 'group' && c.id === groupId);
    assert.deepEqual([read.unread, read.mentions], [0, 0]);
  });

  test('the conversation list: both kinds, pinned first; a muted group keeps its count but leaves the total', async () => {
    const [alice, bob] = await Promise.all([2041, 2042].map((id) => signIn.connect(id)));
    const { groupId } = await alice.client.createGroup('Noisy', [2042]);
    await alice.client.sendToGroup(groupId, 'group 1');
    await alice.client.sendToGroup(groupId, 'group 2');
    await alice.client.send(2042, 'direct');
    await waitFor(() => bob.seen.inbox.length === 4, 'bob to get everything');
    let page = await bob.client.conversations();
    assert.deepEqual(page.conversations.map((c) => [c.kind, c.id, c.unread]), [['user', 2041, 1], ['group', groupId, 2]],
      'newest activity first');
    const muted = await bob.client.setConversationPrefs('group', groupId, { muted: true });
    assert.equal(muted.countNum, 1, 'the total leaves the muted group out');
    await bob.client.setConversationPrefs('group', groupId, { pinned: true });
    page = await bob.client.conversations({ limit: 1 });
    assert.deepEqual(page.conversations.map((c) => [c.kind, c.id, c.unread, c.pinned, c.muted]), [['group', groupId, 2, true, true]]);
    assert.notEqual(page.next, null);
    const rest = await bob.client.conversations({ limit: 1, cursor: page.next });
    assert.deepEqual(rest.conversations.map((c) => [c.kind, c.id]), [['user', 2041]]);
    assert.equal(rest.next, null);
    const summary = await bob.client.unread();
    assert.equal(summary.countNum, 1);
  });

  test('on the simulated WeChat and uni-app runtimes: the group routes go through the platform\'s request, messages through its socket', async () => {
    const host = new URL(server.base).host;
    const [wechat, uniApp] = ['wechat', 'uni-mp-weixin'].map((platform) => createRuntime({ allowedHosts: [host], platform }));
    runtimes.push(wechat, uniApp);
    const alice = await signIn.connect(2051, { adapter: wechatAdapter(wechat.wx), clock: wechat.clock });
    const bob = await signIn.connect(2052, { adapter: uniAppAdapter(uniApp.uni), clock: uniApp.clock });
    const { groupId } = await alice.client.createGroup('Mini', [2052]);
    await alice.client.sendToGroup(groupId, 'from WeChat', { mentions: [2052] });
    await bob.client.sendToGroup(groupId, 'from uni-app');
    for (const u of [alice, bob]) {
      await waitFor(() => texts(u.seen, groupId).length === 2, `user ${u.userId} to get both`);
      assert.deepEqual(texts(u.seen, groupId), ['from WeChat', 'from uni-app']);
    }
    const listed = await bob.client.conversations();
    assert.deepEqual(listed.conversations.map((c) => [c.kind, c.id, c.mentions]), [['group', groupId, 1]]);
    assert.equal((await bob.client.setConversationPrefs('group', groupId, { pinned: true })).countNum, 1);
    assert.deepEqual((await bob.client.groupMembers(groupId)).members.map((m) => m.role).sort(), ['member', 'owner']);
    const history = await bob.client.groupHistory(groupId, { limit: 10 });
    assert.deepEqual(history.messages.filter((m) => !m.system).map((m) => m.data), ['from WeChat', 'from uni-app']);
    await alice.client.addMembers(groupId, [2053]);
    const shrunk = await alice.client.removeMember(groupId, 2053);
    assert.equal(shrunk.memberCount, 2);
    const left = await bob.client.leaveGroup(groupId);
    assert.equal(left.memberCount, 1);
    await waitFor(() => groupMessages(alice.seen, groupId).at(-1).system?.event === 'left', 'alice to see bob leave');
  });
});
