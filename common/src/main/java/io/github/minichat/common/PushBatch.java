package io.github.minichat.common;

import java.util.List;

/**
 * Everything one gateway node has to push after a batch of sends: the stored one-to-one messages for the
 * connections of their senders and recipients, the group messages for the members it holds, the new unread counts,
 * read receipts for senders, and notices (a read, a recall, a deletion, typing). One event-bus message per gateway per batch.
 */
public record PushBatch(List<Delivery> deliveries, List<UnreadCount> unreadCounts,
                        List<GroupDelivery> groupDeliveries, List<GroupReceipts> receipts, List<Notice> notices) {
  public PushBatch {
    deliveries = List.copyOf(deliveries);
    unreadCounts = List.copyOf(unreadCounts);
    groupDeliveries = List.copyOf(groupDeliveries);
    receipts = List.copyOf(receipts);
    notices = List.copyOf(notices);
  }

  public PushBatch(List<Delivery> deliveries, List<UnreadCount> unreadCounts, List<GroupDelivery> groupDeliveries,
                   List<GroupReceipts> receipts) {
    this(deliveries, unreadCounts, groupDeliveries, receipts, List.of());
  }

  public PushBatch(List<Delivery> deliveries, List<UnreadCount> unreadCounts) {
    this(deliveries, unreadCounts, List.of(), List.of(), List.of());
  }

  /** Only notices (and the counts they changed). */
  public static PushBatch of(List<Notice> notices, List<UnreadCount> unreadCounts) {
    return new PushBatch(List.of(), unreadCounts, List.of(), List.of(), notices);
  }
}
