package io.github.minichat.common;

import java.util.List;

/** The answers to a {@link SendBatch}, in its order. */
public record SendOutcomes(List<Outcome> outcomes) {
  public SendOutcomes {
    outcomes = List.copyOf(outcomes);
  }

  /** One send's answer: its result, or the error it was refused with (and the message the client may see). */
  public record Outcome(SendResult result, ChatError error, String errorMessage) {

    public static Outcome of(SendResult result) {
      return new Outcome(result, null, null);
    }

    public static Outcome of(Throwable failure) {
      return new Outcome(null, ChatError.of(failure), ChatException.clientMessage(failure));
    }

    /** The failure this outcome stands for, as the sender of a single request would have seen it. */
    public ChatException failure() {
      return new ChatException(error, errorMessage);
    }
  }
}
