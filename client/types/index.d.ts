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
  /** The text; for a picture or file a placeholder with its link (what a text-only client shows). */
  data: string;
  /** What the message is; a recalled one has lost its text and file. */
  kind?: 'text' | 'image' | 'file' | 'recalled';
  /** A picture or file: its links are signed for this user and expire (ask `fileLink` for fresh ones). */
  file?: FileInfo;
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

/** A message's picture or file, in the frame's own field names; width, height and thumb_url for pictures only. */
export interface FileInfo {
  id: string;
  name: string;
  mime: string;
  size: number;
  width?: number;
  height?: number;
  /** Signed for this user; expires (default 15 min). A non-picture downloads as an attachment. */
  url: string;
  /** A JPEG at most 240 px wide. */
  thumb_url?: string;
}

/** What `uploadFile` resolves with: the stored upload, not sent to anyone yet. */
export interface Upload {
  id: string;
  /** `image` for jpeg, png, gif, webp and bmp (measured and thumbnailed); anything else is a `file`. */
  kind: 'image' | 'file';
  name: string;
  mime: string;
  size: number;
  url: string;
  width?: number;
  height?: number;
  thumbUrl?: string;
}

/** Fresh links to a file (`fileLink`). */
export interface FileLink {
  url: string;
  thumbUrl?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * What can be uploaded: a mini-program temporary path, an entry of `tempFiles` (chooseImage, chooseMedia,
 * chooseMessageFile), or in browsers and Node a Blob, a File or bytes.
 */
export type UploadSource =
  | string
  | { path?: string; tempFilePath?: string; size?: number; name?: string }
  | Blob
  | ArrayBuffer
  | ArrayBufferView;

export interface FileSendOptions {
  /** The original file name (mini-program temporary files are named like `tmp_abc.png`); a File's own by default. */
  name?: string;
  cid?: string;
}

/** The peer read this user's messages to them up to `upTo` (a message id; `seq` is its place). */
export interface ReceiptEvent {
  peer: number;
  upTo: number;
  seq: number;
}

/** A message recalled by its sender (`fromId`), for both participants. */
export interface RecallEvent {
  id: number;
  peer: number;
  seq: number;
  fromId: number;
}

/** A message this user deleted for themselves (on any of their devices). */
export interface DeletedEvent {
  id: number;
  peer: number;
  seq: number;
}

/** `from` started (typing: true, for about `expiresMs`) or stopped typing to this user. */
export interface TypingEvent {
  from: number;
  typing: boolean;
  expiresMs?: number;
}

/** The message a recall or a deletion changed. */
export interface ChangedMessage {
  id: number;
  peer: number;
  seq: number;
}

/** What a send resolves with: the stored message. */
export type SentMessage = Omit<ChatMessage, 'outgoing' | 'peer'> & { cid: string };

/**
 * A membership change, parsed from a system message's `data`. A body that is not the documented object is
 * `{event: 'unknown', by: null, users: []}`.
 */
export interface SystemEvent {
  event: 'created' | 'renamed' | 'joined' | 'removed' | 'left' | 'dissolved' | 'role' | 'unknown';
  /** Who made the change. */
  by: number | null;
  /** Whom it concerns (the members added, removed, who left, whose role changed). */
  users: number[];
  /** created, renamed: the group's name. */
  name?: string;
  /** role: the new role. */
  role?: string;
}

/** A `group_text` frame as the server sends it. */
export interface GroupTextFrame {
  type: 'group_text';
  group_id: number;
  /** Server id, unique among group messages (a one-to-one message may have the same number). */
  id: number;
  /** Gapless position in the group. */
  seq: number;
  /** Position in this user's inbox, shared with one-to-one messages (what `sync` resumes from). */
  cursor: number;
  from_id: number;
  /** The text; for a system message, the JSON of its change; for a picture or file a placeholder with its link. */
  data: string;
  kind: 'text' | 'system' | 'image' | 'file';
  /** A picture or file (links signed for this user, expiring). */
  file?: FileInfo;
  /** It mentions this user (by id, or everyone). */
  mentioned: boolean;
  is_read: 0 | 1;
  /** Epoch milliseconds. */
  created_at: number;
  cid?: string;
}

/** A group message as the `groupMessage` event gives it. */
export interface GroupMessage extends GroupTextFrame {
  groupId: number;
  /** Sent by this user (from this device or another one). */
  outgoing: boolean;
  /** The parsed change of a system message (`kind: 'system'`); null for a text. */
  system: SystemEvent | null;
}

/** What `sendToGroup` resolves with: the sender's stored copy. */
export type SentGroupMessage = GroupTextFrame & { cid: string };

export interface GroupReadResult {
  groupId: number;
  /** The seq read up to; null: all. */
  upTo: number | null;
  /** The user's unread total after the mark. */
  countNum: number;
}

export interface GroupPresenceEvent {
  groupId: number;
  members: Array<{ userId: number; online: boolean }>;
}

/** How many members (the sender not counted) have read each of the sender's messages; coalesced by the server. */
export interface ReceiptsEvent {
  groupId: number;
  reads: Array<{ seq: number; count: number }>;
}

export type GroupRole = 'owner' | 'admin' | 'member';

/** A group as this user sees it. */
export interface GroupInfo {
  groupId: number;
  name: string;
  ownerId: number;
  memberCount: number;
  /** This user's role; null once they are no longer a member. */
  role: GroupRole | null;
  /** Seq of its newest message. */
  lastSeq: number;
  /** Epoch milliseconds. */
  createdAt: number;
  dissolved: boolean;
}

export interface GroupMemberInfo {
  userId: number;
  role: GroupRole;
  /** Epoch milliseconds. */
  joinedAt: number;
  online: boolean;
}

export interface GroupMembersResult {
  groupId: number;
  members: GroupMemberInfo[];
}

export interface GroupHistoryPage {
  /** Oldest first: this user's copies. */
  messages: GroupMessage[];
  hasMore: boolean;
}

/** One line of the conversation list. */
export interface ConversationSummary {
  kind: 'user' | 'group';
  /** The peer's user id, or the group id. */
  id: number;
  /** The group's name; null for a one-to-one conversation. */
  name: string | null;
  /** The newest message, shaped as the `message` or `groupMessage` event shapes it. */
  last: ChatMessage | GroupMessage | null;
  /** Kept while muted, but a muted conversation is left out of the total. */
  unread: number;
  /** Unread messages that mention this user. */
  mentions: number;
  pinned: boolean;
  muted: boolean;
  /** Epoch milliseconds of the newest message (or of joining a group that has none). */
  lastActiveAt: number;
}

export interface ConversationPage {
  /** Pinned first, then newest activity first. */
  conversations: ConversationSummary[];
  /** Pass as `cursor` for the next page; null when there is none. */
  next: string | number | null;
}

export interface PendingSend {
  cid: string;
  /** One-to-one sends. */
  to?: number;
  /** Group sends. */
  groupId?: number;
  /** A text. */
  text?: string;
  /** A picture or file, already uploaded. */
  fileId?: string;
}

/** `auth`: the server refused the token; no retries until `setToken()` (or `reconnect()`). */
export type ConnectionState = 'idle' | 'connecting' | 'online' | 'reconnecting' | 'paused' | 'auth' | 'closed';

export interface StateEvent {
  state: ConnectionState;
  /** reconnecting: the attempt about to be made (1 for the first retry). */
  attempt?: number;
  /** reconnecting: milliseconds until the next try. */
  delay?: number;
  /** reconnecting: when the next try is made (clock milliseconds). */
  retryAt?: number;
  /** The close code that ended the last socket; null when the platform gave none. */
  code?: number | null;
  reason?: string;
  /** auth: the HTTP status that refused the token (401). */
  status?: number;
  /** connecting: a socket never opened, and an HTTP call with the same token is finding out why. */
  checking?: boolean;
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
  /** Group messages, in the same inbox order as `message` (system messages too). */
  groupMessage: GroupMessage;
  unread: UnreadEvent;
  presence: PresenceEvent;
  /** The answer to `groupMembersOnline`. */
  groupPresence: GroupPresenceEvent;
  read: ReadResult;
  groupRead: GroupReadResult;
  receipts: ReceiptsEvent;
  /** One-to-one read receipts: pushed when the peer reads (no polling). */
  receipt: ReceiptEvent;
  recall: RecallEvent;
  deleted: DeletedEvent;
  typing: TypingEvent;
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
  /** Where the platform may hold a socket after close (a task still connecting): calls fn once it has let go. */
  onGone?(fn: () => void): void;
  readonly gone?: boolean;
  /** The platform's own socket object. */
  raw?: unknown;
}

/** What an adapter knows of a failure: `phase: 'connect'` when the platform refused to open the socket at all. */
export interface SocketFailure extends Error {
  phase?: 'connect';
  /** The upgrade's HTTP status, for adapters that can see it (mini-programs and browsers cannot). */
  status?: number;
  /** Its Retry-After, in seconds. */
  retryAfter?: number | string;
}

export interface SocketHandlers {
  onOpen(): void;
  onMessage(text: string): void;
  /** code null: the platform gave none (uni-app before HBuilderX 3.7.12). */
  onClose(code: number | null, reason: string, failure?: SocketFailure): void;
  /** Ends the socket: the client drops it and reconnects. */
  onError(error: SocketFailure): void;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** A multipart upload: the part `file`, and the form field `name` when the original name is known. */
export interface UploadRequest {
  url: string;
  headers: Record<string, string>;
  /** A temporary path in mini-programs; a Blob, a File or bytes elsewhere. */
  file: unknown;
  name: string | null;
}

/** How the client reaches the network on one platform. */
export interface Adapter {
  name?: string;
  /** The token goes in `options.headers` (Authorization) rather than in the URL's `?token=`. */
  tokenInHeader?: boolean;
  connect(url: string, handlers: SocketHandlers, options?: { headers: Record<string, string>; token: string }): AdapterSocket;
  request(request: HttpRequest): Promise<{ status: number; data: any; headers?: Record<string, string> }>;
  /** Uploads (`uploadFile` in mini-programs, fetch with FormData elsewhere); without it, uploads are `unsupported`. */
  upload?(request: UploadRequest): Promise<{ status: number; data: any; headers?: Record<string, string> }>;
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
  /** Just back from the background: the heartbeat sent at once must be answered within this (default 2000). */
  resumeTimeout?: number;
  /** A socket not greeted with `init` within this is given up (default 15000); doubled after each such attempt. */
  connectTimeout?: number;
  /** The largest connect timeout (default 60000). */
  maxConnectTimeout?: number;
  /** Longest wait for the platform to let go of the last socket before opening another (default 60000). */
  lingerTimeout?: number;
  /** After a refused socket whose token is good (429, 503), the least wait before the next try (default 5000). */
  refusedDelay?: number;
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
  /** Largest upload accepted, in bytes, checked where the size is known (default 20 MiB, as the server's default). */
  maxFileBytes?: number;
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
  readonly pendingSends: PendingSend[];
  start(): this;
  send(to: number, text: string, options?: { cid?: string }): Promise<SentMessage>;
  /** Through the same outbox as `send`. `mentionAll` is for owners and admins. */
  sendToGroup(groupId: number, text: string, options?: { mentions?: number[]; mentionAll?: boolean; cid?: string }): Promise<SentGroupMessage>;
  /**
   * Uploads, then sends through the queue of `send` (acknowledged, kept while offline, retried with the same
   * `cid`); the same `cid` again uploads nothing and gives the same promise. Resolves with the stored message.
   */
  sendFile(to: number, file: UploadSource, options?: FileSendOptions): Promise<SentMessage>;
  /** A picture or file to a group, as `sendFile` does it. */
  sendFileToGroup(groupId: number, file: UploadSource, options?: FileSendOptions): Promise<SentGroupMessage>;
  /** `POST /api/files`; refusals: `too_large`, `unsupported_type`, `rate_limited`, `invalid_field`, `unsupported` (adapter). */
  uploadFile(file: UploadSource, options?: { name?: string }): Promise<Upload>;
  /** Fresh signed links to a file of one of this user's conversations (404 `not_found` otherwise). */
  fileLink(fileId: string): Promise<FileLink>;
  newCid(): string;
  markRead(peer: number, upTo?: number): Promise<ReadResult>;
  /** Recalls an own one-to-one message within the server's window (`recall_expired` after it). */
  recall(messageId: number): Promise<ChangedMessage>;
  /** Deletes a one-to-one message for this user only, on all their devices. */
  deleteForMe(messageId: number): Promise<ChangedMessage>;
  /** Tells `peer` this user is typing: call on every input; at most one frame per peer per 2 s leaves. */
  typing(peer: number): boolean;
  /** Up to a seq, or all of the group. */
  readGroup(groupId: number, upToSeq?: number): Promise<GroupReadResult>;
  groupMembersOnline(groupId: number): Promise<GroupPresenceEvent>;
  watch(peer: number): void;
  openChat(peer: number): void;
  closeChat(): void;
  pause(): void;
  resume(): void;
  reconnect(): void;
  /** A new token (or token function) after the `auth` state; connects with it at once. */
  setToken(token: string | (() => string | Promise<string>)): void;
  close(): void;
  history(peer: number, options?: { before?: number; limit?: number; markRead?: boolean }): Promise<HistoryPage>;
  unread(): Promise<UnreadSummary>;
  presence(userId: number): Promise<{ userId: number; online: boolean; lastSeen: number | null }>;
  conversations(options?: { limit?: number; cursor?: string | number }): Promise<ConversationPage>;
  setConversationPrefs(kind: 'user' | 'group', id: number, prefs: { pinned?: boolean; muted?: boolean }): Promise<{ countNum: number }>;
  groups(): Promise<GroupInfo[]>;
  createGroup(name: string, members?: number[]): Promise<GroupInfo>;
  renameGroup(groupId: number, name: string): Promise<GroupInfo>;
  /** The group, or null when the server answered with no body. */
  dissolveGroup(groupId: number): Promise<GroupInfo | null>;
  addMembers(groupId: number, userIds: number[]): Promise<GroupInfo>;
  /** This user's own id: leave. */
  removeMember(groupId: number, userId: number): Promise<GroupInfo>;
  setMemberRole(groupId: number, userId: number, role: 'admin' | 'member'): Promise<GroupInfo>;
  leaveGroup(groupId: number): Promise<GroupInfo>;
  groupMembers(groupId: number): Promise<GroupMembersResult>;
  /** `before` is a seq. */
  groupHistory(groupId: number, options?: { before?: number; limit?: number; markRead?: boolean }): Promise<GroupHistoryPage>;
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
  SOCKET_ERROR: 4002;
}>;

export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>>;
export function backoffDelay(attempt: number, options?: BackoffOptions, random?: () => number): number;
export function createClient(options: ClientOptions): MiniChatClient;
export function httpBase(url: string): string;
export function tokenSubject(token: string): number | null;
/** A system message's data as its change (what `groupMessage` events carry as `system`). */
export function systemEvent(data: string): SystemEvent;

/** Browsers and Node (the standard WebSocket and fetch; FormData and Blob for uploads). */
export function webSocketAdapter(options?: { WebSocket?: unknown; fetch?: typeof fetch; document?: unknown; FormData?: unknown; Blob?: unknown }): Adapter;
export interface MiniProgramAdapterOptions {
  /** Used in errors. */
  name?: string;
  /** `header` (default; uni-app H5 defaults to `query`: the browser's socket cannot carry headers). */
  tokenIn?: 'header' | 'query';
}
/** Any API shaped like uni-app's `uni` or WeChat's `wx`. */
export function miniProgramAdapter(api: unknown, options?: MiniProgramAdapterOptions | string): Adapter;
/**
 * uni-app: pass `uni` (`uniAppAdapter(uni)`); uni-app gives it to app code at build time, there is no
 * `globalThis.uni` on mp-weixin. `uni.onAppShow`/`onAppHide` where they exist; on App and H5, call `resume()` and
 * `pause()` from App's `onShow`/`onHide`.
 */
export function uniAppAdapter(uni: unknown, options?: MiniProgramAdapterOptions): Adapter;
/** WeChat mini-program: pass `wx` (`wechatAdapter(wx)`). */
export function wechatAdapter(wx: unknown, options?: MiniProgramAdapterOptions): Adapter;
