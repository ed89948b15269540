import { Emitter } from './emitter.js';
import { MiniChatError } from './errors.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { checkFileSize, DEFAULT_MAX_FILE_BYTES, describeFile, fileLinkInfo, messageFile, placeholder, uploadInfo } from './files.js';
import {
  conversationPage, directMessage, groupInfo, groupMembers, groupMessage, groupPresence, groupReceipts,
  isGroupMessage, messageKey, requireId, requireIds,
} from './groups.js';

/** Typing hints sent per peer at most this often; what the server forwards at most too. */
const TYPING_EVERY_MS = 2000;
/** How long a typing indicator shows when the server does not say. */
const TYPING_SHOWN_MS = 5000;
/** Peers whose last typing hint is remembered. */
const TYPING_PEERS = 16;

/** Close codes the server uses (see the server's docs/protocol.md). */
export const CloseCode = Object.freeze({
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
export class MiniChatClient extends Emitter {
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
export function httpBase(url) {
  const match = /^(wss?):\/\/([^/?#]+)/i.exec(url);
  if (!match) throw new TypeError(`not a ws:// or wss:// URL: ${url}`);
  return `${match[1].toLowerCase() === 'wss' ? 'https' : 'http'}://${match[2]}`;
}

/** The numeric `sub` of a JWT, or null (the client needs it for `bind`; the server checks it). */
export function tokenSubject(token) {
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
