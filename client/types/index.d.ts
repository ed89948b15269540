// Type declarations of minichat-client.

/** A message as the server sends it (a `text` frame), plus where it belongs from this user's side. */
export interface ChatMessage {
  type: 'text';
  /** Server id. */
  id: number;
  /** Gapless position in the conversation. */
  seq: number;
  /** Position in this user's inbox (what `sync` resumes from). */
  cursor: number;
  from_id: number;
  to_id: number;
  data: string;
  is_read: 0 | 1;
  /** Epoch milliseconds. */
  created_at: number;
  /** The sender's client id, when it gave one. */
  cid?: string;
  /** Sent by this user (from this device or another one). */
  outgoing: boolean;
  /** The other user of the conversation. */
  peer: number;
}

/** What a send resolves with: the stored message. */
export type SentMessage = Omit<ChatMessage, 'outgoing' | 'peer'> & { cid: string };

export type ConnectionState = 'idle' | 'connecting' | 'online' | 'reconnecting' | 'paused' | 'closed';

export interface StateEvent {
  state: ConnectionState;
  /** reconnecting: the attempt about to be made (1 for the first retry). */
  attempt?: number;
  /** reconnecting: milliseconds until the next try. */
  delay?: number;
  /** reconnecting: when the next try is made (clock milliseconds). */
  retryAt?: number;
  /** The close code that ended the last socket, when known. */
  code?: number | null;
  reason?: string;
}

export interface UnreadEvent {
  countNum: number;
  version: number;
  /** Per peer, only in answers to `unread()`. */
  peers?: Record<string, number>;
}

export interface PresenceEvent {
  userId: number;
  online: boolean;
  lastSeen: number | null;
  status?: string;
}

export interface ReadResult {
  peer: number;
  upTo: number | null;
  countNum: number;
}

export interface HistoryPage {
  /** Oldest first. */
  messages: Array<Omit<ChatMessage, 'outgoing' | 'peer'>>;
  hasMore: boolean;
}

export interface UnreadSummary {
  countNum: number;
  peers: Record<string, number>;
  version: number;
}

export interface ClientEvents {
  state: StateEvent;
  message: ChatMessage;
  unread: UnreadEvent;
  presence: PresenceEvent;
  read: ReadResult;
  synced: { cursor: number };
  cursor: number;
  error: MiniChatError;
  /** Every frame from the server, as parsed. */
  frame: Record<string, unknown> & { type?: string };
}

/** The socket an adapter opens. */
export interface AdapterSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
  /** The platform's own socket object. */
  raw?: unknown;
}

export interface SocketHandlers {
  onOpen(): void;
  onMessage(text: string): void;
  onClose(code: number, reason: string): void;
  onError(error: Error): void;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** How the client reaches the network on one platform. */
export interface Adapter {
  name?: string;
  connect(url: string, handlers: SocketHandlers): AdapterSocket;
  request(request: HttpRequest): Promise<{ status: number; data: any }>;
  /** Calls onForeground / onBackground as the app is shown or hidden; returns an unsubscribe function. */
  onLifecycle?(onForeground: () => void, onBackground: () => void): () => void;
}

export interface BackoffOptions {
  /** Upper bound of the first retry's delay, ms (default 1000). */
  initialDelay?: number;
  /** Largest delay, ms (default 30000). */
  maxDelay?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Smallest delay, ms (default 100). */
  minDelay?: number;
}

export interface Clock {
  setTimeout(fn: () => void, ms: number): any;
  clearTimeout(id: any): void;
  now(): number;
}

export interface ClientOptions {
  /** The server's WebSocket URL, e.g. `wss://chat.example.com/ws`. */
  url: string;
  /** The user's JWT, or a function giving one (asked again before every connect). */
  token: string | (() => string | Promise<string>);
  adapter: Adapter;
  /** The user id (default: the token's `sub`). */
  userId?: number;
  /** Base of the HTTP API (default: the origin of `url`). */
  apiUrl?: string;
  /** Inbox position to resume from (default 0: everything). */
  cursor?: number;
  /** Milliseconds between heartbeats (default 25000; the server closes sockets silent for 60 s). */
  heartbeatInterval?: number;
  /** A server that answers nothing for this long after a heartbeat is given up (default 10000). */
  heartbeatTimeout?: number;
  /** A socket not greeted with `init` within this is given up (default 10000). */
  connectTimeout?: number;
  reconnect?: BackoffOptions;
  /** Messages per sync page (default 100, at most 500). */
  syncLimit?: number;
  /** Sends awaiting their ack at once (default 16; the server allows 64). */
  maxInFlight?: number;
  /** How long a gap in the cursors may stay open before a sync fills it, ms (default 1000). */
  gapTimeout?: number;
  /** Wait before retrying a send the server refused as retryable, ms (default 1000). */
  retryDelay?: number;
  /** Longest text accepted, in characters (default 5000, as the server's default). */
  maxTextLength?: number;
  /** Follow the adapter's foreground/background events (default true). */
  autoPause?: boolean;
  /** Connect in the constructor (default true). */
  autoStart?: boolean;
  /** For tests: timers and time. */
  clock?: Clock;
  /** For tests: the jitter's random source. */
  random?: () => number;
}

export class Emitter<Events extends object = Record<string, unknown>> {
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void;
  once<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void;
  off<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): void;
  emit<K extends keyof Events>(event: K, payload: Events[K]): boolean;
}

export class MiniChatClient extends Emitter<ClientEvents> {
  constructor(options: ClientOptions);
  readonly state: ConnectionState;
  readonly cursor: number;
  readonly userId: number | null;
  readonly pendingSends: Array<{ cid: string; to: number; text: string }>;
  start(): this;
  send(to: number, text: string, options?: { cid?: string }): Promise<SentMessage>;
  newCid(): string;
  markRead(peer: number, upTo?: number): Promise<ReadResult>;
  watch(peer: number): void;
  openChat(peer: number): void;
  closeChat(): void;
  pause(): void;
  resume(): void;
  reconnect(): void;
  close(): void;
  history(peer: number, options?: { before?: number; limit?: number; markRead?: boolean }): Promise<HistoryPage>;
  unread(): Promise<UnreadSummary>;
  presence(userId: number): Promise<{ userId: number; online: boolean; lastSeen: number | null }>;
}

export class MiniChatError extends Error {
  constructor(code: string, message: string, options?: { ref?: string | null; retryable?: boolean; status?: number | null });
  readonly code: string;
  readonly ref: string | null;
  readonly retryable: boolean;
  readonly status: number | null;
}

export const CloseCode: Readonly<{
  NORMAL: 1000;
  IMPERSONATION: 1008;
  TOO_LARGE: 1009;
  RESTARTING: 1012;
  TRY_LATER: 1013;
  IDLE: 4408;
  HEARTBEAT_TIMEOUT: 4000;
  CONNECT_TIMEOUT: 4001;
}>;

export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>>;
export function backoffDelay(attempt: number, options?: BackoffOptions, random?: () => number): number;
export function createClient(options: ClientOptions): MiniChatClient;
export function httpBase(url: string): string;
export function tokenSubject(token: string): number | null;

/** Browsers and Node (the standard WebSocket and fetch). */
export function webSocketAdapter(options?: { WebSocket?: unknown; fetch?: typeof fetch; document?: unknown }): Adapter;
/** Any API shaped like uni-app's `uni` or WeChat's `wx`. */
export function miniProgramAdapter(api: unknown, name?: string): Adapter;
/** uni-app: `uni.connectSocket`, `uni.request`, `uni.onAppShow`/`onAppHide`. */
export function uniAppAdapter(uni?: unknown): Adapter;
/** WeChat mini-program: `wx.connectSocket`, `wx.request`, `wx.onAppShow`/`onAppHide`. */
export function wechatAdapter(wx?: unknown): Adapter;
