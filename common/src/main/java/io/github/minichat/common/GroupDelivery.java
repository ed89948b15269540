package io.github.minichat.common;

import java.util.List;

/**
 * A stored group message for the members whose connections one gateway node holds: one event-bus message per
 * gateway, never one per member. {@code message} is the sender's copy; {@code members[i]} holds it at
 * {@code cursors[i]}. {@code originConnection}, the connection that sent it, gets an ack instead.
 */
public record GroupDelivery(ChatMessage message, List<Long> members, List<Long> cursors, List<Long> mentioned,
                            String originConnection) {
  public GroupDelivery {
    members = List.copyOf(members);
    cursors = List.copyOf(cursors);
    mentioned = List.copyOf(mentioned);
  }
}
