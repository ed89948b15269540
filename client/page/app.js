// The chat page: everything it shows comes through the client module, served by the gateway at /client/.
import { createClient, webSocketAdapter } from '/client/index.js';

const $ = (id) => document.getElementById(id);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
/** Own messages younger than this offer "Recall" (the server's default window). */
const RECALL_WINDOW_MS = 120_000;
const CONVERSATION_PAGE = 50;

let me = null;
let client = null;
let open = null; // { kind: 'user' | 'group', id }
let countdown = null;
let listRefresh = null;
let listRequests = 0;
let nextConversations = null;
/** Users typing to this user right now (the client module expires them). */
const typingNow = new Set();
const conversations = new Map(); // 'user:2' | 'group:7' -> { kind, id, name, last, unread, mentions, pinned, muted, online, lastActiveAt }
const chats = new Map(); // same keys -> { byKey: Map, hasMore, loaded }
const groups = new Map(); // group id -> { role, left, members: Map(user id -> { role, online }) }
const presence = new Map(); // user id -> online
/** Per peer, the newest of this user's messages the peer has read (a receipt may come before its message's ack). */
const readUpTo = new Map();
/** Fresh links being fetched, by file id: one request however many images of it failed. */
const renewing = new Map();
/** A link this close to its expiry counts as expired: it might not last until the browser has fetched it. */
const LINK_MARGIN_MS = 2000;
/** How often a thumbnail whose link is still valid is fetched again after it failed to load. */
const THUMB_RETRIES = 3;

const keyOf = (kind, id) => `${kind}:${id}`;
const isOpen = (kind, id) => open != null && open.kind === kind && open.id === id;
const userName = (id) => `用户 ${id}`;

// ---- signing in ----

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('signin-error').textContent = '';
  const userId = Number($('user-id').value);
  if (!Number.isSafeInteger(userId) || userId <= 0) {
    $('signin-error').textContent = 'A user id is a positive whole number.';
    return;
  }
  let token = $('token').value.trim();
  if (!token) {
    const response = await fetch('/dev/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId }),
    });
    if (response.status === 404) {
      $('token-row').hidden = false;
      $('signin-error').textContent = 'Paste a token to sign in.';
      return;
    }
    if (!response.ok) {
      $('signin-error').textContent = `Could not get a token (HTTP ${response.status}).`;
      return;
    }
    token = (await response.json()).token;
  }
  start(userId, token);
});

// ---- the client ----

/**
 * The browser adapter, keeping the current socket so that the page's test hooks can drop it, and hold the network
 * down: while held, every connect fails the way an unreachable server does, until the hold is released.
 */
function adapter() {
  const inner = webSocketAdapter();
  let current = null;
  let held = false;
  const unreachable = (handlers) => {
    setTimeout(() => {
      handlers.onError(new Error('network held down'));
      handlers.onClose(1006, '');
    }, 0);
    return { send: () => {}, close: () => {}, raw: null };
  };
  return {
    ...inner,
    connect(url, handlers) {
      current = held ? unreachable(handlers) : inner.connect(url, handlers);
      return current;
    },
    drop({ hold = false } = {}) {
      held = hold;
      current?.raw?.close(4000, 'connection dropped');
    },
    release() {
      held = false;
    },
  };
}

function start(userId, token) {
  me = userId;
  const socketAdapter = adapter();
  client = createClient({ url: wsUrl, token, userId, adapter: socketAdapter });
  window.minichat = {
    client,
    dropConnection: (options) => socketAdapter.drop(options),
    restoreNetwork: () => socketAdapter.release(),
  };
  $('signin').hidden = true;
  $('app').hidden = false;
  $('me').textContent = `signed in as user ${userId}`;

  client.on('state', (state) => {
    showConnection(state);
    // member dots may have changed while the socket was down
    if (state.state === 'online' && open?.kind === 'group') refreshMembersOnline(open.id);
  });
  client.on('message', onMessage);
  client.on('groupMessage', onGroupMessage);
  client.on('receipts', onReceipts);
  client.on('unread', () => refreshConversations());
  client.on('read', () => refreshConversations());
  client.on('groupRead', () => refreshConversations());
  client.on('synced', () => refreshConversations());
  client.on('presence', ({ userId: user, online }) => {
    presence.set(user, online);
    renderConversations();
    if (open?.kind === 'user' && open.id === user) renderChatHeader();
    if (open?.kind === 'group' && groups.get(open.id)?.members.has(user)) {
      groups.get(open.id).members.get(user).online = online;
      renderMembers();
    }
  });
  client.on('receipt', onReceipt);
  client.on('recall', onRecall);
  client.on('deleted', ({ id, peer }) => {
    chat('user', peer).byKey.delete(`m:${id}`);
    if (isOpen('user', peer)) renderMessages(false);
    refreshConversations();
  });
  client.on('typing', ({ from, typing }) => {
    typingNow[typing ? 'add' : 'delete'](from);
    if (open?.kind === 'user' && open.id === from) renderChatHeader();
  });
  client.on('error', (error) => console.warn('minichat:', error.code, error.message));
  refreshConversations();
}

function showConnection({ state, retryAt }) {
  const pill = $('conn');
  pill.dataset.state = state;
  clearInterval(countdown);
  const labels = { connecting: 'connecting…', online: 'online', paused: 'paused', closed: 'closed', idle: 'idle' };
  if (state === 'reconnecting') {
    const tick = () => {
      const seconds = Math.max(0, (retryAt - Date.now()) / 1000);
      pill.textContent = `reconnecting in ${seconds.toFixed(1)} s`;
    };
    tick();
    countdown = setInterval(tick, 100);
  } else {
    pill.textContent = labels[state] || state;
  }
}

// ---- the conversation list ----

function conversation(kind, id) {
  const key = keyOf(kind, id);
  if (!conversations.has(key)) {
    conversations.set(key, { kind, id, name: null, last: null, unread: 0, mentions: 0, pinned: false, muted: false, lastActiveAt: 0 });
    if (kind === 'user') client.watch(id);
  }
  return conversations.get(key);
}

function chat(kind, id) {
  const key = keyOf(kind, id);
  if (!chats.has(key)) chats.set(key, { byKey: new Map(), hasMore: false, loaded: false });
  return chats.get(key);
}

function group(id) {
  if (!groups.has(id)) groups.set(id, { role: null, left: false, members: new Map() });
  return groups.get(id);
}

/** The list as the server has it (unread and mention counts, pins, mutes), shortly after anything changed. */
function refreshConversations() {
  clearTimeout(listRefresh);
  listRefresh = setTimeout(async () => {
    const request = ++listRequests;
    try {
      const page = await client.conversations({ limit: CONVERSATION_PAGE });
      if (request !== listRequests) return; // a newer answer is on its way
      nextConversations = page.next;
      merge(page.conversations);
    } catch (error) {
      console.warn('conversations:', error.message);
    }
  }, 150);
}

$('more-conversations').addEventListener('click', async () => {
  if (nextConversations == null) return;
  const page = await client.conversations({ limit: CONVERSATION_PAGE, cursor: nextConversations });
  nextConversations = page.next;
  merge(page.conversations);
});

function merge(items) {
  for (const item of items) {
    const entry = conversation(item.kind, item.id);
    const newer = !entry.last || !item.last || item.last.cursor >= entry.last.cursor;
    Object.assign(entry, { ...item, last: newer ? item.last : entry.last });
    entry.lastActiveAt = Math.max(entry.lastActiveAt, item.lastActiveAt);
  }
  renderConversations();
  if (open) renderChatHeader();
}

function preview(last) {
  if (!last) return '';
  if (last.type === 'group_text') {
    if (last.system) return describeChange(last.system);
    return `${last.outgoing ? 'You' : userName(last.from_id)}: ${summary(last)}`;
  }
  return `${last.outgoing ? 'You: ' : ''}${summary(last)}`;
}

/** A message in a line: a picture or file by what it is rather than by its long link. */
function summary(message) {
  if (message.kind === 'recalled') return '[Recalled]';
  if (message.kind === 'image') return '[Picture]';
  if (message.kind === 'file') return `[File] ${message.file?.name ?? ''}`;
  return message.data;
}

function renderConversations() {
  const list = $('conversations');
  const items = [...conversations.values()].sort((a, b) => (b.pinned - a.pinned) || (b.lastActiveAt - a.lastActiveAt));
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement('li');
    li.dataset.kind = item.kind;
    if (item.kind === 'user') li.dataset.peer = item.id;
    else li.dataset.group = item.id;
    li.className = isOpen(item.kind, item.id) ? 'active' : '';
    li.innerHTML = '<span class="text"><span class="name"></span><span class="preview"></span></span>'
      + '<span class="flags"></span><span class="mention"></span><span class="badge"></span>';
    if (item.kind === 'user') {
      const dot = document.createElement('span');
      dot.className = 'dot';
      dot.classList.toggle('online', presence.get(item.id) === true);
      dot.title = presence.get(item.id) ? 'online' : 'offline';
      li.prepend(dot);
    } else {
      const avatar = document.createElement('span');
      avatar.className = 'avatar';
      avatar.textContent = '群';
      li.prepend(avatar);
    }
    li.querySelector('.name').textContent = title(item);
    li.querySelector('.preview').textContent = preview(item.last);
    li.querySelector('.flags').textContent = [item.pinned && 'pinned', item.muted && 'muted'].filter(Boolean).join(' · ');
    const hidden = isOpen(item.kind, item.id);
    li.querySelector('.mention').textContent = item.mentions > 0 && !hidden ? '@' : '';
    li.querySelector('.mention').title = `${item.mentions} unread mention${item.mentions === 1 ? '' : 's'}`;
    const badge = li.querySelector('.badge');
    badge.textContent = item.unread > 0 && !hidden ? String(item.unread) : '';
    badge.classList.toggle('quiet', item.muted);
    li.addEventListener('click', () => openConversation(item.kind, item.id));
    return li;
  }));
  $('more-conversations').hidden = nextConversations == null;
}

function title(item) {
  if (item.kind === 'user') return userName(item.id);
  return item.name || `Group ${item.id}`;
}

$('new-chat').addEventListener('submit', (event) => {
  event.preventDefault();
  const peer = Number($('peer-id').value);
  if (!Number.isSafeInteger(peer) || peer <= 0 || peer === me) return;
  $('peer-id').value = '';
  conversation('user', peer);
  openConversation('user', peer);
});

$('new-group').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('group-error').textContent = '';
  const ids = idsIn($('group-members').value).filter((id) => id !== me);
  try {
    const created = await client.createGroup($('group-name').value.trim(), ids);
    $('group-name').value = '';
    $('group-members').value = '';
    $('new-group-box').open = false;
    Object.assign(conversation('group', created.groupId), { name: created.name, lastActiveAt: created.createdAt });
    group(created.groupId).role = created.role;
    openConversation('group', created.groupId);
    refreshConversations();
  } catch (error) {
    $('group-error').textContent = error.message;
  }
});

/** User ids typed by a person: "12 13", "12, 13". */
function idsIn(text) {
  return [...new Set((text.match(/\d+/g) || []).map(Number).filter((id) => Number.isSafeInteger(id) && id > 0))];
}

// ---- the open conversation ----

async function openConversation(kind, id) {
  open = { kind, id };
  const item = conversation(kind, id);
  item.unread = 0;
  item.mentions = 0;
  if (kind === 'user') client.openChat(id);
  else client.closeChat(); // a group is not a user's chat: their messages should not arrive read
  $('chat-empty').hidden = true;
  $('chat-view').hidden = false;
  $('members-panel').hidden = kind !== 'group';
  $('members-toggle').hidden = kind !== 'group';
  renderConversations();
  renderChatHeader();
  renderMessages(true);
  // focus now, not once the history is in: by then the person may be typing somewhere else
  $('text').focus();
  if (kind === 'group') loadMembers(id);
  const state = chat(kind, id);
  if (!state.loaded) {
    state.loaded = true;
    try {
      const page = kind === 'user' ? await client.history(id, { limit: 30 }) : await client.groupHistory(id, { limit: 30 });
      state.hasMore = page.hasMore;
      for (const message of page.messages) put(kind, id, decorate(message));
    } catch (error) {
      state.loaded = false;
      console.warn('history:', error.message);
    }
    if (isOpen(kind, id)) renderMessages(true);
  }
  if (kind === 'user') client.markRead(id).catch(() => {});
  else if (!group(id).left) client.readGroup(id).catch(() => {});
}

function renderChatHeader() {
  if (!open) return;
  const item = conversation(open.kind, open.id);
  $('chat-title').textContent = title(item);
  if (open.kind === 'user') {
    const online = presence.get(open.id);
    $('chat-dot').hidden = false;
    $('chat-dot').classList.toggle('online', online === true);
    $('chat-presence').textContent = typingNow.has(open.id) ? 'typing…'
      : online == null ? '' : online ? 'online' : 'offline';
  } else {
    const members = group(open.id).members;
    $('chat-dot').hidden = true;
    $('chat-presence').textContent = members.size > 0 ? `${members.size} members` : '';
  }
  $('pin-toggle').textContent = item.pinned ? 'Unpin' : 'Pin';
  $('pin-toggle').classList.toggle('on', item.pinned);
  $('mute-toggle').textContent = item.muted ? 'Unmute' : 'Mute';
  $('mute-toggle').classList.toggle('on', item.muted);
  const left = open.kind === 'group' && group(open.id).left;
  $('not-member').hidden = !left;
  $('composer').hidden = left;
  $('add-members').hidden = left || !canManage(open.id);
  $('leave-group').hidden = left;
}

for (const [button, pref] of [['pin-toggle', 'pinned'], ['mute-toggle', 'muted']]) {
  $(button).addEventListener('click', async () => {
    if (!open) return;
    const item = conversation(open.kind, open.id);
    try {
      await client.setConversationPrefs(open.kind, open.id, { [pref]: !item[pref] });
      item[pref] = !item[pref];
      renderConversations();
      renderChatHeader();
      refreshConversations();
    } catch (error) {
      console.warn('prefs:', error.message);
    }
  });
}

$('members-toggle').addEventListener('click', () => {
  $('members-panel').hidden = !$('members-panel').hidden;
});

$('older').addEventListener('click', async () => {
  const { kind, id } = open;
  const state = chat(kind, id);
  const oldest = sorted(state)[0];
  if (!oldest?.id) return;
  $('older').disabled = true;
  try {
    const page = kind === 'user'
      ? await client.history(id, { before: oldest.id, limit: 30, markRead: false })
      : await client.groupHistory(id, { before: oldest.seq, limit: 30, markRead: false });
    state.hasMore = page.hasMore;
    for (const message of page.messages) put(kind, id, decorate(message));
  } finally {
    $('older').disabled = false;
  }
  if (isOpen(kind, id)) renderMessages(false);
});

$('text').addEventListener('input', () => {
  if (open?.kind === 'user') client.typing(open.id);
});

$('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('text').value;
  if (!text.trim() || open == null) return;
  $('text').value = '';
  const { kind, id } = open;
  const cid = client.newCid();
  put(kind, id, { cid, data: text, outgoing: true, created_at: Date.now(), status: 'sending' });
  renderMessages(true);
  const sent = kind === 'user'
    ? client.send(id, text, { cid })
    : client.sendToGroup(id, text, { cid, ...mentionsIn(text) });
  sent.catch((error) => {
    const entry = chat(kind, id).byKey.get(`c:${cid}`);
    if (entry) {
      entry.status = 'failed';
      entry.error = error.message;
    }
    if (isOpen(kind, id)) renderMessages(false);
  });
});

$('attach').addEventListener('click', () => $('attach-input').click());

$('attach-input').addEventListener('change', () => {
  const files = [...$('attach-input').files];
  $('attach-input').value = ''; // the same file may be chosen again
  if (open == null) return;
  for (const file of files) sendAttachment(open.kind, open.id, file);
});

/** Shows the file at once from its local copy, then uploads and sends it; the stored message replaces it. */
function sendAttachment(kind, id, file) {
  const cid = client.newCid();
  const local = URL.createObjectURL(file);
  const picture = file.type.startsWith('image/');
  put(kind, id, {
    cid,
    kind: picture ? 'image' : 'file',
    data: file.name,
    file: { name: file.name, size: file.size, mime: file.type, url: local, thumb_url: picture ? local : undefined },
    outgoing: true,
    created_at: Date.now(),
    status: 'sending',
  });
  renderMessages(true);
  const sent = kind === 'user' ? client.sendFile(id, file, { cid }) : client.sendFileToGroup(id, file, { cid });
  sent.then(() => URL.revokeObjectURL(local), (error) => {
    const entry = chat(kind, id).byKey.get(`c:${cid}`);
    if (entry) {
      entry.status = 'failed';
      entry.error = error.message;
    }
    if (isOpen(kind, id)) renderMessages(false);
  });
}

/** `@12` mentions user 12, `@all` everyone (owners and admins may). */
function mentionsIn(text) {
  const mentions = [...new Set([...text.matchAll(/@(\d+)\b/g)].map((m) => Number(m[1])).filter((id) => id !== me))];
  return { mentions, mentionAll: /@all\b/i.test(text) };
}

// ---- messages ----

/** Every one-to-one message, sent or received, exactly once and in order, from the client module. */
function onMessage(message) {
  const item = conversation('user', message.peer);
  item.last = message;
  item.lastActiveAt = Math.max(item.lastActiveAt, message.created_at);
  put('user', message.peer, decorate(message));
  if (!message.outgoing) {
    if (isOpen('user', message.peer)) client.markRead(message.peer, message.id).catch(() => {});
    else if (!message.is_read) item.unread += 1;
  }
  renderConversations();
  if (isOpen('user', message.peer)) renderMessages(true);
}

/** Every group message, the same way: in inbox order, once. */
function onGroupMessage(message) {
  const id = message.groupId;
  const item = conversation('group', id);
  item.last = message;
  item.lastActiveAt = Math.max(item.lastActiveAt, message.created_at);
  put('group', id, decorate(message));
  if (message.system) onChange(id, message.system);
  if (!message.outgoing && !message.system) {
    if (isOpen('group', id)) client.readGroup(id, message.seq).catch(() => {});
    else {
      item.unread += 1;
      if (message.mentioned) item.mentions += 1;
    }
  }
  renderConversations();
  if (isOpen('group', id)) {
    renderChatHeader();
    renderMessages(true);
  }
}

/** A membership change: the member list is read again; a change that ends this user's membership ends the chat. */
function onChange(id, change) {
  const state = group(id);
  if (change.event === 'dissolved' || (['removed', 'left'].includes(change.event) && change.users.includes(me))) {
    state.left = true;
  }
  if (change.event === 'renamed' && change.name) conversation('group', id).name = change.name;
  if (isOpen('group', id) && !state.left) loadMembers(id);
}

function onReceipts({ groupId, reads }) {
  const state = chat('group', groupId);
  for (const { seq, count } of reads) {
    for (const message of state.byKey.values()) {
      if (message.outgoing && message.seq === seq && count > 0) {
        message.status = 'read';
        message.readBy = Math.max(message.readBy || 0, count);
      }
    }
  }
  if (isOpen('group', groupId)) renderMessages(false);
}

function decorate(message) {
  if (message.type === 'group_text') {
    const status = message.system ? 'system' : message.outgoing ? 'delivered' : 'received';
    return { ...message, status };
  }
  const outgoing = message.outgoing ?? Number(message.from_id) === me;
  const peer = outgoing ? Number(message.to_id) : Number(message.from_id);
  const read = message.is_read || message.id <= (readUpTo.get(peer) ?? 0);
  return {
    ...message,
    outgoing,
    peer,
    status: outgoing ? (read ? 'read' : 'delivered') : 'received',
  };
}

/** One entry per message: keyed by id once stored, replacing the pending entry of the same cid. */
function put(kind, id, message) {
  const byKey = chat(kind, id).byKey;
  if (message.cid) {
    const pending = byKey.get(`c:${message.cid}`);
    if (pending && message.id != null) byKey.delete(`c:${message.cid}`);
  }
  const key = message.id != null ? `m:${message.id}` : `c:${message.cid}`;
  const known = byKey.get(key);
  if (known && known.status === 'read' && message.status === 'delivered') message.status = 'read';
  byKey.set(key, { ...known, ...message });
}

function sorted(state) {
  const stored = [];
  const pending = [];
  for (const message of state.byKey.values()) (message.id != null ? stored : pending).push(message);
  stored.sort((a, b) => a.seq - b.seq || a.id - b.id);
  return [...stored, ...pending];
}

function renderMessages(scrollToEnd) {
  if (open == null) return;
  const state = chat(open.kind, open.id);
  const inGroup = open.kind === 'group';
  $('older').hidden = !state.hasMore;
  const labels = { sending: '🕓 sending', delivered: '✓ delivered', read: '✓✓ read', failed: '⚠ not sent', received: '' };
  $('messages').replaceChildren(...sorted(state).map((message) => {
    const li = document.createElement('li');
    if (message.id != null) li.dataset.id = message.id;
    if (message.cid) li.dataset.cid = message.cid;
    li.dataset.status = message.status;
    const text = document.createElement('span');
    text.className = 'text';
    if (message.system) {
      li.className = 'system';
      text.textContent = describeChange(message.system);
      li.append(text);
      return li;
    }
    li.className = message.outgoing ? 'out' : 'in';
    if (message.mentioned) li.classList.add('mentioned');
    if (inGroup && !message.outgoing) {
      const sender = document.createElement('span');
      sender.className = 'sender';
      sender.textContent = userName(message.from_id);
      li.append(sender);
    }
    if (message.kind === 'recalled') {
      li.classList.add('recalled');
      text.textContent = message.outgoing ? 'You recalled a message · 你撤回了一条消息' : 'Message recalled · 对方撤回了一条消息';
    } else if (message.kind === 'image' && message.file) text.append(pictureOf(message));
    else if (message.kind === 'file' && message.file) text.append(downloadOf(message));
    else if (inGroup) text.append(...withMentions(message.data));
    else text.textContent = message.data;
    const meta = document.createElement('span');
    meta.className = 'meta';
    const time = new Date(message.created_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const label = message.status === 'read' && message.readBy ? `✓✓ read by ${message.readBy}` : labels[message.status] ?? '';
    meta.textContent = `${time} ${label}`.trim();
    if (message.error) meta.title = message.error;
    li.append(text, meta);
    if (!inGroup && message.id != null) li.append(messageActions(message));
    return li;
  }));
  if (scrollToEnd) $('messages-box').scrollTop = $('messages-box').scrollHeight;
}

/** A picture as its thumbnail, opening the full picture; a thumbnail whose link expired asks for a fresh one. */
function pictureOf(message) {
  const { file } = message;
  const link = document.createElement('a');
  link.className = 'picture';
  link.href = file.url;
  link.target = '_blank';
  link.rel = 'noopener';
  link.title = file.name;
  const image = document.createElement('img');
  image.alt = file.name;
  if (file.width && file.height) {
    // the box the thumbnail will fill, so that the list does not jump when it arrives
    const width = Math.min(240, file.width);
    image.width = width;
    image.height = Math.round((file.height * width) / file.width);
  }
  let retries = 0;
  image.addEventListener('error', () => {
    if (!file.id) return;
    if (linkExpired(file)) {
      renewLinks(file.id).catch((error) => console.warn('file link:', error.message));
    } else if (retries < THUMB_RETRIES) {
      // a valid link that failed (a dropped connection, a busy server) is tried again, a little later each time
      setTimeout(() => { image.src = thumbnailOf(file); }, 500 * 2 ** retries++);
    }
  });
  image.src = thumbnailOf(file);
  link.append(image);
  link.addEventListener('click', (event) => openFresh(event, file, (url) => window.open(url, '_blank', 'noopener')));
  return link;
}

const thumbnailOf = (file) => file.thumb_url || file.url;

/** A file as a download link with its name and size. */
function downloadOf(message) {
  const { file } = message;
  const link = document.createElement('a');
  link.className = 'file';
  link.href = file.url;
  link.download = file.name;
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = `📄 ${file.name}`;
  const size = document.createElement('span');
  size.className = 'size';
  size.textContent = sizeText(file.size);
  link.append(name, size);
  link.addEventListener('click', (event) => openFresh(event, file, (url) => {
    const fresh = document.createElement('a');
    fresh.href = url;
    fresh.download = file.name;
    fresh.click();
  }));
  return link;
}

/** Follows a link that is still valid; an expired one is fetched fresh first, then `go` takes it. */
function openFresh(event, file, go) {
  if (!file.id || !linkExpired(file)) return;
  event.preventDefault();
  renewLinks(file.id).then((link) => go(link.url), (error) => alert(`Could not open ${file.name}: ${error.message}`));
}

/** Links are signed until `e` (epoch seconds in the URL), or until the `expiresAt` of a fresh link. */
function linkExpired(file) {
  const signedUntil = file.expiresAt ?? Number(new URL(file.url, location.href).searchParams.get('e')) * 1000;
  return !(signedUntil > Date.now() + LINK_MARGIN_MS);
}

/** Fresh links for every message showing this file, then the chat drawn again with them; resolves with the links. */
function renewLinks(fileId) {
  if (!renewing.has(fileId)) {
    const request = client.fileLink(fileId).then((link) => {
      for (const state of chats.values()) {
        for (const message of state.byKey.values()) {
          if (message.file?.id !== fileId) continue;
          message.file = { ...message.file, url: link.url, expiresAt: link.expiresAt };
          if (link.thumbUrl) message.file.thumb_url = link.thumbUrl;
        }
      }
      renderMessages(false);
      return link;
    }).finally(() => renewing.delete(fileId));
    renewing.set(fileId, request);
  }
  return renewing.get(fileId);
}

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The text with each `@12` / `@all` as a highlighted span (text nodes only: nothing typed becomes markup). */
function withMentions(data) {
  const parts = [];
  let last = 0;
  for (const match of data.matchAll(/@(\d+|all)\b/gi)) {
    if (match.index > last) parts.push(document.createTextNode(data.slice(last, match.index)));
    const at = document.createElement('span');
    at.className = 'at';
    at.textContent = /^\d+$/.test(match[1]) ? `@${userName(Number(match[1]))}` : match[0];
    parts.push(at);
    last = match.index + match[0].length;
  }
  if (last < data.length) parts.push(document.createTextNode(data.slice(last)));
  return parts;
}

function describeChange(change) {
  const who = (id) => (id === me ? 'you' : userName(id));
  const by = change.by != null ? who(change.by) : 'someone';
  const Who = by.charAt(0).toUpperCase() + by.slice(1);
  const users = change.users.filter((id) => id !== change.by).map(who).join(', ');
  switch (change.event) {
    case 'created': return `${Who} created the group “${change.name ?? ''}”${users ? ` with ${users}` : ''}`;
    case 'renamed': return `${Who} renamed the group to “${change.name ?? ''}”`;
    case 'joined': return users ? `${Who} added ${users}` : `${Who} joined`;
    case 'removed': return `${Who} removed ${users}`;
    case 'left': {
      const gone = change.users.map(who).join(', ') || by;
      return `${gone.charAt(0).toUpperCase() + gone.slice(1)} left the group`;
    }
    case 'dissolved': return `${Who} dissolved the group`;
    case 'role': return `${Who} made ${users} ${change.role === 'admin' ? 'an admin' : 'a member'}`;
    default: return 'The group changed';
  }
}

// ---- members ----

function canManage(id) {
  const role = group(id).role;
  return role === 'owner' || role === 'admin';
}

async function loadMembers(id) {
  try {
    const { members } = await client.groupMembers(id);
    const state = group(id);
    state.members = new Map(members.map((m) => [m.userId, { role: m.role, online: m.online }]));
    state.role = state.members.get(me)?.role ?? null;
    // live dots: the members' presence changes come as presence events from here on
    for (const member of members) if (member.userId !== me) client.watch(member.userId);
  } catch (error) {
    if (error.code === 'forbidden' || error.code === 'not_found') group(id).left = true;
    else console.warn('members:', error.message);
  }
  if (isOpen('group', id)) {
    renderMembers();
    renderChatHeader();
  }
}

async function refreshMembersOnline(id) {
  try {
    const { members } = await client.groupMembersOnline(id);
    const known = group(id).members;
    for (const { userId, online } of members) if (known.has(userId)) known.get(userId).online = online;
    if (isOpen('group', id)) renderMembers();
  } catch {
    // shown again on the next change
  }
}

function renderMembers() {
  if (open?.kind !== 'group') return;
  const id = open.id;
  const state = group(id);
  const order = { owner: 0, admin: 1, member: 2 };
  const members = [...state.members.entries()].sort(([a, x], [b, y]) => order[x.role] - order[y.role] || a - b);
  $('member-count').textContent = `(${members.length})`;
  $('members').replaceChildren(...members.map(([userId, member]) => {
    const li = document.createElement('li');
    li.dataset.user = userId;
    const dot = document.createElement('span');
    dot.className = 'dot';
    dot.classList.toggle('online', userId === me || member.online);
    const name = document.createElement('span');
    name.textContent = userId === me ? `${userName(userId)} (you)` : userName(userId);
    const role = document.createElement('span');
    role.className = 'role';
    role.textContent = member.role === 'member' ? '' : member.role;
    li.append(dot, name, role);
    if (canManage(id) && userId !== me && member.role !== 'owner') {
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'remove';
      remove.title = `Remove ${userName(userId)}`;
      remove.textContent = '×';
      remove.addEventListener('click', () => manage(() => client.removeMember(id, userId)));
      li.append(remove);
    }
    return li;
  }));
}

async function manage(change) {
  $('members-error').textContent = '';
  try {
    await change();
  } catch (error) {
    $('members-error').textContent = error.message;
  }
  if (open?.kind === 'group') loadMembers(open.id);
}

$('add-members').addEventListener('submit', (event) => {
  event.preventDefault();
  const id = open.id;
  const ids = idsIn($('add-member-ids').value).filter((user) => !group(id).members.has(user));
  $('add-member-ids').value = '';
  if (ids.length > 0) manage(() => client.addMembers(id, ids));
});

$('leave-group').addEventListener('click', () => {
  const id = open.id;
  manage(async () => {
    await client.leaveGroup(id);
    group(id).left = true;
    renderChatHeader();
  });
});

/** The peer read this user's messages up to a message: those are "read" now, pushed, never polled. */
function onReceipt({ peer, upTo }) {
  readUpTo.set(peer, Math.max(readUpTo.get(peer) ?? 0, upTo));
  const state = chat('user', peer);
  for (const message of state.byKey.values()) {
    if (message.outgoing && message.id != null && message.id <= upTo) message.status = 'read';
  }
  if (isOpen('user', peer)) renderMessages(false);
}

/** A recalled message keeps its place and shows that it was recalled, on both sides. */
function onRecall({ id, peer }) {
  const known = chat('user', peer).byKey.get(`m:${id}`);
  if (known) {
    known.kind = 'recalled';
    known.data = '';
    delete known.file;
  }
  const last = conversation('user', peer).last;
  if (last?.id === id) conversation('user', peer).last = { ...last, kind: 'recalled', file: undefined };
  renderConversations();
  if (isOpen('user', peer)) renderMessages(false);
  refreshConversations();
}

/** A message's own actions: recall (own, young enough) and delete for me; one-to-one chats only. */
function messageActions(message) {
  const actions = document.createElement('span');
  actions.className = 'actions';
  if (message.kind === 'recalled') return actions;
  const act = (label, run) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    button.textContent = label;
    button.addEventListener('click', () => run().catch((error) => alert(`${label} failed: ${error.message}`)));
    actions.append(button);
  };
  if (message.outgoing && Date.now() - message.created_at < RECALL_WINDOW_MS) act('Recall', () => client.recall(message.id));
  act('Delete', () => client.deleteForMe(message.id));
  return actions;
}
