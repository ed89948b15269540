/**
 * An error of the chat: `code` is the server's error code (`invalid_field`, `unavailable`, …) or one of the client's
 * own (`closed`, `forbidden`, `timeout`, `unauthorized`, `socket`, `socket_refused`, `http_<status>`); `retryable` says whether the same request may succeed later.
 */
export class MiniChatError extends Error {
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
