package io.github.minichat.common;

/** A request refused for a named reason; its message is safe to show to the client. */
public class ChatException extends RuntimeException {

  private final ChatError error;
  private final long retryAfterMillis;

  public ChatException(ChatError error, String message) {
    this(error, message, 0);
  }

  /** A refusal that names when the same request may succeed (rate limits, overload). */
  public ChatException(ChatError error, String message, long retryAfterMillis) {
    super(message, null, false, false);
    this.error = error;
    this.retryAfterMillis = retryAfterMillis;
  }

  public ChatError error() {
    return error;
  }

  /** How long the client should wait before retrying, or 0 when the error names no time. */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }

  /** The message a client may see for any failure: ours verbatim, anything else without internals. */
  public static String clientMessage(Throwable failure) {
    ChatError error = ChatError.of(failure);
    return switch (error) {
      case TIMEOUT -> "the service did not answer in time; retry";
      case UNAVAILABLE -> failure instanceof ChatException ? failure.getMessage() : "service unavailable; retry";
      case INTERNAL -> "internal error";
      default -> failure.getMessage();
    };
  }
}
