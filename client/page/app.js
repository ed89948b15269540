// The chat page: everything it shows comes through the client module, served by the gateway at /client/.
import { createClient, webSocketAdapter } from '/client/index.js';

const $ = (id) => document.getElementById(id);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const READ_STATE_REFRESH_MS = 3000;

let me = null;
let client = null;
let openPeer = null;
let countdown = null;
let unreadRefresh = null;
const conversations = new Map(); // peer -> { peer, last, unread, online }
const chats = new Map(); // peer -> { byKey: Map, hasMore, loaded }

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

/** The browser adapter, keeping the current socket so that the page's test hook can drop it. */
function adapter() {
  const inner = webSocketAdapter();
  let current = null;
  return {
    ...inner,
    connect(url, handlers) {
      current = inner.connect(url, handlers);
      return current;
    },
    drop() {
      current?.raw.close(4000, 'connection dropped');
    },
  };
}

function start(userId, token) {
  me = userId;
  const socketAdapter = adapter();
  client = createClient({ url: wsUrl, token, userId, adapter: socketAdapter });
  window.minichat = { client, dropConnection: () => socketAdapter.drop() };
  $('signin').hidden = true;
  $('app').hidden = false;
  $('me').textContent = `signed in as user ${userId}`;

  client.on('state', showConnection);
  client.on('message', onMessage);
  client.on('unread', () => refreshUnread());
  client.on('presence', ({ userId: peer, online }) => {
    conversation(peer).online = online;
    renderConversations();
    if (peer === openPeer) renderChatHeader();
  });
  client.on('synced', () => refreshUnread());
  client.on('error', (error) => console.warn('minichat:', error.code, error.message));
  setInterval(refreshReadState, READ_STATE_REFRESH_MS);
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

// ---- conversations ----

function conversation(peer) {
  if (!conversations.has(peer)) {
    conversations.set(peer, { peer, last: null, unread: 0, online: null });
    client.watch(peer);
  }
  return conversations.get(peer);
}

function chat(peer) {
  if (!chats.has(peer)) chats.set(peer, { byKey: new Map(), hasMore: false, loaded: false });
  return chats.get(peer);
}

function refreshUnread() {
  clearTimeout(unreadRefresh);
  unreadRefresh = setTimeout(async () => {
    try {
      const summary = await client.unread();
      for (const [peer, count] of Object.entries(summary.peers || {})) conversation(Number(peer)).unread = count;
      for (const item of conversations.values()) {
        if (!(String(item.peer) in (summary.peers || {}))) item.unread = 0;
      }
      renderConversations();
    } catch (error) {
      console.warn('unread:', error.message);
    }
  }, 150);
}

function renderConversations() {
  const list = $('conversations');
  const items = [...conversations.values()].sort((a, b) => (b.last?.created_at || 0) - (a.last?.created_at || 0));
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement('li');
    li.dataset.peer = item.peer;
    li.className = item.peer === openPeer ? 'active' : '';
    li.innerHTML = '<span class="dot"></span><span class="text"><span class="name"></span><span class="preview"></span></span><span class="badge"></span>';
    li.querySelector('.dot').classList.toggle('online', item.online === true);
    li.querySelector('.dot').title = item.online ? 'online' : 'offline';
    li.querySelector('.name').textContent = `User ${item.peer}`;
    li.querySelector('.preview').textContent = item.last ? `${item.last.outgoing ? 'You: ' : ''}${item.last.data}` : '';
    li.querySelector('.badge').textContent = item.unread > 0 && item.peer !== openPeer ? String(item.unread) : '';
    li.addEventListener('click', () => openChat(item.peer));
    return li;
  }));
}

$('new-chat').addEventListener('submit', (event) => {
  event.preventDefault();
  const peer = Number($('peer-id').value);
  if (!Number.isSafeInteger(peer) || peer <= 0 || peer === me) return;
  $('peer-id').value = '';
  conversation(peer);
  openChat(peer);
});

// ---- the open chat ----

async function openChat(peer) {
  openPeer = peer;
  client.openChat(peer);
  conversation(peer).unread = 0;
  $('chat-empty').hidden = true;
  $('chat-view').hidden = false;
  renderConversations();
  renderChatHeader();
  renderMessages(true);
  const state = chat(peer);
  if (!state.loaded) {
    state.loaded = true;
    try {
      const page = await client.history(peer, { limit: 30 });
      state.hasMore = page.hasMore;
      for (const message of page.messages) put(peer, decorate(message));
    } catch (error) {
      state.loaded = false;
      console.warn('history:', error.message);
    }
    if (openPeer === peer) renderMessages(true);
  }
  client.markRead(peer).catch(() => {});
  $('text').focus();
}

function renderChatHeader() {
  const item = conversation(openPeer);
  $('chat-title').textContent = `User ${openPeer}`;
  $('chat-dot').classList.toggle('online', item.online === true);
  $('chat-presence').textContent = item.online == null ? '' : item.online ? 'online' : 'offline';
}

$('older').addEventListener('click', async () => {
  const peer = openPeer;
  const state = chat(peer);
  const oldest = sorted(state)[0];
  if (!oldest?.id) return;
  $('older').disabled = true;
  try {
    const page = await client.history(peer, { before: oldest.id, limit: 30, markRead: false });
    state.hasMore = page.hasMore;
    for (const message of page.messages) put(peer, decorate(message));
  } finally {
    $('older').disabled = false;
  }
  if (openPeer === peer) renderMessages(false);
});

$('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('text').value;
  if (!text.trim() || openPeer == null) return;
  $('text').value = '';
  const peer = openPeer;
  const cid = client.newCid();
  put(peer, { cid, data: text, outgoing: true, peer, created_at: Date.now(), status: 'sending' });
  renderMessages(true);
  client.send(peer, text, { cid }).catch((error) => {
    const entry = chat(peer).byKey.get(`c:${cid}`);
    if (entry) {
      entry.status = 'failed';
      entry.error = error.message;
    }
    if (openPeer === peer) renderMessages(false);
  });
});

/** Every message, sent or received, exactly once and in order, from the client module. */
function onMessage(message) {
  const item = conversation(message.peer);
  item.last = message;
  put(message.peer, decorate(message));
  if (!message.outgoing) {
    if (message.peer === openPeer) client.markRead(message.peer, message.id).catch(() => {});
    else if (!message.is_read) item.unread += 1;
  }
  renderConversations();
  if (message.peer === openPeer) renderMessages(true);
}

function decorate(message) {
  const outgoing = message.outgoing ?? Number(message.from_id) === me;
  return {
    ...message,
    outgoing,
    peer: outgoing ? Number(message.to_id) : Number(message.from_id),
    status: outgoing ? (message.is_read ? 'read' : 'delivered') : 'received',
  };
}

/** One entry per message: keyed by id once stored, replacing the pending entry of the same cid. */
function put(peer, message) {
  const byKey = chat(peer).byKey;
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
  if (openPeer == null) return;
  const state = chat(openPeer);
  $('older').hidden = !state.hasMore;
  const labels = { sending: '🕓 sending', delivered: '✓ delivered', read: '✓✓ read', failed: '⚠ not sent', received: '' };
  $('messages').replaceChildren(...sorted(state).map((message) => {
    const li = document.createElement('li');
    li.className = message.outgoing ? 'out' : 'in';
    li.dataset.status = message.status;
    if (message.id != null) li.dataset.id = message.id;
    if (message.cid) li.dataset.cid = message.cid;
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = message.data;
    const meta = document.createElement('span');
    meta.className = 'meta';
    const time = new Date(message.created_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    meta.textContent = `${time} ${labels[message.status] ?? ''}`.trim();
    if (message.error) meta.title = message.error;
    li.append(text, meta);
    return li;
  }));
  if (scrollToEnd) $('messages-box').scrollTop = $('messages-box').scrollHeight;
}

/** The protocol pushes no read receipts: the open chat's latest page is reloaded now and then for them. */
async function refreshReadState() {
  const peer = openPeer;
  if (peer == null || client.state !== 'online') return;
  const state = chat(peer);
  if (![...state.byKey.values()].some((m) => m.outgoing && m.status === 'delivered')) return;
  try {
    const page = await client.history(peer, { limit: 30 });
    for (const message of page.messages) {
      const known = state.byKey.get(`m:${message.id}`);
      if (known && message.is_read && known.outgoing) known.status = 'read';
    }
    if (openPeer === peer) renderMessages(false);
  } catch {
    // next time
  }
}
