package io.github.minichat.gateway;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.Delivery;
import io.github.minichat.common.GroupDelivery;
import io.github.minichat.common.GroupReceipts;
import io.github.minichat.common.Notice;
import io.github.minichat.common.PushBatch;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import java.util.HashSet;
import java.util.Set;

/**
 * Receives what the services push to this gateway node (messages, unread counts, presence changes) and hands each
 * to the local sockets it concerns, on their own event loops.
 */
final class PushVerticle extends VerticleBase {

  private final String gatewayId;
  private final LocalConnections connections;

  PushVerticle(String gatewayId, LocalConnections connections) {
    this.gatewayId = gatewayId;
    this.connections = connections;
  }

  @Override
  public Future<?> start() {
    EventBus eventBus = vertx.eventBus();
    return Future.all(
        eventBus.<PushBatch>consumer(Addresses.gatewayDeliveries(gatewayId), message -> push(message.body()))
            .completion(),
        eventBus.<PresenceStatus>consumer(Addresses.PRESENCE_CHANGED, message -> presenceChanged(message.body()))
            .completion());
  }

  private void push(PushBatch batch) {
    batch.deliveries().forEach(this::deliver);
    batch.groupDeliveries().forEach(this::deliverToMembers);
    // a notice before the count it changed: a recall, then the count without it
    batch.notices().forEach(this::notice);
    batch.unreadCounts().forEach(this::unreadChanged);
    batch.receipts().forEach(this::receipts);
  }

  private void notice(Notice notice) {
    String frame = ServerFrames.notice(notice);
    connections.forEachInboxOf(notice.userId(), inbox -> inbox.onContext(() -> inbox.notice(notice, frame)));
  }

  /** To every connection of each member listed (those this node holds), each at the member's own cursor. */
  private void deliverToMembers(GroupDelivery delivery) {
    ChatMessage message = delivery.message();
    Set<Long> mentioned = delivery.mentioned().isEmpty() ? Set.of() : new HashSet<>(delivery.mentioned());
    for (int i = 0; i < delivery.members().size(); i++) {
      long member = delivery.members().get(i);
      long cursor = delivery.cursors().get(i);
      ChatMessage copy = member == message.fromId() ? message
          : message.forMember(member, cursor, mentioned.contains(member));
      connections.forEachInboxOf(member, inbox -> {
        if (inbox.connectionId().equals(delivery.originConnection())) {
          inbox.onContext(() -> inbox.deliverOwn(cursor));
        } else {
          inbox.onContext(() -> inbox.deliver(copy));
        }
      });
    }
  }

  private void receipts(GroupReceipts receipts) {
    String frame = ServerFrames.receipts(receipts);
    connections.forEachInboxOf(receipts.senderId(), inbox -> inbox.onContext(() -> inbox.receipts(frame)));
  }

  /** To every connection of the sender and recipient; the sending one only records the message's place. */
  private void deliver(Delivery delivery) {
    ChatMessage message = delivery.message();
    for (long userId : new long[] {message.toId(), message.fromId()}) {
      connections.forEachInboxOf(userId, inbox -> {
        if (inbox.connectionId().equals(delivery.originConnection())) {
          inbox.onContext(() -> inbox.deliverOwn(message.cursorFor(userId)));
        } else {
          inbox.onContext(() -> inbox.deliver(message));
        }
      });
    }
  }

  private void unreadChanged(UnreadCount count) {
    connections.forEachInboxOf(count.userId(), inbox -> inbox.onContext(() -> {
      inbox.unreadChanged(count);
      GatewayMetrics.unreadPushed();
    }));
  }

  private void presenceChanged(PresenceStatus status) {
    connections.forEachSubscriberOf(status.userId(),
        subscriber -> subscriber.onContext(() -> subscriber.presenceChanged(status)));
  }
}
