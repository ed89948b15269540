import { MiniChatError } from '../errors.js';

/**
 * Adapter for the standard `WebSocket` (browsers, Node 22+, or Node 20 with --experimental-websocket), `fetch`, and
 * `FormData` with `Blob` for uploads.
 * In a browser, a hidden page counts as "in the background" (reconnects wait until it is visible again). The token
 * goes in the URL: the standard WebSocket cannot set headers.
 */
export function webSocketAdapter(options) {
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
