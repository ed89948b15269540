/**
 * Adapter for the standard `WebSocket` (browsers, Node 22+, or Node 20 with --experimental-websocket) and `fetch`.
 * In a browser, a hidden page counts as "in the background" (reconnects wait until it is visible again).
 */
export function webSocketAdapter({
  WebSocket: WebSocketImpl = globalThis.WebSocket,
  fetch: fetchImpl = globalThis.fetch,
  document: doc = globalThis.document,
} = {}) {
  if (typeof WebSocketImpl !== 'function') {
    throw new TypeError('no WebSocket implementation: pass one, e.g. webSocketAdapter({ WebSocket })');
  }
  return {
    name: 'websocket',

    connect(url, handlers) {
      const socket = new WebSocketImpl(url);
      socket.onopen = () => handlers.onOpen();
      socket.onmessage = (event) => handlers.onMessage(typeof event.data === 'string' ? event.data : String(event.data));
      socket.onclose = (event) => handlers.onClose(event.code ?? 1006, event.reason ?? '');
      socket.onerror = (event) => handlers.onError(event?.error || new Error('WebSocket error'));
      return {
        send: (text) => socket.send(text),
        close: (code, reason) => {
          try {
            socket.close(code, reason);
          } catch {
            socket.close();
          }
        },
        raw: socket,
      };
    },

    async request({ method, url, headers, body }) {
      if (typeof fetchImpl !== 'function') throw new TypeError('no fetch implementation');
      const response = await fetchImpl(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      let data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch {
        data = text;
      }
      return { status: response.status, data };
    },

    onLifecycle(onForeground, onBackground) {
      if (!doc || typeof doc.addEventListener !== 'function') return () => {};
      const listener = () => (doc.visibilityState === 'hidden' ? onBackground() : onForeground());
      doc.addEventListener('visibilitychange', listener);
      return () => doc.removeEventListener('visibilitychange', listener);
    },
  };
}
