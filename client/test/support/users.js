/** Clients of the real server for integration tests: each records what it is given; its socket can be cut. */
import { createClient, webSocketAdapter } from '../../src/index.js';
import { waitFor } from './server.js';

/**
 * An adapter around the real WebSocket one that the test can interfere with: drop the current socket (the server
 * sees it close, the client sees an unexpected close) or hide frames from the client.
 */
export function tappedAdapter() {
  const inner = webSocketAdapter();
  const tap = {
    sockets: [],
    hide: null,
    connect(url, handlers) {
      const socket = inner.connect(url, {
        ...handlers,
        onMessage: (text) => {
          if (tap.hide && tap.hide(JSON.parse(text))) return;
          handlers.onMessage(text);
        },
      });
      tap.sockets.push(socket);
      return socket;
    },
    request: (request) => inner.request(request),
    upload: (request) => inner.upload(request),
    drop() {
      tap.sockets.at(-1).raw.close(4000, 'dropped by the test');
    },
  };
  return tap;
}

/**
 * Signs users in on one server; `close()` closes every client it started. A user's `seen` holds every event in
 * the order given: `messages` (one-to-one), `group`, `inbox` (both, as one stream), unread, presence, receipts.
 */
export function users(server) {
  const clients = [];
  return {
    async connect(userId, options = {}) {
      const adapter = tappedAdapter();
      const client = createClient({
        url: server.wsUrl,
        token: () => server.token(userId),
        userId,
        adapter,
        reconnect: { initialDelay: 300, maxDelay: 2000 },
        ...options,
      });
      clients.push(client);
      const seen = { messages: [], group: [], inbox: [], unread: [], presence: [], receipts: [], states: [], errors: [] };
      client.on('message', (m) => {
        seen.messages.push(m);
        seen.inbox.push(m);
      });
      client.on('groupMessage', (m) => {
        seen.group.push(m);
        seen.inbox.push(m);
      });
      client.on('unread', (u) => seen.unread.push(u));
      client.on('presence', (p) => seen.presence.push(p));
      client.on('receipts', (r) => seen.receipts.push(r));
      client.on('state', (s) => seen.states.push(s.state));
      client.on('error', (e) => seen.errors.push(e));
      await waitFor(() => client.state === 'online', `user ${userId} online`);
      return { userId, client, adapter, seen };
    },
    close() {
      for (const client of clients.splice(0)) client.close();
    },
  };
}
