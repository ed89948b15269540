package io.github.minichat.message;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.Delivery;
import io.github.minichat.common.LocateRequest;
import io.github.minichat.common.Routes;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.List;
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
    locate(new LocateRequest(List.of(message.fromId(), message.toId()), 0, 0))
        .onSuccess(routes -> routes.gateways().forEach(gateway -> {
          eventBus.send(Addresses.gatewayDeliveries(gateway), new Delivery(message, excludeConnection));
          if (recipientUnread != null) {
            eventBus.send(Addresses.gatewayUnread(gateway), recipientUnread);
          }
        }))
        .onFailure(failure -> LOG.warn("Message {} stored but not pushed: {}", message.id(), failure.getMessage()));
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
