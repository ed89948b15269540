package io.github.minichat.common;

/**
 * A stored one-to-one message.
 *
 * @param id              server id (global, unique; not a cursor)
 * @param seq             gapless position within the conversation of {@code fromId} and {@code toId}
 * @param fromId          sender
 * @param toId            recipient
 * @param data            the text, byte-for-byte as sent
 * @param read            whether the recipient has read it
 * @param createdAt       commit time, epoch milliseconds
 * @param senderCursor    position in the sender's inbox (what the sender's other devices sync by)
 * @param recipientCursor position in the recipient's inbox
 * @param cid             the sender's client message id, if any
 */
public record ChatMessage(long id, long seq, long fromId, long toId, String data, boolean read, long createdAt,
                          long senderCursor, long recipientCursor, String cid) {

  /** The inbox position of this message for one of its two participants. */
  public long cursorFor(long userId) {
    return userId == toId ? recipientCursor : senderCursor;
  }
}
