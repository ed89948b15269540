package io.github.minichat.message;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.Delivery;
import io.github.minichat.common.LocateRequest;
import io.github.minichat.common.LocateUsers;
import io.github.minichat.common.PushBatch;
import io.github.minichat.common.Routes;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.common.UserRoutes;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes stored messages and unread counts to the gateway nodes that hold the users' connections, as located by
 * the presence service. Pushes are best effort: every message is stored first, and a client that misses a push
 * catches up with {@code sync}.
 */
final class DeliveryRouter {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryRouter.class);

  private final EventBus eventBus;
  private final DeliveryOptions requestOptions;

  DeliveryRouter(EventBus eventBus, DeliveryOptions requestOptions) {
    this.eventBus = eventBus;
    this.requestOptions = requestOptions;
  }

  /** Whether a connection of {@code user} has the chat with {@code peer} open; false when presence can't tell. */
  Future<Boolean> isViewing(long user, long peer) {
    return locate(new LocateRequest(List.of(user), user, peer))
        .map(Routes::viewing)
        .otherwise(false);
  }

  /** Sends the message to every gateway holding its sender or recipient, with the recipient's new unread count. */
  void deliver(ChatMessage message, String excludeConnection, UnreadCount recipientUnread) {
    List<UnreadCount> unread = recipientUnread == null ? List.of() : List.of(recipientUnread);
    locate(new LocateRequest(List.of(message.fromId(), message.toId()), 0, 0))
        .onSuccess(routes -> routes.gateways().forEach(gateway -> eventBus.send(Addresses.gatewayDeliveries(gateway),
            new PushBatch(List.of(new Delivery(message, excludeConnection)), unread))))
        .onFailure(failure -> LOG.warn("Message {} stored but not pushed: {}", message.id(), failure.getMessage()));
  }

  /** Routes and open chats of the users of a batch of sends, in one request. */
  Future<UserRoutes> locateUsers(Collection<Long> userIds) {
    return eventBus.<UserRoutes>request(Addresses.PRESENCE_LOCATE_USERS, new LocateUsers(List.copyOf(userIds)),
        requestOptions).map(reply -> reply.body());
  }

  /**
   * Pushes a batch of stored messages with one event-bus message per gateway: each message to the gateways of its
   * sender and recipient, and each recipient's newest unread count (counts only grow in version within a batch).
   */
  void deliverAll(List<Delivery> deliveries, Map<Long, UnreadCount> newestUnread, UserRoutes routes) {
    Map<String, List<Delivery>> messagesByGateway = new HashMap<>();
    for (Delivery delivery : deliveries) {
      Set<String> gateways = new HashSet<>(routes.gatewaysOf(delivery.message().fromId()));
      gateways.addAll(routes.gatewaysOf(delivery.message().toId()));
      gateways.forEach(gateway -> messagesByGateway.computeIfAbsent(gateway, ignored -> new ArrayList<>())
          .add(delivery));
    }
    Map<String, List<UnreadCount>> unreadByGateway = new HashMap<>();
    newestUnread.values().forEach(count -> routes.gatewaysOf(count.userId()).forEach(gateway ->
        unreadByGateway.computeIfAbsent(gateway, ignored -> new ArrayList<>()).add(count)));
    Set<String> gateways = new HashSet<>(messagesByGateway.keySet());
    gateways.addAll(unreadByGateway.keySet());
    gateways.forEach(gateway -> eventBus.send(Addresses.gatewayDeliveries(gateway), new PushBatch(
        messagesByGateway.getOrDefault(gateway, List.of()), unreadByGateway.getOrDefault(gateway, List.of()))));
  }

  void pushUnread(UnreadCount count) {
    locate(new LocateRequest(List.of(count.userId()), 0, 0))
        .onSuccess(routes -> routes.gateways()
            .forEach(gateway -> eventBus.send(Addresses.gatewayUnread(gateway), count)))
        .onFailure(failure -> LOG.warn("Unread count of user {} not pushed: {}", count.userId(), failure.getMessage()));
  }

  private Future<Routes> locate(LocateRequest request) {
    return eventBus.<Routes>request(Addresses.PRESENCE_LOCATE, request, requestOptions).map(reply -> reply.body());
  }
}
