package io.github.minichat.common;

/** A change to one stored one-to-one message by one of its participants, answered with {@link MessageChanged}. */
public record MessageChange(long userId, long messageId, Kind kind) {

  public enum Kind {
    /** Its sender takes it back, for both participants, within the recall window. */
    RECALL,
    /** Either participant hides it from their own history and sync. */
    DELETE
  }
}
