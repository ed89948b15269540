package io.github.minichat.common;

/**
 * Something one user's connections are told that is not a message: pushed, never stored, in a {@link PushBatch}.
 *
 * @param kind      what happened
 * @param userId    whose connections are told
 * @param peer      the other participant of the conversation, from {@code userId}'s side (the reader, the typist)
 * @param messageId the message concerned (for a read: the highest read); 0 for typing
 * @param seq       that message's seq; 0 for typing
 * @param actor     who did it: the reader, the sender who recalled, the user who deleted, the typist
 */
public record Notice(Kind kind, long userId, long peer, long messageId, long seq, long actor) {

  public enum Kind {
    /** {@code peer} read every message of {@code userId} to them up to {@code messageId}. */
    READ,
    /** The message was recalled by its sender. */
    RECALL,
    /** {@code userId} deleted the message for themselves. */
    DELETED,
    /** {@code peer} is typing to {@code userId}: only connections with {@code peer}'s chat open are told. */
    TYPING
  }
}
