/* minichat-client 0.1.0: CommonJS build of src/ (node build/build.mjs); do not edit */
'use strict';
var modules = {};
// ---- src/emitter.js
modules["emitter.js"] = (function (exports) {
/**
 * A minimal event emitter: `on` returns a function that removes the listener. A listener that throws does not stop
 * the others nor the client; its error is printed.
 */
class Emitter {
  constructor() {
    this._listeners = new Map();
  }

  on(event, listener) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(listener);
    return () => this.off(event, listener);
  }

  once(event, listener) {
    const off = this.on(event, (...args) => {
      off();
      listener(...args);
    });
    return off;
  }

  off(event, listener) {
    const listeners = this._listeners.get(event);
    if (listeners) listeners.delete(listener);
  }

  emit(event, payload) {
    const listeners = this._listeners.get(event);
    if (!listeners || listeners.size === 0) return false;
    for (const listener of [...listeners]) {
      try {
        listener(payload);
      } catch (error) {
        console.error(`minichat: a '${event}' listener threw`, error);
      }
    }
    return true;
  }
}
  exports.Emitter = Emitter;
  return exports;
})({});

// ---- src/errors.js
modules["errors.js"] = (function (exports) {
/**
 * An error of the chat: `code` is the server's error code (`invalid_field`, `unavailable`, …) or one of the client's
 * own (`closed`, `forbidden`, `timeout`, `unauthorized`, `socket`, `socket_refused`, `http_<status>`); `retryable` says whether the same request may succeed later.
 */
class MiniChatError extends Error {
  constructor(code, message, options) {
    super(message);
    const { ref = null, retryable = false, status = null } = options || {};
    this.name = 'MiniChatError';
    this.code = code;
    this.ref = ref;
    this.retryable = retryable;
    this.status = status;
  }

  /** From a server `error` frame. */
  static fromFrame(frame) {
    return new MiniChatError(frame.code || 'internal', frame.message || 'refused by the server', {
      ref: frame.ref != null ? frame.ref : null,
      retryable: Boolean(frame.retryable),
    });
  }
}
  exports.MiniChatError = MiniChatError;
  return exports;
})({});

// ---- src/backoff.js
modules["backoff.js"] = (function (exports) {
/**
 * Reconnect delays: exponential growth with "full jitter". Attempt n waits a random time between `minDelay` and
 * min(maxDelay, initialDelay * factor^n), so that clients dropped at the same moment (a gateway restart) come back
 * spread over the whole window instead of all at once.
 */
const DEFAULT_BACKOFF = Object.freeze({ initialDelay: 1000, maxDelay: 30000, factor: 2, minDelay: 100 });

function backoffDelay(attempt, options = {}, random = Math.random) {
  const { initialDelay, maxDelay, factor, minDelay } = Object.assign({}, DEFAULT_BACKOFF, options);
  const cap = Math.min(maxDelay, initialDelay * Math.pow(factor, Math.max(0, attempt)));
  const floor = Math.min(minDelay, cap);
  return Math.round(floor + random() * (cap - floor));
}
  exports.DEFAULT_BACKOFF = DEFAULT_BACKOFF;
  exports.backoffDelay = backoffDelay;
  return exports;
})({});

// ---- src/files.js
modules["files.js"] = (function (exports) {
/**
 * Pictures and files as the app sees them: what `uploadFile` and `fileLink` resolve with (camelCase, as the module
 * names things itself), and the sender's own copy of a picture or file message, shaped as the server's `text`
 * frame carries it (`kind`, `data`, `file` with the frame's own field names).
 */
const { MiniChatError } = modules["errors.js"];

/** The server's default upload limit (CHAT_MAX_FILE_BYTES): a larger file is refused before a byte is sent. */
const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;

/** The answer to `POST /api/files`. */
function uploadInfo(body) {
  const upload = {
    id: String(body.id),
    kind: body.kind === 'image' ? 'image' : 'file',
    name: body.name,
    mime: body.mime,
    size: Number(body.size),
    url: body.url,
  };
  if (body.width != null) upload.width = Number(body.width);
  if (body.height != null) upload.height = Number(body.height);
  if (body.thumb_url != null) upload.thumbUrl = body.thumb_url;
  return upload;
}

/** The answer to `GET /api/files/<id>/link`. */
function fileLinkInfo(body) {
  const link = { url: body.url, expiresAt: Number(body.expires_at) };
  if (body.thumb_url != null) link.thumbUrl = body.thumb_url;
  return link;
}

/** An upload as a message's `file`, in the frame's own field names. */
function messageFile(upload) {
  const file = { id: upload.id, name: upload.name, mime: upload.mime, size: upload.size, url: upload.url };
  if (upload.kind === 'image') {
    file.width = upload.width;
    file.height = upload.height;
    file.thumb_url = upload.thumbUrl;
  }
  return file;
}

/** What a text-only client shows of a picture or file message: the server's placeholder with the link. */
function placeholder(upload) {
  return upload.kind === 'image' ? `[图片] ${upload.url}` : `[文件] ${upload.name} ${upload.url}`;
}

/**
 * What the app passed as a file, whatever the platform gives: a mini-program temporary path (a string), an entry
 * of `tempFiles` from chooseImage / chooseMedia / chooseMessageFile (`{path | tempFilePath, size, name?}`), or a
 * Blob / File / bytes in browsers and Node. `name` is the original file name when it is known.
 */
function describeFile(file, name) {
  if (file == null) throw new MiniChatError('invalid_field', 'file is required');
  if (typeof file === 'string') {
    if (!file) throw new MiniChatError('invalid_field', 'file must not be an empty path');
    return { file, name: name || null, size: null };
  }
  if (typeof file !== 'object') throw new MiniChatError('invalid_field', 'file must be a path, a chosen file, a Blob or bytes');
  const given = name || (typeof file.name === 'string' && file.name ? file.name : null);
  // a Blob is sent as it is, even where the platform adds a `path` to it (Electron's File)
  const path = isBlob(file) ? null
    : typeof file.tempFilePath === 'string' ? file.tempFilePath : typeof file.path === 'string' ? file.path : null;
  const size = Number.isFinite(Number(file.size)) && file.size != null ? Number(file.size)
    : Number.isFinite(file.byteLength) ? file.byteLength : null;
  return { file: path != null ? path : file, name: given, size };
}

function isBlob(value) {
  return typeof Blob === 'function' && value instanceof Blob;
}

/** Refuses what the server would refuse anyway, before any byte leaves: an empty file, or one over the limit. */
function checkFileSize(size, maxBytes) {
  if (size == null) return null;
  if (size === 0) return new MiniChatError('invalid_field', 'the file is empty');
  if (size > maxBytes) return new MiniChatError('too_large', `a file may have at most ${maxBytes} bytes`, { status: 413 });
  return null;
}
  exports.DEFAULT_MAX_FILE_BYTES = DEFAULT_MAX_FILE_BYTES;
  exports.uploadInfo = uploadInfo;
  exports.fileLinkInfo = fileLinkInfo;
  exports.messageFile = messageFile;
  exports.placeholder = placeholder;
  exports.describeFile = describeFile;
  exports.checkFileSize = checkFileSize;
  return exports;
})({});

// ---- src/groups.js
modules["groups.js"] = (function (exports) {
/**
 * Groups and the conversation list as the app sees them: the server's `group_text` frames and HTTP bodies turned
 * into the objects the client hands out (camelCase where the module names things itself, the frame's own fields
 * kept as the server sent them, as for one-to-one messages).
 */
const { MiniChatError } = modules["errors.js"];

/** What a system message's `data` may say happened; anything else is reported as `unknown`. */
const SYSTEM_EVENTS = ['created', 'renamed', 'joined', 'removed', 'left', 'dissolved', 'role'];

/** One-to-one and group messages have ids of their own: the same number may name one of each. */
function messageKey(message) {
  return (message.type === 'group_text' ? 'g' : 't') + message.id;
}

function isGroupMessage(message) {
  return Boolean(message) && message.type === 'group_text';
}

/**
 * A membership change as `{event, by, users, name?, role?}`, parsed from a system message's data. A body that is
 * not the object the protocol describes becomes `{event: 'unknown', by: null, users: []}`: shown, never thrown.
 */
function systemEvent(data) {
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
function groupMessage(frame, me) {
  const system = frame.kind === 'system';
  return Object.assign({}, frame, {
    type: 'group_text',
    groupId: Number(frame.group_id),
    outgoing: Number(frame.from_id) === me,
    system: system ? systemEvent(frame.data) : null,
  });
}

/** A `text` frame as the `message` event gives it: plus `outgoing` and `peer`. */
function directMessage(frame, me) {
  const outgoing = Number(frame.from_id) === me;
  return Object.assign({}, frame, { type: 'text', outgoing, peer: outgoing ? Number(frame.to_id) : Number(frame.from_id) });
}

/** The newest message of a conversation, shaped as the events shape it. */
function anyMessage(frame, me) {
  if (!frame) return null;
  return isGroupMessage(frame) ? groupMessage(frame, me) : directMessage(frame, me);
}

function groupInfo(body) {
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

function groupMembers(body) {
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
function groupPresence(frame) {
  const members = Array.isArray(frame.members) ? frame.members : [];
  return {
    groupId: Number(frame.group_id),
    members: members.map((member) => ({ userId: Number(member.user_id), online: Boolean(member.online) })),
  };
}

function groupReceipts(frame) {
  const reads = Array.isArray(frame.reads) ? frame.reads : [];
  return {
    groupId: Number(frame.group_id),
    reads: reads.map((read) => ({ seq: Number(read.seq), count: Number(read.count) })),
  };
}

function conversationPage(body, me) {
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
function requireId(value, name) {
  if (!isId(value)) throw new MiniChatError('invalid_field', `${name} must be a positive id`);
  return Number(value);
}

/** Ids given by the app: each a positive id, each once, in the order given. */
function requireIds(values, name) {
  if (!Array.isArray(values)) throw new MiniChatError('invalid_field', `${name} must be an array of user ids`);
  const ids = [];
  for (const value of values) {
    const id = requireId(value, name);
    if (ids.indexOf(id) < 0) ids.push(id);
  }
  return ids;
}
  exports.messageKey = messageKey;
  exports.isGroupMessage = isGroupMessage;
  exports.systemEvent = systemEvent;
  exports.groupMessage = groupMessage;
  exports.directMessage = directMessage;
  exports.anyMessage = anyMessage;
  exports.groupInfo = groupInfo;
  exports.groupMembers = groupMembers;
  exports.groupPresence = groupPresence;
  exports.groupReceipts = groupReceipts;
  exports.conversationPage = conversationPage;
  exports.requireId = requireId;
  exports.requireIds = requireIds;
  return exports;
})({});

// ---- src/client.js
modules["client.js"] = (function (exports) {
const { Emitter } = modules["emitter.js"];
const { MiniChatError } = modules["errors.js"];
const { backoffDelay, DEFAULT_BACKOFF } = modules["backoff.js"];
const { checkFileSize, DEFAULT_MAX_FILE_BYTES, describeFile, fileLinkInfo, messageFile, placeholder, uploadInfo } = modules["files.js"];
const { conversationPage, directMessage, groupInfo, groupMembers, groupMessage, groupPresence, groupReceipts, isGroupMessage, messageKey, requireId, requireIds } = modules["groups.js"];

/** Typing hints sent per peer at most this often; what the server forwards at most too. */
const TYPING_EVERY_MS = 2000;
/** How long a typing indicator shows when the server does not say. */
const TYPING_SHOWN_MS = 5000;
/** Peers whose last typing hint is remembered. */
const TYPING_PEERS = 16;

/** Close codes the server uses (see the server's docs/protocol.md). */
const CloseCode = Object.freeze({
  NORMAL: 1000,
  IMPERSONATION: 1008,
  TOO_LARGE: 1009,
  RESTARTING: 1012,
  TRY_LATER: 1013,
  IDLE: 4408,
  /** Used by this client when the server stopped answering heartbeats. */
  HEARTBEAT_TIMEOUT: 4000,
  /** Used by this client when the server did not greet a new socket in time. */
  CONNECT_TIMEOUT: 4001,
  /** Used by this client when a send or the socket itself failed. */
  SOCKET_ERROR: 4002,
});

const DEFAULTS = Object.freeze({
  cursor: 0,
  heartbeatInterval: 25000,
  heartbeatTimeout: 10000,
  resumeTimeout: 2000,
  connectTimeout: 15000,
  maxConnectTimeout: 60000,
  lingerTimeout: 60000,
  refusedDelay: 5000,
  syncLimit: 100,
  maxInFlight: 16,
  gapTimeout: 1000,
  retryDelay: 1000,
  maxTextLength: 5000,
  maxFileBytes: DEFAULT_MAX_FILE_BYTES,
  autoPause: true,
  autoStart: true,
});

/** Ids of delivered messages kept to drop repeats; far more than any sync page or reorder window. */
const SEEN_IDS = 5000;
/** File sends remembered by cid, so that the same cid uploads once; far more than are sent at once. */
const FILE_SENDS = 200;

/**
 * A chat connection that stays up: token at the handshake, `bind` on `init`, heartbeats that notice a silent
 * server, reconnects with exponential backoff and jitter, `sync` from the last cursor after every reconnect, every
 * message delivered once and in inbox order, sends acknowledged by client id and retried with the same id.
 * Group messages travel the same way (one inbox, one cursor) and come as `groupMessage` events.
 *
 * Events: `state`, `message`, `groupMessage`, `unread`, `presence`, `groupPresence`, `read`, `groupRead`,
 * `receipts`, `synced`, `cursor`, `error`, `frame`.
 */
class MiniChatClient extends Emitter {
  constructor(options = {}) {
    super();
    if (!options.url) throw new TypeError('url is required (ws://host:port/ws)');
    if (!options.adapter) throw new TypeError('adapter is required (webSocketAdapter(), uniAppAdapter(uni), wechatAdapter(wx))');
    if (options.token == null) throw new TypeError('token is required (a string, or a function returning one)');
    this.options = Object.assign({}, DEFAULTS, options, { reconnect: Object.assign({}, DEFAULT_BACKOFF, options.reconnect) });
    this.url = options.url;
    this.apiUrl = options.apiUrl || httpBase(options.url);
    this.adapter = options.adapter;
    this.clock = options.clock || {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (id) => clearTimeout(id),
      now: () => Date.now(),
    };
    this.random = options.random || Math.random;
    this.userId = options.userId != null ? Number(options.userId) : null;
    if (this.userId == null && typeof options.token === 'string') this.userId = tokenSubject(options.token);

    this._state = 'idle';
    this._cursor = Number(this.options.cursor) || 0;
    this._generation = 0;
    this._socket = null;
    this._lingering = null;
    this._bound = false;
    this._opened = false;
    this._greeted = false;
    this._forbidden = false;
    this._attemptToken = null;
    this._timeouts = 0;
    this._checks = 0;
    this._needsToken = false;
    this._attempt = 0;
    this._paused = false;
    this._timers = {};
    this._outbox = [];
    this._pending = new Map();
    this._fileSends = new Map();
    this._reads = [];
    this._groupQueries = [];
    this._buffer = new Map();
    this._seen = new Set();
    this._recalled = new Set();
    this._typingSent = new Map();
    this._syncing = false;
    this._syncAgain = false;
    this._unreadVersion = -1;
    this._watched = new Set();
    this._openPeer = null;
    this._cidCounter = 0;
    this._cidPrefix = `${(this.clock.now()).toString(36)}${Math.floor(this.random() * 1e9).toString(36)}`;

    if (this.options.autoPause && typeof this.adapter.onLifecycle === 'function') {
      this._offLifecycle = this.adapter.onLifecycle(() => this.resume(), () => this.pause());
    }
    if (this.options.autoStart) this.start();
  }

  // ---- public API ----

  /**
   * `idle`, `connecting`, `online`, `reconnecting`, `paused`, `auth` (the server refused the token: no retries
   * until `setToken()` or `reconnect()`) or `closed`.
   */
  get state() {
    return this._state;
  }

  /** The inbox position up to which every message has been delivered (store it to resume a later session). */
  get cursor() {
    return this._cursor;
  }

  /**
   * Sends not yet acknowledged by the server, oldest first: `{cid, to, text}`, or `{cid, groupId, text}`; a picture
   * or file has `fileId` instead of `text` (its upload is done: only the message waits).
   */
  get pendingSends() {
    return this._outbox.map(({ cid, to, groupId, text, upload }) => {
      const pending = groupId != null ? { cid, groupId } : { cid, to };
      if (upload) pending.fileId = upload.id;
      else pending.text = text;
      return pending;
    });
  }

  /** Opens the connection (done by the constructor unless `autoStart: false`). */
  start() {
    if (this._state === 'idle') this._connect();
    return this;
  }

  /**
   * Sends a text to a user. Resolves with the stored message once the server acknowledged it; while offline the send
   * waits in a queue and is sent after the next connect, with the same client id (`cid`), so it is stored once.
   */
  send(to, text, { cid } = {}) {
    if (this._state === 'closed') return Promise.reject(new MiniChatError('closed', 'the client is closed'));
    const peer = Number(to);
    const refusal = this._checkPeer(peer) || this._checkText(text);
    if (refusal) return Promise.reject(refusal);
    return this._enqueue({ cid, to: peer, text });
  }

  _checkPeer(peer) {
    if (!Number.isSafeInteger(peer) || peer <= 0) return new MiniChatError('invalid_field', 'to must be a positive user id');
    if (this.userId != null && peer === this.userId) return new MiniChatError('self_message', 'cannot send a message to yourself');
    return null;
  }

  /**
   * Sends a picture or file to a user: uploads it (`uploadFile`), then sends the message through the queue of
   * `send` (acknowledged, kept while offline, sent again with the same `cid`). `file`: a mini-program temporary
   * path or chosen file, or a Blob / File / bytes; `name`: the original file name. The same `cid` again gives the
   * same promise: one upload, one message. Resolves with the stored message (`kind` 'image' or 'file', `file`).
   */
  sendFile(to, file, options = {}) {
    const peer = Number(to);
    return this._sendUpload(() => {
      const refusal = this._checkPeer(peer);
      if (refusal) throw refusal;
      return { to: peer };
    }, file, options);
  }

  /** A picture or file to a group, as `sendFile` does it; resolves with the stored `group_text` message. */
  sendFileToGroup(groupId, file, options = {}) {
    return this._sendUpload(() => ({ groupId: requireId(groupId, 'groupId'), mentions: [], mentionAll: false }), file, options);
  }

  /** Upload first, then the message as a queued send; remembered by cid, so that a repeat uploads nothing. */
  _sendUpload(destination, file, { name, cid } = {}) {
    if (this._state === 'closed') return Promise.reject(new MiniChatError('closed', 'the client is closed'));
    let target;
    try {
      target = destination();
    } catch (error) {
      return Promise.reject(error);
    }
    const id = cid != null ? String(cid) : this.newCid();
    const known = this._fileSends.get(id);
    if (known) return known;
    const sent = this.uploadFile(file, { name }).then((upload) => {
      if (this._state === 'closed') throw new MiniChatError('closed', 'the client was closed');
      return this._enqueue(Object.assign({ cid: id, upload }, target));
    });
    this._fileSends.set(id, sent);
    if (this._fileSends.size > FILE_SENDS) this._fileSends.delete(this._fileSends.keys().next().value);
    // a failed upload or a refused message may be tried again with the same cid
    sent.catch(() => {
      if (this._fileSends.get(id) === sent) this._fileSends.delete(id);
    });
    return sent;
  }

  /**
   * Sends a text to a group, through the same queue as `send`: acknowledged, kept while offline, sent again with
   * the same `cid`. `mentions`: member ids; `mentionAll`: every member (owners and admins only). Resolves with
   * the stored message (a `group_text` frame's shape).
   */
  sendToGroup(groupId, text, { mentions = [], mentionAll = false, cid } = {}) {
    if (this._state === 'closed') return Promise.reject(new MiniChatError('closed', 'the client is closed'));
    let group;
    let mentioned;
    try {
      group = requireId(groupId, 'groupId');
      mentioned = requireIds(mentions, 'mentions');
    } catch (error) {
      return Promise.reject(error);
    }
    if (typeof mentionAll !== 'boolean') {
      return Promise.reject(new MiniChatError('invalid_field', 'mentionAll must be true or false'));
    }
    const refusal = this._checkText(text);
    if (refusal) return Promise.reject(refusal);
    return this._enqueue({ cid, groupId: group, text, mentions: mentioned, mentionAll });
  }

  _checkText(text) {
    if (typeof text !== 'string' || text.length === 0) {
      return new MiniChatError('invalid_field', 'text must be a non-empty string');
    }
    if ([...text].length > this.options.maxTextLength) {
      return new MiniChatError('text_too_long', `text is longer than ${this.options.maxTextLength} characters`);
    }
    return null;
  }

  /** One outbox for every send: a cid already waiting gives the promise it has. */
  _enqueue(send) {
    const id = send.cid != null ? String(send.cid) : this.newCid();
    const existing = this._pending.get(id);
    if (existing) return existing.promise;
    const entry = Object.assign({}, send, { cid: id, sentOn: 0, retryTimer: null });
    entry.promise = new Promise((resolve, reject) => {
      entry.resolve = resolve;
      entry.reject = reject;
    });
    this._pending.set(id, entry);
    this._outbox.push(entry);
    this._pump();
    return entry.promise;
  }

  /** A fresh client message id (1..64 characters). */
  newCid() {
    this._cidCounter += 1;
    return `c-${this._cidPrefix}-${this._cidCounter.toString(36)}`;
  }

  /** Marks the peer's messages read (all of them, or up to a message id). Resolves with `{countNum}`. */
  markRead(peer, upTo) {
    if (this._state === 'closed') return Promise.reject(new MiniChatError('closed', 'the client is closed'));
    return this._queueRead({ peer: Number(peer), upTo: upTo == null ? undefined : Number(upTo) });
  }

  /** A one-to-one read (`peer`) or a group's (`groupId`), sent now or after the next bind. */
  _queueRead(mark) {
    const read = Object.assign({ sentOn: 0 }, mark);
    read.promise = new Promise((resolve, reject) => {
      read.resolve = resolve;
      read.reject = reject;
    });
    this._reads.push(read);
    this._flushReads();
    return read.promise;
  }

  /**
   * Marks a group read, up to a seq or entirely; queued while offline. Resolves with `{groupId, upTo, countNum}`;
   * the senders of the messages read get `receipts`.
   */
  readGroup(groupId, upToSeq) {
    if (this._state === 'closed') return Promise.reject(new MiniChatError('closed', 'the client is closed'));
    let group;
    let upTo;
    try {
      group = requireId(groupId, 'groupId');
      upTo = upToSeq == null ? undefined : requireId(upToSeq, 'upToSeq');
    } catch (error) {
      return Promise.reject(error);
    }
    return this._queueRead({ groupId: group, upTo });
  }

  /**
   * Which members of a group are online now (members only): `{groupId, members: [{userId, online}]}`, also
   * emitted as `groupPresence`. Asked over the socket once it is bound; asked again after a reconnect.
   */
  groupMembersOnline(groupId) {
    if (this._state === 'closed') return Promise.reject(new MiniChatError('closed', 'the client is closed'));
    let group;
    try {
      group = requireId(groupId, 'groupId');
    } catch (error) {
      return Promise.reject(error);
    }
    const query = { groupId: group, sentOn: 0 };
    query.promise = new Promise((resolve, reject) => {
      query.resolve = resolve;
      query.reject = reject;
    });
    this._groupQueries.push(query);
    this._flushGroupQueries();
    return query.promise;
  }

  /** Subscribes to a user's presence (`presence` events); kept across reconnects. */
  watch(peer) {
    const id = Number(peer);
    if (this._watched.has(id)) return;
    this._watched.add(id);
    if (this._bound) {
      this._write({ type: 'online', to_id: id, from_id: this.userId });
      this._restoreOpenChat();
    }
  }

  /**
   * Tells the server which chat is on screen: the peer's messages then arrive already read. Also watches the peer.
   * `closeChat()` says that no chat is on screen.
   */
  openChat(peer) {
    const id = Number(peer);
    this._watched.add(id);
    this._openPeer = id;
    if (this._bound) this._write({ type: 'online', to_id: id, from_id: this.userId });
  }

  closeChat() {
    this._openPeer = null;
    this._restoreOpenChat();
  }

  /** Stops reconnecting (the app went to the background); an open socket is left as it is. */
  pause() {
    if (this._state === 'closed' || this._paused) return;
    this._paused = true;
    this._clear('reconnect');
    if (!this._socket && this._state !== 'auth') this._setState('paused');
  }

  /**
   * Back in the foreground: reconnects at once if offline, or checks that the open socket still answers: a heartbeat
   * unanswered within `resumeTimeout` (2 s), or a send that fails, drops it and reconnects.
   */
  resume() {
    if (this._state === 'closed' || !this._paused) return;
    this._paused = false;
    if (this._state === 'auth') return;
    if (this._socket) {
      if (this._bound) this._checkAlive();
    } else {
      this._attempt = 0;
      this._connect();
    }
  }

  /**
   * Drops the current socket and connects again (for example after a network change); after an `auth` state, tries
   * again with what the token function gives now.
   */
  reconnect() {
    if (this._state === 'closed') return;
    this._needsToken = false;
    if (this._socket) this._drop(CloseCode.NORMAL, 'reconnect requested');
    else if (!this._paused) {
      this._clear('reconnect');
      this._attempt = 0;
      this._connect();
    }
  }

  /** A new token (a string, or a function giving one) after an `auth` state; connects with it at once. */
  setToken(token) {
    if (token == null) throw new TypeError('token is required (a string, or a function returning one)');
    this.options.token = token;
    if (this._state === 'closed') return;
    const wasRefused = this._needsToken;
    this._needsToken = false;
    if (this._socket) return;
    if (wasRefused || this._state === 'reconnecting') {
      this._clear('reconnect');
      this._attempt = 0;
      if (this._paused) this._setState('paused');
      else this._connect();
    }
  }

  /** Closes for good: no reconnect; queued sends and reads are rejected with `closed`. */
  close() {
    if (this._state === 'closed') return;
    const error = new MiniChatError('closed', 'the client was closed');
    this._setState('closed');
    for (const name of Object.keys(this._timers)) this._clear(name);
    if (this._offLifecycle) this._offLifecycle();
    const socket = this._socket;
    this._socket = null;
    this._bound = false;
    this._generation += 1;
    this._checks += 1;
    if (socket) this._release(socket, CloseCode.NORMAL, 'client closed');
    this._failAll(error);
  }

  // ---- HTTP API ----

  /** A page of the conversation with `peer`, oldest first: `{messages, hasMore}`. */
  async history(peer, { before, limit = 30, markRead = true } = {}) {
    const query = [`peer=${encodeURIComponent(peer)}`, `limit=${limit}`, `mark_read=${markRead ? 'true' : 'false'}`];
    if (before != null) query.push(`before=${encodeURIComponent(before)}`);
    const body = await this._request('GET', `/api/messages?${query.join('&')}`);
    return { messages: body.messages, hasMore: Boolean(body.has_more) };
  }

  /** The unread counts `{countNum, peers, version}`; also emitted as `unread` unless an newer count was seen. */
  async unread() {
    const body = await this._request('GET', '/api/messages/unread');
    this._unread({ countNum: body.countNum, version: body.version, peers: body.peers });
    return body;
  }

  /**
   * Uploads a picture or file (`POST /api/files`, multipart, through the adapter: `uploadFile` in mini-programs,
   * fetch with FormData elsewhere). Resolves with `{id, kind, name, mime, size, url, width?, height?, thumbUrl?}`;
   * send it with `sendFile`, or pass `id` to a send of your own. Refusals: `too_large` (also checked here against
   * `maxFileBytes` when the size is known), `unsupported_type`, `rate_limited`, `invalid_field`.
   */
  async uploadFile(file, { name } = {}) {
    const described = describeFile(file, name);
    const refusal = checkFileSize(described.size, this.options.maxFileBytes);
    if (refusal) throw refusal;
    if (typeof this.adapter.upload !== 'function') {
      throw new MiniChatError('unsupported', `the ${this.adapter.name || 'given'} adapter cannot upload files`);
    }
    const token = await this._token();
    let response;
    try {
      response = await this.adapter.upload({
        url: `${this.apiUrl}/api/files`,
        headers: { Authorization: `Bearer ${token}` },
        file: described.file,
        name: described.name,
      });
    } catch (cause) {
      if (cause instanceof MiniChatError) throw cause;
      throw new MiniChatError('network', `POST /api/files failed: ${describe(cause)}`, { retryable: true });
    }
    if (response.status >= 400) throw httpError(response);
    return uploadInfo(response.data);
  }

  /** Fresh links to a picture or file of one of this user's conversations: `{url, thumbUrl?, expiresAt}` (ms). */
  async fileLink(fileId) {
    if (typeof fileId !== 'string' || !fileId) throw new MiniChatError('invalid_field', 'fileId must be a non-empty string');
    return fileLinkInfo(await this._request('GET', `/api/files/${encodeURIComponent(fileId)}/link`));
  }

  /** A user's presence `{userId, online, lastSeen}`. */
  async presence(userId) {
    const body = await this._request('GET', `/api/presence/${encodeURIComponent(userId)}`);
    return { userId: body.user_id, online: body.online, lastSeen: body.last_seen != null ? body.last_seen : null };
  }

  /**
   * A page of the conversation list, one-to-one and groups: pinned first, then newest activity first.
   * `{conversations: [{kind, id, name, last, unread, mentions, pinned, muted, lastActiveAt}], next}`; pass `next`
   * as `cursor` for the page after (null: there is none).
   */
  async conversations({ limit = 20, cursor } = {}) {
    const query = [`limit=${Number(limit)}`];
    if (cursor != null) query.push(`cursor=${encodeURIComponent(cursor)}`);
    const body = await this._request('GET', `/api/conversations?${query.join('&')}`);
    return conversationPage(body, this.userId);
  }

  /**
   * Pins or mutes a conversation (`kind` 'user' or 'group'). A muted one keeps its own unread count but leaves the
   * total (`letters`). Resolves with `{countNum}`, the new total.
   */
  async setConversationPrefs(kind, id, { pinned, muted } = {}) {
    if (kind !== 'user' && kind !== 'group') throw new MiniChatError('invalid_field', "kind must be 'user' or 'group'");
    const body = {};
    if (pinned !== undefined) body.pinned = Boolean(pinned);
    if (muted !== undefined) body.muted = Boolean(muted);
    const answer = await this._request('PUT', `/api/conversations/${kind}/${requireId(id, 'id')}`, body);
    return { countNum: answer.countNum };
  }

  /** The groups the user is in. */
  async groups() {
    const body = await this._request('GET', '/api/groups');
    return (Array.isArray(body.groups) ? body.groups : []).map(groupInfo);
  }

  /** Creates a group owned by this user, with the members given. */
  async createGroup(name, members = []) {
    const body = { name, members: requireIds(members, 'members') };
    return groupInfo(await this._request('POST', '/api/groups', body));
  }

  /** Renames a group (owner, admins); PUT rather than PATCH, which WeChat's `wx.request` does not offer. */
  async renameGroup(groupId, name) {
    return groupInfo(await this._request('PUT', groupPath(groupId), { name }));
  }

  /** Dissolves a group (owner). */
  async dissolveGroup(groupId) {
    const body = await this._request('DELETE', groupPath(groupId));
    return body && body.group_id != null ? groupInfo(body) : null;
  }

  /** Adds members (owner, admins). */
  async addMembers(groupId, userIds) {
    return groupInfo(await this._request('POST', `${groupPath(groupId)}/members`, { user_ids: requireIds(userIds, 'userIds') }));
  }

  /** Removes a member (owner, admins; an admin removes members only); this user's own id leaves. */
  async removeMember(groupId, userId) {
    return groupInfo(await this._request('DELETE', `${groupPath(groupId)}/members/${requireId(userId, 'userId')}`));
  }

  /** Makes a member an admin or a member again (owner). */
  async setMemberRole(groupId, userId, role) {
    if (role !== 'admin' && role !== 'member') throw new MiniChatError('invalid_field', "role must be 'admin' or 'member'");
    return groupInfo(await this._request('PUT', `${groupPath(groupId)}/members/${requireId(userId, 'userId')}/role`, { role }));
  }

  /** Leaves a group: an owner hands it on; the last member's leaving dissolves it. */
  async leaveGroup(groupId) {
    return groupInfo(await this._request('POST', `${groupPath(groupId)}/leave`, {}));
  }

  /** The members: `{groupId, members: [{userId, role, joinedAt, online}]}`. */
  async groupMembers(groupId) {
    return groupMembers(await this._request('GET', `${groupPath(groupId)}/members`));
  }

  /**
   * A page of a group's messages as this user holds them, oldest first: `{messages, hasMore}`. `before` is a seq;
   * loading marks them read unless `markRead: false`.
   */
  async groupHistory(groupId, { before, limit = 30, markRead = true } = {}) {
    const query = [`limit=${Number(limit)}`, `mark_read=${markRead ? 'true' : 'false'}`];
    if (before != null) query.push(`before=${requireId(before, 'before')}`);
    const body = await this._request('GET', `${groupPath(groupId)}/messages?${query.join('&')}`);
    return { messages: body.messages.map((m) => groupMessage(m, this.userId)), hasMore: Boolean(body.has_more) };
  }

  /**
   * Recalls one of this user's own one-to-one messages, for both sides, within the server's recall window
   * (`recall_expired` after it; `forbidden` for another's). Both sides' clients get a `recall` event.
   */
  async recall(messageId) {
    const body = await this._request('POST', `/api/messages/${requireId(messageId, 'messageId')}/recall`, {});
    return { id: Number(body.id), peer: Number(body.peer), seq: Number(body.seq) };
  }

  /** Deletes a one-to-one message for this user only, on all their devices (a `deleted` event on each). */
  async deleteForMe(messageId) {
    const body = await this._request('DELETE', `/api/messages/${requireId(messageId, 'messageId')}`);
    return { id: Number(body.id), peer: Number(body.peer), seq: Number(body.seq) };
  }

  /**
   * Tells `peer` this user is typing. Call it on every input event: at most one frame per peer leaves per
   * TYPING_EVERY_MS (the server throttles too), and nothing leaves while offline (typing is a hint, never queued).
   */
  typing(peer) {
    const to = requireId(peer, 'peer');
    const now = this.clock.now();
    const last = this._typingSent.get(to);
    if (last != null && now - last < TYPING_EVERY_MS) return false;
    if (!this._bound || this._state !== 'online') return false;
    this._typingSent.delete(to);
    this._typingSent.set(to, now);
    if (this._typingSent.size > TYPING_PEERS) this._typingSent.delete(this._typingSent.keys().next().value);
    this._write({ type: 'typing', to_id: to });
    return true;
  }

  async _request(method, path, body) {
    const token = await this._token();
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await this.adapter.request({ method, url: this.apiUrl + path, headers, body });
    } catch (cause) {
      throw new MiniChatError('network', `${method} ${path} failed: ${describe(cause)}`, { retryable: true });
    }
    if (response.status >= 400) throw httpError(response);
    return response.data;
  }

  // ---- connection ----

  async _connect() {
    if (this._state === 'closed' || this._paused || this._needsToken || this._socket) return;
    this._clear('reconnect');
    this._checks += 1; // a new attempt: the last one's HTTP check no longer decides anything
    this._setState('connecting');
    const generation = ++this._generation;
    // at most one socket per client: wait until the platform has let go of the last one
    if (this._lingering) {
      await new Promise((resolve) => this._awaitLinger(resolve));
      if (generation !== this._generation) return;
    }
    let token;
    try {
      token = await this._token();
    } catch (cause) {
      if (generation !== this._generation) return;
      this.emit('error', new MiniChatError('token', `could not get a token: ${describe(cause)}`, { retryable: true }));
      this._scheduleReconnect(null, 'no token');
      return;
    }
    if (generation !== this._generation || this._state === 'closed' || this._socket) return;
    if (this._paused || this._needsToken) {
      if (this._paused) this._setState('paused');
      return;
    }
    if (this.userId == null) this.userId = tokenSubject(token);
    // where the platform allows it, the token goes in a header; the standard WebSocket can only put it in the URL
    const url = this.adapter.tokenInHeader
      ? this.url
      : `${this.url}${this.url.indexOf('?') >= 0 ? '&' : '?'}token=${encodeURIComponent(token)}`;
    const current = (handler) => (...args) => {
      if (generation === this._generation) handler.apply(this, args);
    };
    this._opened = false;
    this._greeted = false;
    this._forbidden = false;
    this._attemptToken = token;
    try {
      this._socket = this.adapter.connect(url, {
        onOpen: current(() => {
          this._opened = true;
        }),
        onMessage: current(this._onMessage),
        onClose: current((code, reason, info) => this._onClose(code == null ? null : Number(code), reason, info)),
        onError: current(this._onSocketError),
      }, { headers: { Authorization: `Bearer ${token}` }, token });
    } catch (cause) {
      this._socket = null;
      this.emit('error', new MiniChatError('socket_refused', `could not open a socket: ${describe(cause)}`, { retryable: true }));
      this._scheduleReconnect(null, 'connect failed');
      return;
    }
    const timeout = Math.min(this.options.maxConnectTimeout,
      this.options.connectTimeout * Math.pow(2, Math.min(this._timeouts, 10)));
    this._timer('connect', timeout, () => {
      this._timeouts += 1;
      this._drop(CloseCode.CONNECT_TIMEOUT, 'no init from the server', { timeout: true });
    });
  }

  async _token() {
    const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    if (!token) throw new Error('empty token');
    return token;
  }

  /** Waits until the last socket is gone (or lingerTimeout passed: a platform that never says so). */
  _awaitLinger(then) {
    const socket = this._lingering;
    let done = false;
    const go = () => {
      if (done) return;
      done = true;
      this._clear('linger');
      if (this._lingering === socket) this._lingering = null;
      then();
    };
    if (!socket || socket.gone || typeof socket.onGone !== 'function') {
      go();
      return;
    }
    this._timer('linger', this.options.lingerTimeout, go);
    socket.onGone(go);
  }

  /** Closes a socket on our side; one the platform has not let go of yet is waited for before the next connect. */
  _release(socket, code, reason) {
    safely(() => socket.close(code, reason));
    if (typeof socket.onGone === 'function' && !socket.gone) this._lingering = socket;
  }

  /** Closes the socket on our side and handles it as a close (the platform's close event may never come). */
  _drop(code, reason, info) {
    const socket = this._socket;
    if (!socket) return;
    this._release(socket, code, reason);
    this._onClose(code, reason, info);
  }

  /** A socket error ends the socket: a send that failed, a socket the platform cut, or a refused handshake. */
  _onSocketError(error) {
    const refused = Boolean(error && error.phase === 'connect');
    this.emit('error', new MiniChatError(refused ? 'socket_refused' : 'socket',
      refused ? describe(error) : `socket error: ${describe(error)}`, { retryable: true, status: (error && error.status) || null }));
    this._drop(CloseCode.SOCKET_ERROR, refused ? 'connectSocket failed' : 'socket error', error);
  }

  _onClose(code, reason, info) {
    if (!this._socket) return;
    const handshake = !this._opened && !this._greeted;
    const token = this._attemptToken;
    let closeCode = code;
    // a close without a code (uni-app before HBuilderX 3.7.12) that follows a `forbidden` refusal of bind is the 1008
    if (closeCode == null && this._forbidden) closeCode = CloseCode.IMPERSONATION;
    this._socket = null;
    this._bound = false;
    this._generation += 1;
    for (const name of ['connect', 'heart', 'dead', 'gap', 'syncRetry']) this._clear(name);
    this._syncing = false;
    for (const entry of this._outbox) entry.sentOn = 0;
    for (const read of this._reads) read.sentOn = 0;
    for (const query of this._groupQueries) query.sentOn = 0;
    if (this._state === 'closed') return;
    if (closeCode === CloseCode.IMPERSONATION) {
      const error = new MiniChatError('forbidden', `the server refused this user: ${reason || 'closed with 1008'}`);
      this.emit('error', error);
      this._setState('closed');
      if (this._offLifecycle) this._offLifecycle();
      this._failAll(error);
      return;
    }
    if (this._paused) {
      this._setState('paused', { code: closeCode, reason });
      return;
    }
    if (handshake && !(info && info.phase === 'connect')) {
      this._handshakeFailed(closeCode, reason, info, token);
      return;
    }
    if (closeCode === CloseCode.RESTARTING) this._attempt = 0;
    this._scheduleReconnect(closeCode, reason);
  }

  /**
   * A socket that never opened. Adapters that see the upgrade's status pass it (`status`, `retryAfter` seconds);
   * mini-programs and browsers hide it, so an authenticated HTTP call with the same token tells a refused token
   * (401) from a refused socket (429 too many sockets, 503 shutting down) and from a network that does not work.
   */
  _handshakeFailed(code, reason, info, token) {
    if (info && info.status) {
      this._onRefusal(Number(info.status), secondsToMs(info.retryAfter), code, reason, token);
      return;
    }
    const check = ++this._checks;
    this._setState('connecting', { checking: true });
    this._probe(token).then((result) => {
      if (check !== this._checks || this._state === 'closed' || this._socket) return;
      // hidden meanwhile: a refused token is still the auth state; anything else waits for the resume
      if (this._paused && result.status !== 401) {
        this._setState('paused', { code, reason });
        return;
      }
      this._onRefusal(result.status, result.retryAfter, code, reason, token);
    });
  }

  _probe(token) {
    let request;
    try {
      request = Promise.resolve(this.adapter.request({
        method: 'GET',
        url: `${this.apiUrl}/api/messages/unread`,
        headers: { Authorization: `Bearer ${token}` },
      }));
    } catch (cause) {
      request = Promise.reject(cause);
    }
    // a probe that hangs counts as a network that does not work
    const deadline = new Promise((resolve) => this._timer('probe', this.options.connectTimeout, () => resolve(null)));
    return Promise.race([request, deadline]).then((response) => {
      this._clear('probe');
      if (response === null) return { status: 0, retryAfter: 0 };
      const status = Number(response && response.status) || 0;
      if (status >= 200 && status < 300 && response.data && response.data.version != null) {
        this._unread({ countNum: response.data.countNum, version: response.data.version, peers: response.data.peers });
      }
      return { status, retryAfter: secondsToMs(header(response && response.headers, 'retry-after')) };
    }, () => {
      this._clear('probe');
      return { status: 0, retryAfter: 0 };
    });
  }

  _onRefusal(status, retryAfter, code, reason, token) {
    if (status === 401) {
      this._tokenRefused(code, reason, token);
      return;
    }
    if (status >= 200 && status < 300) {
      // the token is good and the server answers: the socket itself was refused (429 too many sockets, 503)
      this._scheduleReconnect(code, reason || 'the server refused the socket', Math.max(this.options.refusedDelay, retryAfter));
      return;
    }
    this._scheduleReconnect(code, reason, retryAfter);
  }

  /** A token function may already have a new token; the same one again means the app must act. */
  _tokenRefused(code, reason, refused) {
    const check = this._checks;
    const next = typeof this.options.token === 'function'
      ? this._token().then((token) => token, () => null)
      : Promise.resolve(this.options.token);
    next.then((token) => {
      if (check !== this._checks || this._state === 'closed' || this._socket) return;
      if (token && token !== refused) {
        this._scheduleReconnect(code, 'the token was refused; trying a new one');
        return;
      }
      this._needsToken = true;
      this._clear('reconnect');
      this.emit('error', new MiniChatError('unauthorized', 'the server refused the token: give a new one with setToken()',
        { status: 401 }));
      this._setState('auth', { code, reason: reason || '', status: 401 });
    });
  }

  _scheduleReconnect(code, reason, minDelay) {
    if (this._paused) {
      this._setState('paused', { code, reason });
      return;
    }
    const delay = Math.max(backoffDelay(this._attempt, this.options.reconnect, this.random), minDelay || 0);
    this._attempt += 1;
    const retryAt = this.clock.now() + delay;
    this._setState('reconnecting', { attempt: this._attempt, delay, retryAt, code: code != null ? code : null, reason: reason || '' });
    this._timer('reconnect', delay, () => this._connect());
  }

  _onMessage(text) {
    this._clear('dead');
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (ignored) {
      this.emit('error', new MiniChatError('invalid_json', 'the server sent a frame that is not JSON'));
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    this.emit('frame', frame);
    switch (frame.type) {
      case 'init': return this._onInit();
      case 'heart': return undefined;
      case 'text': return this._ingest(frame);
      case 'group_text': return this._ingest(frame);
      case 'sync': return this._onSync(frame);
      case 'ack': return this._onAck(frame);
      case 'letters': return this._unread({ countNum: frame.countNum, version: frame.version });
      case 'online': return frame.group_id != null ? this._onGroupPresence(frame) : this._onPresence(frame);
      case 'receipts': return this.emit('receipts', groupReceipts(frame));
      case 'read': return frame.by != null ? this._onReceipt(frame) : this._onRead(frame);
      case 'recall': return this._onRecall(frame);
      case 'deleted': return this.emit('deleted', { id: Number(frame.id), peer: Number(frame.peer), seq: Number(frame.seq) });
      case 'typing': return this._onTyping(frame);
      case 'error': return this._onError(frame);
      default: return undefined;
    }
  }

  _onInit() {
    this._clear('connect');
    this._greeted = true;
    this._timeouts = 0;
    this._write({ type: 'bind', fromId: this.userId });
    this._bound = true;
    this._setState('online');
    this._heartbeatLater();
    this._sync();
    for (const peer of this._watched) {
      if (peer !== this._openPeer) this._write({ type: 'online', to_id: peer, from_id: this.userId });
    }
    if (this._openPeer != null || this._watched.size > 0) this._restoreOpenChat();
    this._pump();
    this._flushReads();
    this._flushGroupQueries();
  }

  /** Tells the server the open chat again (an `online` frame also marks its peer's chat as open). */
  _restoreOpenChat() {
    if (!this._bound) return;
    // with no chat open, the user's own id: a chat that never receives a message
    this._write({ type: 'online', to_id: this._openPeer != null ? this._openPeer : this.userId, from_id: this.userId });
  }

  // ---- heartbeat ----

  _heartbeatLater() {
    this._timer('heart', this.options.heartbeatInterval, () => this._heartbeat());
  }

  _heartbeat() {
    if (!this._bound) return;
    this._write({ type: 'heart', fromId: this.userId });
    if (!this._timers.dead) {
      this._timer('dead', this.options.heartbeatTimeout, () => this._drop(CloseCode.HEARTBEAT_TIMEOUT, 'server did not answer the heartbeat'));
    }
    this._heartbeatLater();
  }

  /** Just back from the background: a heartbeat with a short deadline finds a socket the platform cut meanwhile. */
  _checkAlive() {
    this._clear('dead');
    if (!this._write({ type: 'heart', fromId: this.userId })) return;
    this._timer('dead', this.options.resumeTimeout, () => this._drop(CloseCode.HEARTBEAT_TIMEOUT, 'no answer after resuming'));
    this._heartbeatLater();
  }

  // ---- catching up and ordering ----

  _sync(since = this._cursor) {
    if (!this._bound) return;
    if (this._syncing) {
      this._syncAgain = true;
      return;
    }
    this._clear('gap');
    this._syncing = true;
    this._write({ type: 'sync', since, limit: this.options.syncLimit });
  }

  _onSync(frame) {
    this._syncing = false;
    const messages = Array.isArray(frame.messages) ? [...frame.messages] : [];
    messages.sort((a, b) => a.cursor - b.cursor);
    for (const message of messages) this._ingest(message, true);
    if (frame.has_more && messages.length > 0) {
      // from the server's cursor, so that a page that could not all be delivered yet never repeats
      this._sync(Math.max(this._cursor, Number(frame.cursor) || 0));
      return;
    }
    // caught up: what is still buffered cannot be filled any more; deliver it in order rather than hold it forever
    if (this._buffer.size > 0) {
      for (const cursor of [...this._buffer.keys()].sort((a, b) => a - b)) {
        const message = this._buffer.get(cursor);
        this._buffer.delete(cursor);
        if (cursor > this._cursor) this._deliver(message);
      }
    } else if (Number(frame.cursor) > this._cursor) {
      this._setCursor(Number(frame.cursor));
    }
    // the server works again: the next drop starts the backoff from the beginning
    this._attempt = 0;
    this.emit('synced', { cursor: this._cursor });
    if (this._syncAgain) {
      this._syncAgain = false;
      this._sync();
    }
  }

  /** Every message goes through here: delivered once, in inbox (cursor) order; out-of-order ones wait for a sync. */
  _ingest(message, fromSync = false) {
    if (!message || message.id == null) return;
    if (this._seen.has(messageKey(message))) return;
    const cursor = Number(message.cursor);
    if (!Number.isFinite(cursor) || cursor <= 0) {
      this._deliver(message);
      return;
    }
    if (cursor <= this._cursor) return;
    if (cursor === this._cursor + 1) {
      this._deliver(message);
      this._flushBuffer();
      return;
    }
    this._buffer.set(cursor, message);
    if (!fromSync && !this._timers.gap && !this._syncing) {
      this._timer('gap', this.options.gapTimeout, () => this._sync());
    }
  }

  _flushBuffer() {
    for (;;) {
      const next = this._buffer.get(this._cursor + 1);
      if (!next) break;
      this._buffer.delete(this._cursor + 1);
      this._deliver(next);
    }
    for (const cursor of this._buffer.keys()) if (cursor <= this._cursor) this._buffer.delete(cursor);
    if (this._buffer.size === 0) this._clear('gap');
  }

  _deliver(message) {
    if (!isGroupMessage(message) && this._recalled.has(Number(message.id))) message = asRecalled(message);
    if (!isGroupMessage(message)) this._stopTyping(Number(message.from_id));
    this._seen.add(messageKey(message));
    if (this._seen.size > SEEN_IDS) this._seen.delete(this._seen.values().next().value);
    const cursor = Number(message.cursor);
    if (Number.isFinite(cursor) && cursor > this._cursor) this._setCursor(cursor);
    if (isGroupMessage(message)) this.emit('groupMessage', groupMessage(message, this.userId));
    else this.emit('message', directMessage(message, this.userId));
  }

  _setCursor(cursor) {
    this._cursor = cursor;
    this.emit('cursor', cursor);
  }

  // ---- sends ----

  _pump() {
    if (!this._bound) return;
    let inFlight = 0;
    for (const entry of this._outbox) {
      if (entry.sentOn === this._generation) {
        inFlight += 1;
        continue;
      }
      if (entry.retryTimer) continue;
      if (inFlight >= this.options.maxInFlight) break;
      entry.sentOn = this._generation;
      inFlight += 1;
      this._write(this._sayFrame(entry));
    }
  }

  _sayFrame(entry) {
    const frame = entry.groupId == null
      ? { type: 'say', from_id: this.userId, to_id: entry.to, cid: entry.cid }
      : { type: 'say', group_id: entry.groupId, cid: entry.cid };
    // a picture or file names its upload; the server writes the message's data itself
    if (entry.upload) frame.file_id = entry.upload.id;
    else frame.data = entry.text;
    if (entry.groupId == null) return frame;
    if (entry.mentions.length > 0) frame.mentions = entry.mentions;
    if (entry.mentionAll) frame.mention_all = true;
    return frame;
  }

  _onAck(frame) {
    const entry = this._pending.get(frame.cid);
    if (!entry) return;
    this._finish(entry);
    const message = entry.groupId != null ? this._ownGroupMessage(entry, frame) : {
      type: 'text',
      id: frame.id,
      seq: frame.seq,
      cursor: frame.cursor,
      from_id: this.userId,
      to_id: entry.to,
      data: entry.text,
      is_read: 0,
      created_at: frame.created_at,
      cid: entry.cid,
    };
    if (entry.upload) withUpload(message, entry.upload);
    this._ingest(message);
    entry.resolve(message);
    this._pump();
  }

  /** The sender's copy of an acknowledged group message, as a `group_text` frame would carry it. */
  _ownGroupMessage(entry, ack) {
    return {
      type: 'group_text',
      group_id: entry.groupId,
      id: ack.id,
      seq: ack.seq,
      cursor: ack.cursor,
      from_id: this.userId,
      data: entry.text,
      kind: 'text',
      mentioned: false,
      is_read: 0,
      created_at: ack.created_at,
      cid: entry.cid,
    };
  }

  _finish(entry) {
    this._pending.delete(entry.cid);
    const index = this._outbox.indexOf(entry);
    if (index >= 0) this._outbox.splice(index, 1);
    if (entry.retryTimer) this.clock.clearTimeout(entry.retryTimer);
  }

  _onError(frame) {
    const error = MiniChatError.fromFrame(frame);
    if (error.code === 'forbidden' && frame.ref === 'bind') this._forbidden = true;
    const entry = typeof frame.ref === 'string' ? this._pending.get(frame.ref) : undefined;
    if (entry) {
      if (error.retryable || error.code === 'rate_limited') {
        // the server may take it on a later try; same cid, so it is stored at most once
        entry.sentOn = 0;
        entry.retryTimer = this.clock.setTimeout(() => {
          entry.retryTimer = null;
          this._pump();
        }, this.options.retryDelay);
      } else {
        this._finish(entry);
        entry.reject(error);
        this._pump();
      }
      return;
    }
    if (frame.ref === 'sync') {
      this._syncing = false;
      this._timer('syncRetry', this.options.retryDelay, () => this._sync());
      return;
    }
    if (frame.ref === 'read') {
      const read = this._reads.find((r) => r.sentOn !== 0);
      if (read) {
        this._reads.splice(this._reads.indexOf(read), 1);
        read.reject(error);
        return;
      }
    }
    // an `online` refusal names no group: it is the oldest group query's, unless it is a watch's subscription limit
    if (frame.ref === 'online' && error.code !== 'too_many_subscriptions') {
      const query = this._groupQueries.find((q) => q.sentOn !== 0);
      if (query) {
        this._groupQueries.splice(this._groupQueries.indexOf(query), 1);
        query.reject(error);
        return;
      }
    }
    this.emit('error', error);
  }

  // ---- unread, presence, reads ----

  _unread(count) {
    const version = Number(count.version);
    if (!(version > this._unreadVersion)) return;
    this._unreadVersion = version;
    this.emit('unread', count);
  }

  _onPresence(frame) {
    const userId = Number(frame.user_id);
    if (userId === this.userId) return;
    this.emit('presence', { userId, online: Boolean(frame.online), lastSeen: frame.last_seen != null ? frame.last_seen : null, status: frame.status });
  }

  _flushReads() {
    if (!this._bound) return;
    for (const read of this._reads) {
      if (read.sentOn === this._generation) continue;
      read.sentOn = this._generation;
      const frame = read.groupId != null ? { type: 'read', group_id: read.groupId } : { type: 'read', peer: read.peer };
      if (read.upTo !== undefined) frame.up_to = read.upTo;
      this._write(frame);
    }
  }

  _onRead(frame) {
    if (frame.group_id != null) {
      this._onGroupRead(frame);
      return;
    }
    const peer = Number(frame.peer);
    const index = this._reads.findIndex((r) => r.peer === peer && r.sentOn !== 0);
    const result = { peer, upTo: frame.up_to != null ? frame.up_to : null, countNum: frame.countNum };
    if (index >= 0) {
      const [read] = this._reads.splice(index, 1);
      read.resolve(result);
    }
    this.emit('read', result);
  }

  /** The peer read this user's messages up to `upTo` (a push, unlike the answer to our own `read`). */
  _onReceipt(frame) {
    this.emit('receipt', { peer: Number(frame.by), upTo: Number(frame.up_to), seq: Number(frame.seq) });
  }

  /** A recall wins even over a message still on its way: its id is remembered (boundedly) and applied on arrival. */
  _onRecall(frame) {
    const id = Number(frame.id);
    this._recalled.add(id);
    if (this._recalled.size > SEEN_IDS) this._recalled.delete(this._recalled.values().next().value);
    this.emit('recall', { id, peer: Number(frame.peer), seq: Number(frame.seq), fromId: Number(frame.from_id) });
  }

  /** Typing shows until it expires, is renewed, or a message from the typist arrives. */
  _onTyping(frame) {
    const from = Number(frame.from_id);
    const expiresMs = Math.max(0, Math.min(Number(frame.expires_ms) || TYPING_SHOWN_MS, TYPING_SHOWN_MS * 3));
    const name = `typing:${from}`;
    const fresh = this._timers[name] == null;
    this._timer(name, expiresMs, () => this.emit('typing', { from, typing: false }));
    if (fresh) this.emit('typing', { from, typing: true, expiresMs });
  }

  _stopTyping(from) {
    const name = `typing:${from}`;
    if (this._timers[name] == null) return;
    this._clear(name);
    this.emit('typing', { from, typing: false });
  }

  _onGroupRead(frame) {
    const groupId = Number(frame.group_id);
    const index = this._reads.findIndex((r) => r.groupId === groupId && r.sentOn !== 0);
    const result = { groupId, upTo: frame.up_to != null ? frame.up_to : null, countNum: frame.countNum };
    if (index >= 0) {
      const [read] = this._reads.splice(index, 1);
      read.resolve(result);
    }
    this.emit('groupRead', result);
  }

  _flushGroupQueries() {
    if (!this._bound) return;
    for (const query of this._groupQueries) {
      if (query.sentOn === this._generation) continue;
      query.sentOn = this._generation;
      this._write({ type: 'online', group_id: query.groupId });
    }
  }

  /** One answer serves every query of that group in flight. */
  _onGroupPresence(frame) {
    const presence = groupPresence(frame);
    const answered = this._groupQueries.filter((q) => q.groupId === presence.groupId && q.sentOn !== 0);
    this._groupQueries = this._groupQueries.filter((q) => answered.indexOf(q) < 0);
    for (const query of answered) query.resolve(presence);
    this.emit('groupPresence', presence);
  }

  // ---- plumbing ----

  _write(frame) {
    const socket = this._socket;
    if (!socket) return false;
    try {
      socket.send(JSON.stringify(frame));
      return true;
    } catch (cause) {
      this.emit('error', new MiniChatError('socket', `could not write to the socket: ${describe(cause)}`, { retryable: true }));
      this._drop(CloseCode.SOCKET_ERROR, 'write failed');
      return false;
    }
  }

  _failAll(error) {
    for (const entry of this._outbox) {
      if (entry.retryTimer) this.clock.clearTimeout(entry.retryTimer);
      entry.reject(error);
    }
    this._outbox = [];
    this._pending.clear();
    for (const read of this._reads) read.reject(error);
    this._reads = [];
    for (const query of this._groupQueries) query.reject(error);
    this._groupQueries = [];
  }

  _setState(state, detail = {}) {
    const changed = state !== this._state;
    this._state = state;
    if (changed || state === 'reconnecting') this.emit('state', Object.assign({ state }, detail));
  }

  _timer(name, ms, fn) {
    this._clear(name);
    this._timers[name] = this.clock.setTimeout(() => {
      delete this._timers[name];
      fn();
    }, ms);
  }

  _clear(name) {
    if (this._timers[name] != null) {
      this.clock.clearTimeout(this._timers[name]);
      delete this._timers[name];
    }
  }
}

/** The sender's copy of a picture or file message, as the server's frames carry one (the ack carries no body). */
function withUpload(message, upload) {
  message.kind = upload.kind;
  message.data = placeholder(upload);
  message.file = messageFile(upload);
  return message;
}

/** An HTTP refusal as the module's error: the server's code and message, and the status. */
function httpError(response) {
  const error = (response.data && response.data.error) || {};
  return new MiniChatError(error.code || `http_${response.status}`, error.message || `HTTP ${response.status}`,
    { status: response.status, retryable: response.status === 503 });
}

function groupPath(groupId) {
  return `/api/groups/${requireId(groupId, 'groupId')}`;
}

/** The HTTP origin of a WebSocket URL: ws://host:8080/ws → http://host:8080. */
function httpBase(url) {
  const match = /^(wss?):\/\/([^/?#]+)/i.exec(url);
  if (!match) throw new TypeError(`not a ws:// or wss:// URL: ${url}`);
  return `${match[1].toLowerCase() === 'wss' ? 'https' : 'http'}://${match[2]}`;
}

/** The numeric `sub` of a JWT, or null (the client needs it for `bind`; the server checks it). */
function tokenSubject(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeBase64(part + '==='.slice((part.length + 3) % 4));
    const sub = Number(JSON.parse(json).sub);
    return Number.isSafeInteger(sub) && sub > 0 ? sub : null;
  } catch (ignored) {
    return null;
  }
}

function decodeBase64(text) {
  if (typeof atob === 'function') return atob(text);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const char of text.replace(/=+$/, '')) {
    value = (value << 6) | alphabet.indexOf(char);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((value >> bits) & 0xff);
    }
  }
  return out;
}

function safely(fn) {
  try {
    fn();
  } catch (ignored) {
    // the socket is going away anyway
  }
}

function describe(cause) {
  return (cause && (cause.message || cause.errMsg)) || String(cause);
}

/** Retry-After in seconds (or an HTTP date) as milliseconds; 0 when absent. */
function secondsToMs(value) {
  if (value == null || value === '') return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(String(value));
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : 0;
}

function header(headers, name) {
  if (!headers) return null;
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key];
  return null;
}

/** A message as it shows once recalled: no text, no file. */
function asRecalled(message) {
  const copy = Object.assign({}, message, { kind: 'recalled', data: '[消息已撤回]' });
  delete copy.file;
  return copy;
}
  exports.CloseCode = CloseCode;
  exports.MiniChatClient = MiniChatClient;
  exports.httpBase = httpBase;
  exports.tokenSubject = tokenSubject;
  return exports;
})({});

// ---- src/adapters/websocket.js
modules["adapters/websocket.js"] = (function (exports) {
const { MiniChatError } = modules["errors.js"];

/**
 * Adapter for the standard `WebSocket` (browsers, Node 22+, or Node 20 with --experimental-websocket), `fetch`, and
 * `FormData` with `Blob` for uploads.
 * In a browser, a hidden page counts as "in the background" (reconnects wait until it is visible again). The token
 * goes in the URL: the standard WebSocket cannot set headers.
 */
function webSocketAdapter(options) {
  const given = options || {};
  const WebSocketImpl = 'WebSocket' in given ? given.WebSocket : globalThis.WebSocket;
  const fetchImpl = 'fetch' in given ? given.fetch : globalThis.fetch;
  const doc = 'document' in given ? given.document : globalThis.document;
  const FormDataImpl = 'FormData' in given ? given.FormData : globalThis.FormData;
  const BlobImpl = 'Blob' in given ? given.Blob : globalThis.Blob;
  if (typeof WebSocketImpl !== 'function') {
    throw new TypeError('no WebSocket implementation: pass one, e.g. webSocketAdapter({ WebSocket })');
  }
  return {
    name: 'websocket',
    tokenInHeader: false,

    connect(url, handlers) {
      const socket = new WebSocketImpl(url);
      socket.onopen = () => handlers.onOpen();
      socket.onmessage = (event) => handlers.onMessage(typeof event.data === 'string' ? event.data : String(event.data));
      socket.onclose = (event) => handlers.onClose(event.code != null ? event.code : null, event.reason || '');
      socket.onerror = (event) => handlers.onError((event && event.error) || new Error('WebSocket error'));
      return {
        send: (text) => socket.send(text),
        close: (code, reason) => {
          try {
            socket.close(code, reason);
          } catch (ignored) {
            socket.close();
          }
        },
        raw: socket,
      };
    },

    async request({ method, url, headers, body }) {
      if (typeof fetchImpl !== 'function') throw new TypeError('no fetch implementation');
      const response = await fetchImpl(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return answer(response);
    },

    /**
     * A multipart POST: the original name as the form field `name` (ahead of the file, so that the server knows it
     * before the bytes), the file part `file`. fetch sets the multipart Content-Type with its boundary itself.
     */
    async upload({ url, headers, file, name }) {
      if (typeof fetchImpl !== 'function') throw new TypeError('no fetch implementation');
      if (typeof FormDataImpl !== 'function' || typeof BlobImpl !== 'function') {
        throw new MiniChatError('unsupported', 'no FormData or Blob here: pass them, e.g. webSocketAdapter({ FormData, Blob })');
      }
      if (typeof file === 'string') throw new MiniChatError('invalid_field', 'in browsers and Node, pass a Blob, a File or bytes, not a path');
      const blob = file instanceof BlobImpl ? file : new BlobImpl([file]);
      const form = new FormDataImpl();
      if (name) form.append('name', name);
      form.append('file', blob, name || blob.name || 'file');
      return answer(await fetchImpl(url, { method: 'POST', headers, body: form }));
    },

    onLifecycle(onForeground, onBackground) {
      if (!doc || typeof doc.addEventListener !== 'function') return () => {};
      const listener = () => (doc.visibilityState === 'hidden' ? onBackground() : onForeground());
      doc.addEventListener('visibilitychange', listener);
      return () => doc.removeEventListener('visibilitychange', listener);
    },
  };
}

/** A fetch response as the client takes it: the status, the body parsed when it is JSON, and Retry-After. */
async function answer(response) {
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (ignored) {
    data = text;
  }
  const retryAfter = response.headers && typeof response.headers.get === 'function' ? response.headers.get('retry-after') : null;
  return { status: response.status, data, headers: retryAfter != null ? { 'Retry-After': retryAfter } : {} };
}
  exports.webSocketAdapter = webSocketAdapter;
  return exports;
})({});

// ---- src/adapters/miniprogram.js
modules["adapters/miniprogram.js"] = (function (exports) {
/**
 * Adapters for mini-program socket APIs: uni-app's `uni` and WeChat's `wx` have the same shape (`connectSocket`
 * returning a SocketTask, `request`, `uploadFile`, `onAppShow`/`onAppHide`). Pass the API in: `uniAppAdapter(uni)`,
 * `wechatAdapter(wx)`. uni-app gives app code `uni` by rewriting the bare name at build time; on mp-weixin there is
 * no `globalThis.uni`, so a package cannot find it by itself.
 *
 * What the platforms do, and what the adapter does about it:
 * - `connectSocket` returns a SocketTask only when `success`, `fail` or `complete` is given (uni-app returns a
 *   Promise otherwise); its `fail` (domain not allowed, bad URL, too many sockets) is reported at once.
 * - `onError` carries only `errMsg`, never the HTTP status of a refused handshake; the client finds the reason out
 *   over HTTP.
 * - `onClose` may come without `code` and `reason` (uni-app before HBuilderX 3.7.12): the code is then `null`.
 * - `close` accepts only 1000 or 3000–4999 and a reason of at most 123 bytes; other codes become 1000. A close the
 *   platform refuses is tried again without a code; a task still connecting may refuse to close: it is closed as
 *   soon as it opens, and the client opens no other socket until the platform has let go of it (`onGone`).
 * - `send` failures (a socket the platform cut while the app was suspended) are reported as errors, and the client
 *   drops the socket.
 * - The token goes in the `Authorization` header, except where the platform ignores `header` (uni-app H5, which
 *   runs on the browser's WebSocket): there it goes in the URL.
 * - `uploadFile` gives `res.data` as a string, whatever the server's content type: the adapter parses it.
 */

const { MiniChatError } = modules["errors.js"];

const NORMAL = 1000;
const MAX_REASON_BYTES = 123;

function noop() {}

function errText(err, fallback) {
  return (err && err.errMsg) || (err && err.message) || fallback;
}

/** A close code the platform accepts: 1000 or 3000–4999. */
function legalCloseCode(code) {
  const value = Number(code);
  return value === NORMAL || (value >= 3000 && value <= 4999) ? value : NORMAL;
}

/** The reason cut to at most 123 bytes of UTF-8. */
function legalCloseReason(reason) {
  let text = reason == null ? '' : String(reason);
  while (utf8Length(text) > MAX_REASON_BYTES) text = text.slice(0, -1);
  return text;
}

function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

function asText(data) {
  if (typeof data === 'string') return data;
  if (data && typeof TextDecoder === 'function') {
    try {
      return new TextDecoder('utf-8').decode(data);
    } catch (ignored) {
      // not bytes
    }
  }
  return String(data);
}

/** A body the platform left as text (uploadFile always does; request when it is not JSON-typed), parsed if JSON. */
function parsed(data) {
  if (typeof data !== 'string' || !data) return data;
  try {
    return JSON.parse(data);
  } catch (ignored) {
    return data; // not JSON: keep the text
  }
}

function later(fn) {
  Promise.resolve().then(fn);
}

/**
 * `api`: `uni` or `wx`. Options: `name` (used in errors), `tokenIn`: `'header'` (default) or `'query'`.
 */
function miniProgramAdapter(api, options) {
  const settings = typeof options === 'string' ? { name: options } : (options || {});
  const name = settings.name || 'mini-program';
  if (!api || (typeof api !== 'object' && typeof api !== 'function')) {
    throw new TypeError(`${name}: pass the platform API object (uniAppAdapter(uni), wechatAdapter(wx))`);
  }
  const missing = ['connectSocket', 'request'].filter((key) => typeof api[key] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(`${name}: the API object passed has no ${missing.join(' and ')} (pass uni or wx itself)`);
  }
  const tokenInHeader = settings.tokenIn !== 'query';

  return {
    name,
    tokenInHeader,

    connect(url, handlers, connectOptions) {
      const extra = connectOptions || {};
      // connecting → open → closed; `gone` once the platform has let go of the task
      let phase = 'connecting';
      let gone = false;
      let reported = false;
      let closeWanted = null;
      const goneListeners = [];

      const markGone = () => {
        if (gone) return;
        gone = true;
        phase = 'closed';
        for (const fn of goneListeners.splice(0)) {
          try {
            fn();
          } catch (ignored) {
            // a listener's problem
          }
        }
      };
      const reportError = (error) => {
        if (reported) return;
        reported = true;
        handlers.onError(error);
      };
      const reportClose = (code, reason) => {
        if (reported) return;
        reported = true;
        handlers.onClose(code, reason);
      };

      const request = {
        url,
        success: noop,
        fail: (err) => {
          const error = new Error(`${name}: connectSocket failed: ${errText(err, 'no reason given')}`);
          error.phase = 'connect';
          error.errMsg = errText(err, '');
          later(() => {
            markGone();
            reportError(error);
          });
        },
        complete: noop,
      };
      if (tokenInHeader && extra.headers) request.header = extra.headers;
      const task = api.connectSocket(request);
      if (!task || typeof task.onOpen !== 'function') {
        throw new Error(`${name}: connectSocket returned no SocketTask`);
      }

      const closeTask = (code, reason) => {
        if (gone) return;
        const options = {
          code: legalCloseCode(code),
          reason: legalCloseReason(reason),
          success: markGone,
          fail: () => {
            // retried without a code, as a browser would do; a task still connecting is closed once it opens
            const plain = {
              success: markGone,
              fail: () => {
                if (phase === 'open') markGone(); // the platform says it is not connected any more
              },
            };
            try {
              task.close(plain);
            } catch (ignored) {
              if (phase === 'open') markGone();
            }
          },
        };
        try {
          task.close(options);
        } catch (ignored) {
          options.fail();
        }
      };

      task.onOpen(() => {
        if (gone) return;
        phase = 'open';
        if (closeWanted) {
          closeTask(closeWanted.code, closeWanted.reason);
          return;
        }
        handlers.onOpen();
      });
      task.onMessage((res) => {
        if (phase === 'open' && !closeWanted) handlers.onMessage(asText(res && res.data));
      });
      task.onClose((res) => {
        markGone();
        const code = res && res.code != null ? Number(res.code) : null;
        reportClose(code, res && res.reason != null ? String(res.reason) : '');
      });
      task.onError((err) => {
        if (phase === 'connecting') markGone(); // the attempt failed
        reportError(new Error(`${name}: socket error: ${errText(err, 'no reason given')}`));
      });

      return {
        send(text) {
          if (closeWanted || gone) throw new Error(`${name}: the socket is closed`);
          task.send({
            data: text,
            fail: (err) => later(() => reportError(new Error(`${name}: send failed: ${errText(err, 'no reason given')}`))),
          });
        },
        close(code, reason) {
          if (closeWanted) return;
          closeWanted = { code, reason };
          reported = true; // the client handles its own close
          closeTask(code, reason);
        },
        /** Calls fn once the platform has let go of the task (closed, or never opened). */
        onGone(fn) {
          if (gone) fn();
          else goneListeners.push(fn);
        },
        get gone() {
          return gone;
        },
        raw: task,
      };
    },

    request(req) {
      return new Promise((resolve, reject) => {
        try {
          api.request({
            url: req.url,
            method: req.method,
            header: req.headers,
            data: req.body,
            success: (res) => resolve({ status: res.statusCode, data: parsed(res.data), headers: res.header || res.headers || {} }),
            fail: (err) => reject(new Error(`${name}: request failed: ${errText(err, 'no reason given')}`)),
          });
        } catch (cause) {
          reject(cause);
        }
      });
    },

    /**
     * `uploadFile` as both platforms document it: the file part named `file`, the original name as a form field
     * (temporary paths have names like `tmp_abc.png`), `res.data` a string. Looked up at call time, so that a
     * runtime without it still launches; uni-app H5 also takes a File or Blob (`file`) instead of a path.
     */
    upload(req) {
      return new Promise((resolve, reject) => {
        if (typeof api.uploadFile !== 'function') {
          reject(new MiniChatError('unsupported', `${name}: this platform has no uploadFile`));
          return;
        }
        const params = {
          url: req.url,
          name: 'file',
          header: req.headers,
          success: (res) => resolve({ status: res.statusCode, data: parsed(res.data), headers: res.header || res.headers || {} }),
          fail: (err) => reject(new Error(`${name}: uploadFile failed: ${errText(err, 'no reason given')}`)),
        };
        if (typeof req.file === 'string') params.filePath = req.file;
        else params.file = req.file;
        if (req.name) params.formData = { name: req.name };
        try {
          api.uploadFile(params);
        } catch (cause) {
          reject(cause);
        }
      });
    },

    /**
     * The platform's app show/hide events, where it has them (not uni-app App and H5: there, call the client's
     * `resume()` and `pause()` from App's `onShow` and `onHide`).
     */
    onLifecycle(onForeground, onBackground) {
      if (typeof api.onAppShow !== 'function' || typeof api.onAppHide !== 'function') return noop;
      const show = () => onForeground();
      const hide = () => onBackground();
      try {
        api.onAppShow(show);
        api.onAppHide(hide);
      } catch (ignored) {
        return noop;
      }
      return () => {
        if (typeof api.offAppShow === 'function') api.offAppShow(show);
        if (typeof api.offAppHide === 'function') api.offAppHide(hide);
      };
    },
  };
}

function runsOnBrowser() {
  return typeof document !== 'undefined' && typeof window !== 'undefined';
}

/**
 * uni-app: pass `uni` (`uniAppAdapter(uni)`). On H5 the socket is the browser's, which cannot carry headers: the
 * token then goes in the URL.
 */
function uniAppAdapter(uni, options) {
  if (uni == null) {
    throw new TypeError('uni-app: pass uni, as in uniAppAdapter(uni): uni-app gives `uni` to app code at build '
      + 'time, there is no globalThis.uni to find it by on mp-weixin');
  }
  const settings = Object.assign({ name: 'uni-app', tokenIn: runsOnBrowser() ? 'query' : 'header' }, options);
  return miniProgramAdapter(uni, settings);
}

/** WeChat mini-program: pass `wx` (`wechatAdapter(wx)`). */
function wechatAdapter(wx, options) {
  if (wx == null) throw new TypeError('wechat: pass wx, as in wechatAdapter(wx)');
  return miniProgramAdapter(wx, Object.assign({ name: 'wechat', tokenIn: 'header' }, options));
}
  exports.legalCloseCode = legalCloseCode;
  exports.legalCloseReason = legalCloseReason;
  exports.miniProgramAdapter = miniProgramAdapter;
  exports.uniAppAdapter = uniAppAdapter;
  exports.wechatAdapter = wechatAdapter;
  return exports;
})({});

// ---- src/index.js
modules["index.js"] = (function (exports) {
/**
 * minichat-client: a chat client for the minichat server that keeps one WebSocket healthy and hands the app every
 * message once, in order.
 *
 *   import { createClient, webSocketAdapter } from 'minichat-client';
 *   const chat = createClient({ url: 'wss://chat.example.com/ws', token, adapter: webSocketAdapter() });
 *   chat.on('message', (m) => show(m));
 *   await chat.send(2, 'hello');
 */
const { MiniChatClient } = modules["client.js"];

exports.MiniChatClient = modules["client.js"].MiniChatClient;
exports.CloseCode = modules["client.js"].CloseCode;
exports.httpBase = modules["client.js"].httpBase;
exports.tokenSubject = modules["client.js"].tokenSubject;
exports.MiniChatError = modules["errors.js"].MiniChatError;
exports.systemEvent = modules["groups.js"].systemEvent;
exports.backoffDelay = modules["backoff.js"].backoffDelay;
exports.DEFAULT_BACKOFF = modules["backoff.js"].DEFAULT_BACKOFF;
exports.Emitter = modules["emitter.js"].Emitter;
exports.webSocketAdapter = modules["adapters/websocket.js"].webSocketAdapter;
exports.miniProgramAdapter = modules["adapters/miniprogram.js"].miniProgramAdapter;
exports.uniAppAdapter = modules["adapters/miniprogram.js"].uniAppAdapter;
exports.wechatAdapter = modules["adapters/miniprogram.js"].wechatAdapter;

/** A started client (see MiniChatClient for the options). */
function createClient(options) {
  return new MiniChatClient(options);
}
  exports.createClient = createClient;
  return exports;
})({});

module.exports = modules["index.js"];
