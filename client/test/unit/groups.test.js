/**
 * Groups and the conversation list on a fake socket: group messages through the same inbox as one-to-one ones
 * (one cursor, once each, in order), group sends through the same outbox, group reads, member presence, receipts,
 * and the HTTP routes through the adapter.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MiniChatClient, MiniChatError, systemEvent } from '../../src/index.js';
import { FakeAdapter, FakeClock, fakeToken, groupText, settle, systemText, text } from '../support/fakes.js';

const ME = 7;
const PEER = 8;
const GROUP = 40;
const OTHER_GROUP = 41;

async function setup(options = {}) {
  const clock = new FakeClock();
  const adapter = new FakeAdapter();
  const client = new MiniChatClient({
    url: 'ws://chat.test/ws', token: fakeToken(ME), adapter, clock, random: () => 0.5, ...options,
  });
  const seen = { messages: [], group: [], errors: [], inOrder: [] };
  client.on('message', (m) => {
    seen.messages.push(m);
    seen.inOrder.push(`t${m.id}`);
  });
  client.on('groupMessage', (m) => {
    seen.group.push(m);
    seen.inOrder.push(`g${m.id}`);
  });
  client.on('error', (e) => seen.errors.push(e));
  await settle();
  return { clock, adapter, client, seen };
}

function online(adapter, cursor = 0) {
  const socket = adapter.last;
  socket.open();
  const sync = socket.frames('sync').at(-1);
  socket.push({ type: 'sync', messages: [], cursor: Math.max(cursor, sync?.since ?? 0), has_more: false });
  return socket;
}

/** Drops the socket, waits out the backoff and opens the next one (its first sync not yet answered). */
async function reconnect(adapter, clock) {
  adapter.last.serverClose(1006);
  clock.tick(1000);
  await settle();
  const socket = adapter.last;
  socket.open();
  return socket;
}

describe('group messages in the inbox', () => {
  test('pushed group and one-to-one messages are one stream: cursor order, each to its own event', async () => {
    const { adapter, client, seen } = await setup();
    const socket = online(adapter);
    socket.push(text(1, 1, PEER, ME));
    socket.push(groupText(1, 3, GROUP, PEER)); // early: waits for cursor 2
    assert.deepEqual(seen.inOrder, ['t1']);
    socket.push(groupText(5, 2, OTHER_GROUP, PEER));
    socket.push(text(2, 4, ME, PEER));
    assert.deepEqual(seen.inOrder, ['t1', 'g5', 'g1', 't2'], 'the same id in both kinds is two messages');
    assert.equal(client.cursor, 4);
    assert.deepEqual(seen.group.map((m) => [m.groupId, m.seq, m.outgoing, m.system]),
      [[OTHER_GROUP, 5, false, null], [GROUP, 1, false, null]]);
    assert.ok(seen.messages.every((m) => m.type === 'text'), 'no group message as a one-to-one message');
  });

  test('a sync after a reconnect mixes both kinds; what was pushed as well is delivered once', async () => {
    const { adapter, clock, seen, client } = await setup({ syncLimit: 3 });
    let socket = online(adapter);
    socket.push(groupText(10, 1, GROUP, PEER));
    socket = await reconnect(adapter, clock);
    assert.deepEqual(socket.frames('sync')[0], { type: 'sync', since: 1, limit: 3 });
    socket.push(groupText(12, 4, GROUP, ME)); // live, ahead of the page: waits
    socket.push({
      type: 'sync',
      messages: [groupText(10, 1, GROUP, PEER), text(10, 2, PEER, ME), groupText(11, 3, GROUP, PEER)],
      cursor: 3, has_more: true,
    });
    // the buffered push follows the page at once: the next page starts after it
    assert.deepEqual(socket.frames('sync').at(-1), { type: 'sync', since: 4, limit: 3 });
    socket.push({ type: 'sync', messages: [groupText(12, 4, GROUP, ME), text(11, 5, PEER, ME)], cursor: 5, has_more: false });
    socket.push(text(11, 5, PEER, ME));
    assert.deepEqual(seen.inOrder, ['g10', 't10', 'g11', 'g12', 't11']);
    assert.equal(client.cursor, 5);
    assert.equal(seen.group.at(-1).outgoing, true, 'the user\'s own message from another device');
  });

  test('a gap left by a group message that never came is filled by a sync', async () => {
    const { adapter, clock, seen } = await setup({ gapTimeout: 1000 });
    const socket = online(adapter);
    socket.push(text(1, 1, PEER, ME));
    socket.push(text(2, 3, PEER, ME));
    clock.tick(1000);
    assert.deepEqual(socket.frames('sync').at(-1), { type: 'sync', since: 1, limit: 100 });
    socket.push({ type: 'sync', messages: [groupText(7, 2, GROUP, PEER), text(2, 3, PEER, ME)], cursor: 3, has_more: false });
    assert.deepEqual(seen.inOrder, ['t1', 'g7', 't2']);
  });

  test('system messages carry their parsed membership change', async () => {
    const { adapter, seen } = await setup();
    const socket = online(adapter);
    const changes = [
      { event: 'created', by: PEER, users: [PEER, ME], name: 'Team' },
      { event: 'renamed', by: PEER, users: [], name: 'Team 2' },
      { event: 'joined', by: PEER, users: [9, 10] },
      { event: 'role', by: PEER, users: [ME], role: 'admin' },
      { event: 'left', by: 9, users: [9] },
      { event: 'removed', by: PEER, users: [ME] },
    ];
    changes.forEach((change, i) => socket.push(systemText(i + 1, i + 1, GROUP, change)));
    assert.deepEqual(seen.group.map((m) => m.system), changes);
    assert.ok(seen.group.every((m) => m.kind === 'system' && m.groupId === GROUP));
  });

  test('a system body that is not the documented object is an unknown change, never a throw', () => {
    for (const data of ['not json', '[1,2]', 'null', '{"event":"exploded","by":"x","users":"all"}', '42']) {
      assert.deepEqual(systemEvent(data), { event: 'unknown', by: null, users: [] }, data);
    }
    assert.deepEqual(systemEvent('{"event":"joined","by":"3","users":[4,"5",-1,"x",true]}'),
      { event: 'joined', by: 3, users: [4, 5] });
  });

  test('mentions come through as the server marks them', async () => {
    const { adapter, seen } = await setup();
    const socket = online(adapter);
    socket.push(groupText(1, 1, GROUP, PEER, `hi @${ME}`, { mentioned: true }));
    socket.push(groupText(2, 2, GROUP, PEER, 'hi all'));
    assert.deepEqual(seen.group.map((m) => m.mentioned), [true, false]);
  });
});

describe('sending to a group', () => {
  test('the say frame names the group, with mentions; the ack resolves with the stored message, delivered once', async () => {
    const { adapter, client, seen } = await setup();
    const socket = online(adapter);
    const sent = client.sendToGroup(GROUP, 'hi @8 @9', { mentions: [8, '9', 8], mentionAll: false });
    const [say] = socket.frames('say');
    assert.deepEqual(Object.keys(say).sort(), ['cid', 'data', 'group_id', 'mentions', 'type']);
    assert.deepEqual({ ...say, cid: undefined }, { type: 'say', group_id: GROUP, data: 'hi @8 @9', mentions: [8, 9], cid: undefined });
    socket.push({ type: 'ack', cid: say.cid, group_id: GROUP, id: 300, seq: 12, cursor: 1, created_at: 5 });
    const stored = await sent;
    assert.deepEqual(stored, {
      type: 'group_text', group_id: GROUP, id: 300, seq: 12, cursor: 1, from_id: ME, data: 'hi @8 @9', kind: 'text',
      mentioned: false, is_read: 0, created_at: 5, cid: say.cid,
    });
    // the server's copy for this user's other devices arrives as well: once is enough
    socket.push(groupText(300, 1, GROUP, ME, 'hi @8 @9', { seq: 12, cid: say.cid }));
    assert.deepEqual(seen.group.map((m) => [m.id, m.outgoing, m.cid]), [[300, true, say.cid]]);
    assert.deepEqual(seen.messages, []);
  });

  test('mentionAll is sent as mention_all; no mentions, no field', async () => {
    const { adapter, client } = await setup();
    const socket = online(adapter);
    client.sendToGroup(GROUP, 'everyone', { mentionAll: true });
    client.sendToGroup(GROUP, 'plain');
    const [all, plain] = socket.frames('say');
    assert.equal(all.mention_all, true);
    assert.equal('mentions' in all, false);
    assert.equal('mention_all' in plain, false);
    assert.equal('mentions' in plain, false);
  });

  test('queued while offline with one-to-one sends, in order, in one outbox; retried with the same cid after a drop', async () => {
    const { adapter, clock, client, seen } = await setup({ maxInFlight: 2 });
    const first = client.send(PEER, 'one');
    const second = client.sendToGroup(GROUP, 'two', { cid: 'g-2' });
    const third = client.sendToGroup(OTHER_GROUP, 'three');
    assert.deepEqual(client.pendingSends.map((p) => [p.to, p.groupId, p.text]),
      [[PEER, undefined, 'one'], [undefined, GROUP, 'two'], [undefined, OTHER_GROUP, 'three']]);
    assert.equal(client.pendingSends[1].cid, 'g-2');
    let socket = adapter.last;
    socket.open();
    assert.deepEqual(socket.frames('say').map((f) => f.data), ['one', 'two'], 'maxInFlight counts group sends too');
    socket.push({ type: 'ack', cid: socket.frames('say')[0].cid, id: 1, seq: 1, cursor: 1, created_at: 1 });
    assert.equal((await first).id, 1);
    const thirdCid = socket.frames('say')[2].cid;
    socket = await reconnect(adapter, clock);
    assert.deepEqual(socket.frames('say').map((f) => f.cid), ['g-2', thirdCid]);
    // the first try of g-2 had been stored: the sync brings it, then the retry's ack
    socket.push({ type: 'sync', messages: [groupText(77, 2, GROUP, ME, 'two', { cid: 'g-2' })], cursor: 2, has_more: false });
    socket.push({ type: 'ack', cid: 'g-2', group_id: GROUP, id: 77, seq: 77, cursor: 2, created_at: 9 });
    socket.push({ type: 'ack', cid: thirdCid, group_id: OTHER_GROUP, id: 78, seq: 1, cursor: 3, created_at: 10 });
    assert.equal((await second).id, 77);
    assert.equal((await third).group_id, OTHER_GROUP);
    assert.deepEqual(seen.inOrder, ['t1', 'g77', 'g78']);
    assert.equal(client.pendingSends.length, 0);
  });

  test('the same cid gives the same promise', async () => {
    const { client } = await setup();
    assert.equal(client.sendToGroup(GROUP, 'x', { cid: 'same' }), client.sendToGroup(GROUP, 'x', { cid: 'same' }));
  });

  test('refusals reject with the server\'s code; a retryable one is sent again', async () => {
    const { adapter, clock, client } = await setup({ retryDelay: 1000 });
    const socket = online(adapter);
    const notMember = client.sendToGroup(GROUP, 'let me in');
    const busy = client.sendToGroup(GROUP, 'later');
    const [refused, retried] = socket.frames('say');
    socket.push({ type: 'error', code: 'forbidden', message: 'not a member', ref: refused.cid, retryable: false });
    await assert.rejects(notMember, (e) => e instanceof MiniChatError && e.code === 'forbidden' && e.ref === refused.cid);
    socket.push({ type: 'error', code: 'rate_limited', message: 'slow down', ref: retried.cid, retryable: true, retry_after_ms: 500 });
    clock.tick(1000);
    assert.deepEqual(socket.frames('say').map((f) => f.cid), [refused.cid, retried.cid, retried.cid]);
    socket.push({ type: 'ack', cid: retried.cid, group_id: GROUP, id: 5, seq: 1, cursor: 1, created_at: 1 });
    assert.equal((await busy).id, 5);
  });

  test('bad arguments are refused before anything is sent', async () => {
    const { adapter, client } = await setup({ maxTextLength: 5 });
    const socket = online(adapter);
    await assert.rejects(client.sendToGroup(0, 'x'), { code: 'invalid_field' });
    await assert.rejects(client.sendToGroup('7; DROP', 'x'), { code: 'invalid_field' });
    await assert.rejects(client.sendToGroup(GROUP, ''), { code: 'invalid_field' });
    await assert.rejects(client.sendToGroup(GROUP, '123456'), { code: 'text_too_long' });
    await assert.rejects(client.sendToGroup(GROUP, 'x', { mentions: 8 }), { code: 'invalid_field' });
    await assert.rejects(client.sendToGroup(GROUP, 'x', { mentions: [8, -1] }), { code: 'invalid_field' });
    await assert.rejects(client.sendToGroup(GROUP, 'x', { mentionAll: 'yes' }), { code: 'invalid_field' });
    assert.deepEqual(socket.frames('say'), []);
    client.close();
    await assert.rejects(client.sendToGroup(GROUP, 'x'), { code: 'closed' });
  });
});

describe('group reads, member presence and receipts', () => {
  test('readGroup sends the group read and resolves with the new total; one-to-one reads are told apart', async () => {
    const { adapter, client } = await setup();
    const groupReads = [];
    const reads = [];
    client.on('groupRead', (r) => groupReads.push(r));
    client.on('read', (r) => reads.push(r));
    const socket = online(adapter);
    const all = client.readGroup(GROUP);
    const direct = client.markRead(PEER, 3);
    const upTo = client.readGroup(OTHER_GROUP, 41);
    assert.deepEqual(socket.frames('read'), [
      { type: 'read', group_id: GROUP },
      { type: 'read', peer: PEER, up_to: 3 },
      { type: 'read', group_id: OTHER_GROUP, up_to: 41 },
    ]);
    socket.push({ type: 'read', group_id: OTHER_GROUP, up_to: 41, countNum: 5 });
    socket.push({ type: 'read', peer: PEER, up_to: 3, countNum: 4 });
    socket.push({ type: 'read', group_id: GROUP, up_to: null, countNum: 2 });
    assert.deepEqual(await upTo, { groupId: OTHER_GROUP, upTo: 41, countNum: 5 });
    assert.deepEqual(await direct, { peer: PEER, upTo: 3, countNum: 4 });
    assert.deepEqual(await all, { groupId: GROUP, upTo: null, countNum: 2 });
    assert.deepEqual(groupReads.map((r) => r.groupId), [OTHER_GROUP, GROUP]);
    assert.deepEqual(reads.map((r) => r.peer), [PEER]);
  });

  test('a group read made offline goes out after the bind; one cut by a drop is sent again', async () => {
    const { adapter, clock, client } = await setup();
    const read = client.readGroup(GROUP, 9);
    let socket = adapter.last;
    socket.open();
    assert.deepEqual(socket.frames('read'), [{ type: 'read', group_id: GROUP, up_to: 9 }]);
    socket = await reconnect(adapter, clock);
    assert.deepEqual(socket.frames('read'), [{ type: 'read', group_id: GROUP, up_to: 9 }]);
    socket.push({ type: 'read', group_id: GROUP, up_to: 9, countNum: 0 });
    assert.equal((await read).countNum, 0);
  });

  test('a refused group read rejects; bad arguments never reach the server', async () => {
    const { adapter, client } = await setup();
    const socket = online(adapter);
    const read = client.readGroup(GROUP);
    socket.push({ type: 'error', code: 'forbidden', message: 'not a member', ref: 'read', retryable: false });
    await assert.rejects(read, { code: 'forbidden' });
    await assert.rejects(client.readGroup(-3), { code: 'invalid_field' });
    await assert.rejects(client.readGroup(GROUP, 'soon'), { code: 'invalid_field' });
    assert.equal(socket.frames('read').length, 1);
  });

  test('groupMembersOnline asks with the online frame; the answer resolves every query of the group', async () => {
    const { adapter, client } = await setup();
    const events = [];
    client.on('groupPresence', (p) => events.push(p));
    client.on('presence', (p) => events.push(p));
    const first = client.groupMembersOnline(GROUP);
    const socket = online(adapter);
    const second = client.groupMembersOnline(GROUP);
    assert.deepEqual(socket.frames('online').filter((f) => f.group_id), [
      { type: 'online', group_id: GROUP }, { type: 'online', group_id: GROUP },
    ]);
    socket.push({ type: 'online', group_id: GROUP, members: [{ user_id: PEER, online: true }, { user_id: ME, online: true }, { user_id: 9, online: false }] });
    const expected = { groupId: GROUP, members: [{ userId: PEER, online: true }, { userId: ME, online: true }, { userId: 9, online: false }] };
    assert.deepEqual(await first, expected);
    assert.deepEqual(await second, expected);
    assert.deepEqual(events, [expected], 'a group answer is no user presence');
  });

  test('a member query cut by a drop is asked again; a refusal rejects it; a watch\'s limit does not', async () => {
    const { adapter, clock, client, seen } = await setup();
    let socket = online(adapter);
    const query = client.groupMembersOnline(GROUP);
    socket = await reconnect(adapter, clock);
    assert.deepEqual(socket.frames('online').filter((f) => f.group_id), [{ type: 'online', group_id: GROUP }]);
    socket.push({ type: 'error', code: 'too_many_subscriptions', message: 'watching too many', ref: 'online', retryable: false });
    assert.equal(seen.errors.at(-1).code, 'too_many_subscriptions');
    socket.push({ type: 'error', code: 'forbidden', message: 'members only', ref: 'online', retryable: false });
    await assert.rejects(query, { code: 'forbidden' });
  });

  test('receipts say how many members read each message', async () => {
    const { adapter, client } = await setup();
    const receipts = [];
    client.on('receipts', (r) => receipts.push(r));
    const socket = online(adapter);
    socket.push({ type: 'receipts', group_id: GROUP, reads: [{ seq: 41, count: 3 }, { seq: 42, count: 1 }] });
    assert.deepEqual(receipts, [{ groupId: GROUP, reads: [{ seq: 41, count: 3 }, { seq: 42, count: 1 }] }]);
  });

  test('close() rejects group reads and member queries that wait', async () => {
    const { client } = await setup();
    const read = client.readGroup(GROUP);
    const query = client.groupMembersOnline(GROUP);
    client.close();
    await assert.rejects(read, { code: 'closed' });
    await assert.rejects(query, { code: 'closed' });
    await assert.rejects(client.groupMembersOnline(GROUP), { code: 'closed' });
  });
});

describe('an app that never uses groups', () => {
  test('sees the same frames and the same message events as before', async () => {
    const { adapter, client, seen } = await setup();
    const socket = online(adapter);
    client.openChat(PEER);
    const sent = client.send(PEER, 'hi');
    socket.push({ type: 'ack', cid: socket.frames('say')[0].cid, id: 3, seq: 1, cursor: 1, created_at: 5 });
    await sent;
    socket.push(text(4, 2, PEER, ME, 'yo'));
    assert.deepEqual(socket.types(), ['bind', 'sync', 'online', 'say']);
    assert.deepEqual(socket.frames('say')[0], { type: 'say', from_id: ME, to_id: PEER, data: 'hi', cid: socket.frames('say')[0].cid });
    assert.deepEqual(seen.messages[1], { ...text(4, 2, PEER, ME, 'yo'), outgoing: false, peer: PEER });
    assert.deepEqual(client.pendingSends, []);
    client.send(PEER, 'queued', { cid: 'c-1' });
    assert.deepEqual(client.pendingSends, [{ cid: 'c-1', to: PEER, text: 'queued' }]);
  });
});

describe('HTTP routes for groups and the conversation list', () => {
  const group = { group_id: GROUP, name: 'Team', owner_id: ME, member_count: 3, role: 'owner', last_seq: 4, created_at: 99, dissolved: false };
  const mapped = { groupId: GROUP, name: 'Team', ownerId: ME, memberCount: 3, role: 'owner', lastSeq: 4, createdAt: 99, dissolved: false };

  /** Calls fn with one answer queued and returns [result, the request made]. */
  async function call(fn, answer = { status: 200, data: group }) {
    const { adapter, client } = await setup({ autoStart: false });
    adapter.responses.push(answer);
    const result = await fn(client);
    assert.equal(adapter.requests.length, 1);
    const [request] = adapter.requests;
    assert.equal(request.headers.Authorization, `Bearer ${fakeToken(ME)}`);
    return [result, request];
  }

  test('each group route: its method, path and body, its answer mapped', async () => {
    const cases = [
      [(c) => c.createGroup('Team', [8, '9', 8]), 'POST', '/api/groups', { name: 'Team', members: [8, 9] }],
      [(c) => c.renameGroup(GROUP, 'Team 2'), 'PUT', `/api/groups/${GROUP}`, { name: 'Team 2' }],
      [(c) => c.addMembers(GROUP, [10, 11]), 'POST', `/api/groups/${GROUP}/members`, { user_ids: [10, 11] }],
      [(c) => c.removeMember(GROUP, 10), 'DELETE', `/api/groups/${GROUP}/members/10`, undefined],
      [(c) => c.setMemberRole(GROUP, 10, 'admin'), 'PUT', `/api/groups/${GROUP}/members/10/role`, { role: 'admin' }],
      [(c) => c.leaveGroup(GROUP), 'POST', `/api/groups/${GROUP}/leave`, {}],
      [(c) => c.dissolveGroup(GROUP), 'DELETE', `/api/groups/${GROUP}`, undefined],
    ];
    for (const [fn, method, path, body] of cases) {
      const [result, request] = await call(fn);
      assert.equal(request.method, method, path);
      assert.equal(request.url, `http://chat.test${path}`);
      assert.deepEqual(request.body, body, path);
      assert.deepEqual(result, mapped, path);
    }
    const [none] = await call((c) => c.dissolveGroup(GROUP), { status: 204, data: null });
    assert.equal(none, null);
  });

  test('groups, members and history', async () => {
    const [list, listRequest] = await call((c) => c.groups(), { status: 200, data: { groups: [group] } });
    assert.equal(listRequest.url, 'http://chat.test/api/groups');
    assert.deepEqual(list, [mapped]);

    const [members, membersRequest] = await call((c) => c.groupMembers(GROUP), {
      status: 200,
      data: { group_id: GROUP, members: [{ user_id: ME, role: 'owner', joined_at: 5, online: true }, { user_id: 8, role: 'member', joined_at: 6, online: false }] },
    });
    assert.equal(membersRequest.url, `http://chat.test/api/groups/${GROUP}/members`);
    assert.deepEqual(members, { groupId: GROUP, members: [{ userId: ME, role: 'owner', joinedAt: 5, online: true }, { userId: 8, role: 'member', joinedAt: 6, online: false }] });

    const created = { event: 'created', by: ME, users: [ME, 8], name: 'Team' };
    const [page, pageRequest] = await call((c) => c.groupHistory(GROUP, { before: 20, limit: 10, markRead: false }), {
      status: 200,
      data: { messages: [systemText(1, 1, GROUP, created, { seq: 1 }), groupText(2, 2, GROUP, 8, 'hi', { seq: 2 })], has_more: true },
    });
    assert.equal(pageRequest.url, `http://chat.test/api/groups/${GROUP}/messages?limit=10&mark_read=false&before=20`);
    assert.equal(page.hasMore, true);
    assert.deepEqual(page.messages.map((m) => [m.seq, m.system, m.outgoing]), [[1, created, true], [2, null, false]]);
  });

  test('the conversation list: one-to-one and group entries, their last messages shaped as the events shape them', async () => {
    const [page, request] = await call((c) => c.conversations({ limit: 2, cursor: 'abc=/+' }), {
      status: 200,
      data: {
        conversations: [
          { kind: 'group', id: GROUP, name: 'Team', last: groupText(9, 12, GROUP, 8, 'hi @7', { mentioned: true }), unread: 3, mentions: 1, pinned: true, muted: false, last_active_at: 500 },
          { kind: 'user', id: PEER, name: null, last: text(5, 11, ME, PEER, 'yo'), unread: 0, mentions: 0, pinned: false, muted: true, last_active_at: 400 },
        ],
        next: 'n2',
      },
    });
    assert.equal(request.url, 'http://chat.test/api/conversations?limit=2&cursor=abc%3D%2F%2B');
    assert.equal(page.next, 'n2');
    const [groupEntry, userEntry] = page.conversations;
    assert.deepEqual({ ...groupEntry, last: undefined },
      { kind: 'group', id: GROUP, name: 'Team', last: undefined, unread: 3, mentions: 1, pinned: true, muted: false, lastActiveAt: 500 });
    assert.equal(groupEntry.last.groupId, GROUP);
    assert.equal(groupEntry.last.mentioned, true);
    assert.deepEqual([userEntry.last.peer, userEntry.last.outgoing, userEntry.muted], [PEER, true, true]);
    const [empty] = await call((c) => c.conversations(), { status: 200, data: { conversations: [{ kind: 'user', id: 3, name: null, last: null, unread: 0, mentions: 0, pinned: false, muted: false, last_active_at: 1 }], next: null } });
    assert.equal(empty.conversations[0].last, null);
    assert.equal(empty.next, null);
  });

  test('conversation prefs: pin and mute, only what was given', async () => {
    const [result, request] = await call((c) => c.setConversationPrefs('group', GROUP, { muted: true }), { status: 200, data: { countNum: 2 } });
    assert.equal(request.method, 'PUT');
    assert.equal(request.url, `http://chat.test/api/conversations/group/${GROUP}`);
    assert.deepEqual(request.body, { muted: true });
    assert.deepEqual(result, { countNum: 2 });
    const [, pin] = await call((c) => c.setConversationPrefs('user', PEER, { pinned: true, muted: false }), { status: 200, data: { countNum: 0 } });
    assert.deepEqual(pin.body, { pinned: true, muted: false });
  });

  test('refusals carry the server\'s code and status; bad arguments send nothing', async () => {
    const { adapter, client } = await setup({ autoStart: false });
    adapter.responses.push({ status: 403, data: { error: { code: 'forbidden', message: 'members only' } } });
    await assert.rejects(client.groupMembers(GROUP), (e) => e.code === 'forbidden' && e.status === 403 && !e.retryable);
    adapter.responses.push({ status: 404, data: { error: { code: 'not_found', message: 'no such group' } } });
    await assert.rejects(client.groupHistory(GROUP), (e) => e.code === 'not_found' && e.status === 404);
    adapter.responses.push({ status: 429, data: { error: { code: 'limit_reached', message: 'too many groups' } } });
    await assert.rejects(client.createGroup('more', [8]), { code: 'limit_reached' });
    const requests = adapter.requests.length;
    await assert.rejects(client.addMembers('../../messages', [8]), { code: 'invalid_field' });
    await assert.rejects(client.addMembers(GROUP, '8,9'), { code: 'invalid_field' });
    await assert.rejects(client.removeMember(GROUP, 0), { code: 'invalid_field' });
    await assert.rejects(client.createGroup('x', [1.5]), { code: 'invalid_field' });
    await assert.rejects(client.setConversationPrefs('channel', 1, { pinned: true }), { code: 'invalid_field' });
    await assert.rejects(client.setMemberRole(GROUP, 8, 'owner'), { code: 'invalid_field' });
    await assert.rejects(client.groupHistory(GROUP, { before: 'x' }), { code: 'invalid_field' });
    assert.equal(adapter.requests.length, requests, 'nothing sent for bad arguments');
  });
});
