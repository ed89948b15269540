/**
 * minichat-client: a chat client for the minichat server that keeps one WebSocket healthy and hands the app every
 * message once, in order.
 *
 *   import { createClient, webSocketAdapter } from 'minichat-client';
 *   const chat = createClient({ url: 'wss://chat.example.com/ws', token, adapter: webSocketAdapter() });
 *   chat.on('message', (m) => show(m));
 *   await chat.send(2, 'hello');
 */
import { MiniChatClient } from './client.js';

export { MiniChatClient, CloseCode, httpBase, tokenSubject } from './client.js';
export { MiniChatError } from './errors.js';
export { systemEvent } from './groups.js';
export { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export { Emitter } from './emitter.js';
export { webSocketAdapter } from './adapters/websocket.js';
export { miniProgramAdapter, uniAppAdapter, wechatAdapter } from './adapters/miniprogram.js';

/** A started client (see MiniChatClient for the options). */
export function createClient(options) {
  return new MiniChatClient(options);
}
