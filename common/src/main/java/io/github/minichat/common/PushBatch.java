package io.github.minichat.common;

import java.util.List;

/**
 * Everything one gateway node has to push after a batch of sends: the stored messages for the connections of
 * their senders and recipients, and the recipients' new unread counts. One event-bus message per gateway per batch.
 */
public record PushBatch(List<Delivery> deliveries, List<UnreadCount> unreadCounts) {
  public PushBatch {
    deliveries = List.copyOf(deliveries);
    unreadCounts = List.copyOf(unreadCounts);
  }
}
