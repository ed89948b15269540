/**
 * Groups and the conversation list as the app sees them: the server's `group_text` frames and HTTP bodies turned
 * into the objects the client hands out (camelCase where the module names things itself, the frame's own fields
 * kept as the server sent them, as for one-to-one messages).
 */
import { MiniChatError } from './errors.js';

/** What a system message's `data` may say happened; anything else is reported as `unknown`. */
const SYSTEM_EVENTS = ['created', 'renamed', 'joined', 'removed', 'left', 'dissolved', 'role'];

/** One-to-one and group messages have ids of their own: the same number may name one of each. */
export function messageKey(message) {
  return (message.type === 'group_text' ? 'g' : 't') + message.id;
}

export function isGroupMessage(message) {
  return Boolean(message) && message.type === 'group_text';
}

/**
 * A membership change as `{event, by, users, name?, role?}`, parsed from a system message's data. A body that is
 * not the object the protocol describes becomes `{event: 'unknown', by: null, users: []}`: shown, never thrown.
 */
export function systemEvent(data) {
  let parsed = null;
  try {
    parsed = typeof data === 'string' ? JSON.parse(data) : data;
  } catch (ignored) {
    parsed = null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { event: 'unknown', by: null, users: [] };
  const event = SYSTEM_EVENTS.indexOf(parsed.event) >= 0 ? parsed.event : 'unknown';
  const by = isId(parsed.by) ? Number(parsed.by) : null;
  const users = Array.isArray(parsed.users) ? parsed.users.filter(isId).map(Number) : [];
  const result = { event, by, users };
  if (typeof parsed.name === 'string') result.name = parsed.name;
  if (typeof parsed.role === 'string') result.role = parsed.role;
  return result;
}

/** A `group_text` frame as the `groupMessage` event gives it: plus `groupId`, `outgoing` and `system`. */
export function groupMessage(frame, me) {
  const system = frame.kind === 'system';
  return Object.assign({}, frame, {
    type: 'group_text',
    groupId: Number(frame.group_id),
    outgoing: Number(frame.from_id) === me,
    system: system ? systemEvent(frame.data) : null,
  });
}

/** A `text` frame as the `message` event gives it: plus `outgoing` and `peer`. */
export function directMessage(frame, me) {
  const outgoing = Number(frame.from_id) === me;
  return Object.assign({}, frame, { type: 'text', outgoing, peer: outgoing ? Number(frame.to_id) : Number(frame.from_id) });
}

/** The newest message of a conversation, shaped as the events shape it. */
export function anyMessage(frame, me) {
  if (!frame) return null;
  return isGroupMessage(frame) ? groupMessage(frame, me) : directMessage(frame, me);
}

export function groupInfo(body) {
  return {
    groupId: Number(body.group_id),
    name: body.name,
    ownerId: Number(body.owner_id),
    memberCount: Number(body.member_count),
    role: body.role != null ? body.role : null,
    lastSeq: Number(body.last_seq),
    createdAt: Number(body.created_at),
    dissolved: Boolean(body.dissolved),
  };
}

export function groupMembers(body) {
  const members = Array.isArray(body.members) ? body.members : [];
  return {
    groupId: Number(body.group_id),
    members: members.map((member) => ({
      userId: Number(member.user_id),
      role: member.role,
      joinedAt: Number(member.joined_at),
      online: Boolean(member.online),
    })),
  };
}

/** The answer to an `online` frame with a `group_id`. */
export function groupPresence(frame) {
  const members = Array.isArray(frame.members) ? frame.members : [];
  return {
    groupId: Number(frame.group_id),
    members: members.map((member) => ({ userId: Number(member.user_id), online: Boolean(member.online) })),
  };
}

export function groupReceipts(frame) {
  const reads = Array.isArray(frame.reads) ? frame.reads : [];
  return {
    groupId: Number(frame.group_id),
    reads: reads.map((read) => ({ seq: Number(read.seq), count: Number(read.count) })),
  };
}

export function conversationPage(body, me) {
  const conversations = Array.isArray(body.conversations) ? body.conversations : [];
  return {
    conversations: conversations.map((item) => ({
      kind: item.kind,
      id: Number(item.id),
      name: item.name != null ? item.name : null,
      last: anyMessage(item.last, me),
      unread: Number(item.unread) || 0,
      mentions: Number(item.mentions) || 0,
      pinned: Boolean(item.pinned),
      muted: Boolean(item.muted),
      lastActiveAt: Number(item.last_active_at) || 0,
    })),
    next: body.next != null ? body.next : null,
  };
}

function isId(value) {
  const id = Number(value);
  return value !== null && value !== '' && typeof value !== 'boolean' && Number.isSafeInteger(id) && id > 0;
}

/** A positive id (a number or a numeric string), or a MiniChatError `invalid_field` naming the argument. */
export function requireId(value, name) {
  if (!isId(value)) throw new MiniChatError('invalid_field', `${name} must be a positive id`);
  return Number(value);
}

/** Ids given by the app: each a positive id, each once, in the order given. */
export function requireIds(values, name) {
  if (!Array.isArray(values)) throw new MiniChatError('invalid_field', `${name} must be an array of user ids`);
  const ids = [];
  for (const value of values) {
    const id = requireId(value, name);
    if (ids.indexOf(id) < 0) ids.push(id);
  }
  return ids;
}
