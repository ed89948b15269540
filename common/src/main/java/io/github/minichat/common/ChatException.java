package io.github.minichat.common;

/** A request refused for a named reason; its message is safe to show to the client. */
public class ChatException extends RuntimeException {

  private final ChatError error;

  public ChatException(ChatError error, String message) {
    super(message, null, false, false);
    this.error = error;
  }

  public ChatError error() {
    return error;
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
