package io.github.minichat.common;

import java.util.List;

/**
 * A request to store and deliver one message to a group, answered with a {@link SendResult} (the sender's copy).
 * Same rules as a {@link SendMessage}: same sender + cid = same message.
 *
 * @param mentions   members mentioned by id (others are ignored)
 * @param mentionAll {@code @all}: every member is mentioned; owners and admins only
 */
public record GroupSend(long fromId, long groupId, String text, String cid, Origin origin, String originConnection,
                        List<Long> mentions, boolean mentionAll) {
  public GroupSend {
    mentions = List.copyOf(mentions);
  }
}
