package io.github.minichat.common;

import java.util.List;

/**
 * Everything one gateway node has to push after a batch of sends: the stored one-to-one messages for the
 * connections of their senders and recipients, the group messages for the members it holds, the new unread counts,
 * and read receipts for senders. One event-bus message per gateway per batch.
 */
public record PushBatch(List<Delivery> deliveries, List<UnreadCount> unreadCounts,
                        List<GroupDelivery> groupDeliveries, List<GroupReceipts> receipts) {
  public PushBatch {
    deliveries = List.copyOf(deliveries);
    unreadCounts = List.copyOf(unreadCounts);
    groupDeliveries = List.copyOf(groupDeliveries);
    receipts = List.copyOf(receipts);
  }

  public PushBatch(List<Delivery> deliveries, List<UnreadCount> unreadCounts) {
    this(deliveries, unreadCounts, List.of(), List.of());
  }
}
