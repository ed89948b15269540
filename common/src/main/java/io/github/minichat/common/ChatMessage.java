package io.github.minichat.common;

/**
 * A stored message, one-to-one or in a group, as one user's inbox holds it.
 *
 * <p>A one-to-one message is the same for both participants. A group message has one inbox position per member: the
 * copy the store or a gateway hands to a member ({@link #forMember}) names that member as {@code toId} and carries
 * the member's position as {@code recipientCursor}; the sender's copy has {@code toId} 0. So {@link #cursorFor}
 * answers for both kinds alike.
 *
 * @param id              server id (unique among messages of its kind; not a cursor)
 * @param seq             gapless position within the conversation (the pair of users, or the group)
 * @param fromId          sender
 * @param toId            recipient; in a group, the member whose copy this is (0 in the sender's copy)
 * @param data            the text, byte-for-byte as sent; for a system message, a JSON description of the change
 * @param read            whether the recipient has read it
 * @param createdAt       commit time, epoch milliseconds
 * @param senderCursor    position in the sender's inbox (what the sender's other devices sync by)
 * @param recipientCursor position in the recipient's inbox
 * @param cid             the sender's client message id, if any
 * @param groupId         the group, or 0 for a one-to-one message
 * @param system          a membership change written by the server (groups only)
 * @param mentioned       the recipient is mentioned, by name or by {@code @all} (groups only)
 * @param attachment      the picture or file the message carries (its {@code data} is then empty), or null
 * @param recalled        taken back by its sender: its text and attachment are gone
 */
public record ChatMessage(long id, long seq, long fromId, long toId, String data, boolean read, long createdAt,
                          long senderCursor, long recipientCursor, String cid, long groupId, boolean system,
                          boolean mentioned, Attachment attachment, boolean recalled) {

  public static final String TEXT = "text";
  public static final String SYSTEM = "system";
  public static final String RECALLED = "recalled";

  /** A message without an attachment. */
  public ChatMessage(long id, long seq, long fromId, long toId, String data, boolean read, long createdAt,
                     long senderCursor, long recipientCursor, String cid, long groupId, boolean system,
                     boolean mentioned) {
    this(id, seq, fromId, toId, data, read, createdAt, senderCursor, recipientCursor, cid, groupId, system,
        mentioned, null, false);
  }

  /** A one-to-one message. */
  public ChatMessage(long id, long seq, long fromId, long toId, String data, boolean read, long createdAt,
                     long senderCursor, long recipientCursor, String cid) {
    this(id, seq, fromId, toId, data, read, createdAt, senderCursor, recipientCursor, cid, 0, false, false, null,
        false);
  }

  /** What the message is: {@code text}, {@code image}, {@code file}, {@code system} or {@code recalled}. */
  public String kind() {
    if (recalled) {
      return RECALLED;
    }
    if (system) {
      return SYSTEM;
    }
    return attachment != null ? attachment.kind() : TEXT;
  }

  /** The same message carrying {@code attachment}. */
  public ChatMessage withAttachment(Attachment attachment) {
    return new ChatMessage(id, seq, fromId, toId, data, read, createdAt, senderCursor, recipientCursor, cid, groupId,
        system, mentioned, attachment, recalled);
  }

  /** The inbox position of this message for one of its participants. */
  public long cursorFor(long userId) {
    return userId == toId ? recipientCursor : senderCursor;
  }

  public boolean inGroup() {
    return groupId != 0;
  }

  /** A group message as member {@code member} holds it: at {@code cursor} in their inbox. */
  public ChatMessage forMember(long member, long cursor, boolean mentioned) {
    return new ChatMessage(id, seq, fromId, member, data, false, createdAt, senderCursor, cursor, cid, groupId,
        system, mentioned, attachment, recalled);
  }
}
