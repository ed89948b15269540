package io.github.minichat.message;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.Delivery;
import io.github.minichat.common.GroupDelivery;
import io.github.minichat.common.GroupReceipts;
import io.github.minichat.common.Notice;
import io.github.minichat.common.PushBatch;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.presence.api.RouteTable;
import io.vertx.core.eventbus.EventBus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes stored messages (one-to-one and group), unread counts and read receipts to the gateway nodes that hold the
 * users' connections, as the route table knows them. Pushes leave as soon as their routes are known, in no
 * particular order between batches: a gateway puts each connection's pushes in inbox order by their dense cursors,
 * drops repeats, and reads back from the store whatever a lost or late push leaves missing. So nothing here waits
 * on an earlier push, and the only queue, the presence reads in flight, is bounded.
 */
final class DeliveryRouter {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryRouter.class);

  private final EventBus eventBus;
  private final RouteTable routes;
  /**
   * How long a push may wait on reading the presence map; past it, the route table's answer is used, so that a slow
   * cluster holds pushes (and their memory) back no longer than this.
   */
  private static final long CONFIRM_TIMEOUT_MS = 2_000;
  /** Pushes that may wait on presence reads at once; beyond, the route table's answer is used at once. */
  static final int MAX_CONFIRMING = 256;

  private int confirming;

  DeliveryRouter(EventBus eventBus, RouteTable routes) {
    this.eventBus = eventBus;
    this.routes = routes;
  }

  /** Whether a connection of {@code user} has the chat with {@code peer} open. */
  boolean isViewing(long user, long peer) {
    return routes.isViewing(user, peer);
  }

  /**
   * Pushes stored messages with one event-bus message per gateway: each message to the gateways of its sender and
   * recipient, and each new unread count to its user's gateways. Routes are read after the messages were stored,
   * and users the table shows offline are confirmed in the presence map first, so that a client that connected
   * and synced before the commit is pushed what the sync could not see yet.
   */
  void deliverAll(List<Delivery> deliveries, Map<Long, UnreadCount> newestUnread) {
    deliverAll(deliveries, newestUnread, List.of());
  }

  /** As {@link #deliverAll(List, Map)}, with notices to push in the same event-bus messages. */
  void deliverAll(List<Delivery> deliveries, Map<Long, UnreadCount> newestUnread, List<Notice> notices) {
    if (confirming >= MAX_CONFIRMING) {
      send(deliveries, newestUnread, notices);
      return;
    }
    Set<Long> users = new HashSet<>(newestUnread.keySet());
    notices.forEach(notice -> users.add(notice.userId()));
    deliveries.forEach(delivery -> {
      users.add(delivery.message().fromId());
      users.add(delivery.message().toId());
    });
    confirming++;
    routes.confirm(users).timeout(CONFIRM_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onComplete(confirmed -> {
          confirming--;
          if (confirmed.failed()) {
            LOG.warn("Presence not read for {} message(s), pushed by the route table alone: {}", deliveries.size(),
                confirmed.cause().toString());
          }
          send(deliveries, newestUnread, notices);
        });
  }

  void pushUnread(UnreadCount count) {
    deliverAll(List.of(), Map.of(count.userId(), count));
  }

  /** Pushes notices (and the counts they changed) to their users' gateways. */
  void pushNotices(List<Notice> notices, List<UnreadCount> counts) {
    Map<Long, UnreadCount> newest = new HashMap<>();
    counts.forEach(count -> newest.merge(count.userId(), count, (a, b) -> a.version() >= b.version() ? a : b));
    deliverAll(List.of(), newest, notices);
  }

  /**
   * Pushes a typing notice, by the route table alone: typing is a hint that is worth nothing a second later, so
   * it never waits on presence reads.
   */
  void pushTyping(Notice typing) {
    send(List.of(), Map.of(), List.of(typing));
  }

  /** A stored group message and the connection that sent it (null: none, or HTTP), which gets an ack instead. */
  record GroupPush(GroupStored stored, String originConnection) {
  }

  /**
   * Pushes stored group messages with one event-bus message per gateway: for each message, one {@link GroupDelivery}
   * naming only the holders whose connections that gateway holds, and their newest unread totals. The route table's
   * answer is used as it is, without confirming offline holders in the presence map (a big group would read hundreds
   * of entries per message): a connection bound just before the commit reads what it missed back when its binding
   * settles.
   */
  void deliverGroups(List<GroupPush> pushes) {
    Map<String, GatewayPush> byGateway = new HashMap<>();
    for (GroupPush push : pushes) {
      GroupStored stored = push.stored();
      Map<String, Holders> holdersByGateway = new LinkedHashMap<>();
      for (int i = 0; i < stored.holders().size(); i++) {
        long holder = stored.holders().get(i);
        for (String gateway : routes.gatewaysOf(holder)) {
          holdersByGateway.computeIfAbsent(gateway, ignored -> new Holders())
              .add(holder, stored.cursors().get(i), stored.mentioned().contains(holder));
        }
      }
      holdersByGateway.forEach((gateway, holders) -> byGateway.computeIfAbsent(gateway, ignored -> new GatewayPush())
          .deliveries.add(holders.delivery(stored.message(), push.originConnection())));
      for (UnreadCount count : stored.unread()) {
        for (String gateway : routes.gatewaysOf(count.userId())) {
          byGateway.computeIfAbsent(gateway, ignored -> new GatewayPush()).unread
              .merge(count.userId(), count, (a, b) -> a.version() >= b.version() ? a : b);
        }
      }
    }
    byGateway.forEach((gateway, push) -> eventBus.send(Addresses.gatewayDeliveries(gateway),
        new PushBatch(List.of(), List.copyOf(push.unread.values()), push.deliveries, List.of())));
  }

  /** Pushes read receipts to the gateways of their senders, one event-bus message per gateway. */
  void pushReceipts(List<GroupReceipts> receipts) {
    Map<String, List<GroupReceipts>> byGateway = new HashMap<>();
    receipts.forEach(receipt -> routes.gatewaysOf(receipt.senderId()).forEach(gateway ->
        byGateway.computeIfAbsent(gateway, ignored -> new ArrayList<>()).add(receipt)));
    byGateway.forEach((gateway, forGateway) -> eventBus.send(Addresses.gatewayDeliveries(gateway),
        new PushBatch(List.of(), List.of(), List.of(), forGateway)));
  }

  /** What one gateway is pushed of a batch of group messages. */
  private static final class GatewayPush {
    final List<GroupDelivery> deliveries = new ArrayList<>();
    final Map<Long, UnreadCount> unread = new HashMap<>();
  }

  /** The holders of one message on one gateway, with their places and the ones it mentions. */
  private static final class Holders {
    final List<Long> members = new ArrayList<>();
    final List<Long> cursors = new ArrayList<>();
    final List<Long> mentioned = new ArrayList<>();

    void add(long member, long cursor, boolean mentions) {
      members.add(member);
      cursors.add(cursor);
      if (mentions) {
        mentioned.add(member);
      }
    }

    GroupDelivery delivery(ChatMessage message, String originConnection) {
      return new GroupDelivery(message, members, cursors, mentioned, originConnection);
    }
  }

  private void send(List<Delivery> deliveries, Map<Long, UnreadCount> newestUnread, List<Notice> notices) {
    Map<String, List<Delivery>> messagesByGateway = new HashMap<>();
    for (Delivery delivery : deliveries) {
      Set<String> sender = routes.gatewaysOf(delivery.message().fromId());
      Set<String> recipient = routes.gatewaysOf(delivery.message().toId());
      for (String gateway : recipient) {
        messagesByGateway.computeIfAbsent(gateway, ignored -> new ArrayList<>()).add(delivery);
      }
      for (String gateway : sender) {
        if (!recipient.contains(gateway)) {
          messagesByGateway.computeIfAbsent(gateway, ignored -> new ArrayList<>()).add(delivery);
        }
      }
    }
    Map<String, List<UnreadCount>> unreadByGateway = new HashMap<>();
    newestUnread.values().forEach(count -> routes.gatewaysOf(count.userId()).forEach(gateway ->
        unreadByGateway.computeIfAbsent(gateway, ignored -> new ArrayList<>()).add(count)));
    Map<String, List<Notice>> noticesByGateway = new HashMap<>();
    notices.forEach(notice -> routes.gatewaysOf(notice.userId()).forEach(gateway ->
        noticesByGateway.computeIfAbsent(gateway, ignored -> new ArrayList<>()).add(notice)));
    Set<String> gateways = new HashSet<>(messagesByGateway.keySet());
    gateways.addAll(unreadByGateway.keySet());
    gateways.addAll(noticesByGateway.keySet());
    gateways.forEach(gateway -> eventBus.send(Addresses.gatewayDeliveries(gateway), new PushBatch(
        messagesByGateway.getOrDefault(gateway, List.of()), unreadByGateway.getOrDefault(gateway, List.of()),
        List.of(), List.of(), noticesByGateway.getOrDefault(gateway, List.of()))));
  }
}
