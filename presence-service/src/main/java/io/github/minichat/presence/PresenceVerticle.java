package io.github.minichat.presence;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.ConnectionEvent;
import io.github.minichat.common.LocateRequest;
import io.github.minichat.common.PresenceQuery;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.common.Replies;
import io.github.minichat.common.Routes;
import io.github.minichat.common.ViewingChanged;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import java.util.HashMap;
import java.util.Map;

/**
 * Tracks presence from the gateways' connection events, answers presence and routing questions, and publishes
 * online/offline changes. A user goes offline only after a grace period without connections, so that an app
 * hopping to the background and straight back does not flap on its friends' screens.
 */
public final class PresenceVerticle extends VerticleBase {

  private final PresenceConfig config;
  private final PresenceRegistry registry = new PresenceRegistry();
  /** Users inside their grace period, with the timer that will take them offline. */
  private final Map<Long, Long> offlineTimers = new HashMap<>();

  public PresenceVerticle(PresenceConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    EventBus eventBus = vertx.eventBus();
    return Future.all(
        eventBus.consumer(Addresses.PRESENCE_CONNECTED, Replies.of(this::connected)).completion(),
        eventBus.<ConnectionEvent>consumer(Addresses.PRESENCE_DISCONNECTED, message -> disconnected(message.body()))
            .completion(),
        eventBus.<ViewingChanged>consumer(Addresses.PRESENCE_VIEWING, message -> viewing(message.body()))
            .completion(),
        eventBus.consumer(Addresses.PRESENCE_QUERY, Replies.of(this::query)).completion(),
        eventBus.consumer(Addresses.PRESENCE_LOCATE, Replies.of(this::locate)).completion());
  }

  private Future<PresenceStatus> connected(ConnectionEvent event) {
    Long graceTimer = offlineTimers.remove(event.userId());
    if (graceTimer != null) {
      vertx.cancelTimer(graceTimer);
    }
    boolean wasOnline = registry.isOnline(event.userId());
    registry.connect(event.userId(), event.gatewayId(), event.connectionId());
    PresenceStatus status = status(event.userId());
    if (!wasOnline) {
      vertx.eventBus().publish(Addresses.PRESENCE_CHANGED, status);
    }
    return Future.succeededFuture(status);
  }

  private void disconnected(ConnectionEvent event) {
    if (!registry.disconnect(event.userId(), event.connectionId())) {
      return;
    }
    if (config.offlineGrace().isZero()) {
      goOffline(event.userId());
    } else {
      long timer = vertx.setTimer(config.offlineGrace().toMillis(), id -> {
        offlineTimers.remove(event.userId());
        goOffline(event.userId());
      });
      offlineTimers.put(event.userId(), timer);
    }
  }

  private void goOffline(long userId) {
    if (registry.isOnline(userId)) {
      registry.markOffline(userId, System.currentTimeMillis());
      vertx.eventBus().publish(Addresses.PRESENCE_CHANGED, status(userId));
    }
  }

  private void viewing(ViewingChanged change) {
    registry.view(change.userId(), change.connectionId(), change.peer());
  }

  private Future<PresenceStatus> query(PresenceQuery query) {
    return Future.succeededFuture(status(query.userId()));
  }

  private Future<Routes> locate(LocateRequest request) {
    boolean viewing = request.viewer() != 0 && registry.isViewing(request.viewer(), request.viewed());
    return Future.succeededFuture(new Routes(registry.gatewaysOf(request.userIds()), viewing));
  }

  /** Online users were last seen now; offline ones when their grace period ended (null: never seen). */
  private PresenceStatus status(long userId) {
    boolean online = registry.isOnline(userId);
    Long lastSeen = online ? Long.valueOf(System.currentTimeMillis()) : registry.lastSeen(userId);
    return new PresenceStatus(userId, online, lastSeen);
  }
}
