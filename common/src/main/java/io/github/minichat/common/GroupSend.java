package io.github.minichat.common;

import java.util.List;

/**
 * A request to store and deliver one message to a group, answered with a {@link SendResult} (the sender's copy).
 * Same rules as a {@link SendMessage}: same sender + cid = same message.
 *
 * @param mentions   members mentioned by id (others are ignored)
 * @param mentionAll {@code @all}: every member is mentioned; owners and admins only
 * @param fileId     the sender's upload this message sends (nullable; the text is then empty)
 * @param attachment that upload as the store found it (null until then)
 */
public record GroupSend(long fromId, long groupId, String text, String cid, Origin origin, String originConnection,
                        List<Long> mentions, boolean mentionAll, String fileId, Attachment attachment) {
  public GroupSend {
    mentions = List.copyOf(mentions);
  }

  /** A text message. */
  public GroupSend(long fromId, long groupId, String text, String cid, Origin origin, String originConnection,
                   List<Long> mentions, boolean mentionAll) {
    this(fromId, groupId, text, cid, origin, originConnection, mentions, mentionAll, null, null);
  }

  public GroupSend withAttachment(Attachment attachment) {
    return new GroupSend(fromId, groupId, text, cid, origin, originConnection, mentions, mentionAll, fileId,
        attachment);
  }
}
