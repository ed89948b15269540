package io.github.minichat.presence;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.github.minichat.common.Addresses;
import io.github.minichat.common.ConnectionEvent;
import io.github.minichat.common.PresenceQuery;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.common.Replies;
import io.github.minichat.common.ViewingChanged;
import io.github.minichat.platform.Node;
import io.github.minichat.presence.api.PresenceOps;
import io.github.minichat.presence.api.RouteTable;
import io.github.minichat.presence.api.UserPresence;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks presence from the gateways' connection events in the cluster-wide presence map (which message services
 * copy to route deliveries), answers presence questions, and publishes online/offline changes. Any number of
 * instances share the work: the state is in the map, every update is an atomic entry processor that says whether
 * it flipped the user's state, and only the instance whose update flipped it announces the change. Updates for one
 * connection may reach different instances and be applied in either order: a close always wins
 * ({@link PresenceOps}).
 *
 * <p>Users go offline after a grace period without connections (found by a periodic sweep that any instance may
 * run), or at once when the gateway node holding their connections leaves the cluster.
 */
public final class PresenceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PresenceVerticle.class);

  private final PresenceConfig config;
  private final HazelcastInstance hazelcast;
  private final boolean clustered;
  private IMap<Long, UserPresence> presence;
  private UUID membershipListener;

  public PresenceVerticle(PresenceConfig config, HazelcastInstance hazelcast, boolean clustered) {
    this.config = config;
    this.hazelcast = hazelcast;
    this.clustered = clustered;
  }

  @Override
  public Future<?> start() {
    presence = hazelcast.getMap(PresenceOps.MAP);
    EventBus eventBus = vertx.eventBus();
    vertx.setPeriodic(config.sweepInterval().toMillis(), id -> expireGracePeriods());
    Future<Void> purged = Future.succeededFuture();
    if (clustered) {
      membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
          String nodeId = event.getMember().getAttribute(Node.VERTX_NODE_ID_ATTRIBUTE);
          if (nodeId != null) {
            vertx.runOnContext(ignored -> purgeNodes(Set.of(nodeId), false));
          }
        }
      });
      // routes of nodes that died while no presence instance was watching
      Set<String> live = hazelcast.getCluster().getMembers().stream()
          .map(member -> member.<String>getAttribute(Node.VERTX_NODE_ID_ATTRIBUTE))
          .filter(id -> id != null)
          .collect(Collectors.toSet());
      purged = purgeNodes(live, true);
    }
    return purged.compose(ignored -> Future.all(
        eventBus.consumer(Addresses.PRESENCE_CONNECTED, Replies.of(this::connected)).completion(),
        eventBus.consumer(Addresses.PRESENCE_DISCONNECTED, Replies.of(this::disconnected)).completion(),
        eventBus.consumer(Addresses.PRESENCE_VIEWING, Replies.of(this::viewing)).completion(),
        eventBus.consumer(Addresses.PRESENCE_QUERY, Replies.of(this::query)).completion()));
  }

  @Override
  public Future<?> stop() {
    if (membershipListener != null) {
      hazelcast.getCluster().removeMembershipListener(membershipListener);
    }
    return Future.succeededFuture();
  }

  /**
   * Records a bound connection. Its route is published before the answer, as an open chat's is: the gateway
   * answers the client after it, and a message stored from then on must be routed to this connection's gateway
   * too, even if the route tables have not had the map's event yet. A connect whose close came first is refused
   * and announces nothing.
   */
  private Future<PresenceStatus> connected(ConnectionEvent event) {
    long now = System.currentTimeMillis();
    return fromStage(presence.submitToKey(event.userId(),
            new PresenceOps.Connect(event.connectionId(), event.gatewayId(), now)))
        .map(outcome -> {
          if (!outcome.recorded()) {
            LOG.info("Connect of connection {} of user {} refused: its close was recorded first",
                event.connectionId(), event.userId());
            return status(event.userId(), outcome.entry());
          }
          vertx.eventBus().publish(Addresses.ROUTE_CHANGED, RouteTable.routeOf(event.userId(), outcome.entry()));
          PresenceStatus status = new PresenceStatus(event.userId(), true, now);
          if (outcome.cameOnline()) {
            vertx.eventBus().publish(Addresses.PRESENCE_CHANGED, status);
          }
          return status;
        });
  }

  /**
   * Answered, so that the gateway can retry a report lost with a dying instance (a repeat changes nothing). A close
   * that overtook its connect is recorded as a tombstone and logged: the connect, when it comes, is refused.
   */
  private Future<Boolean> disconnected(ConnectionEvent event) {
    long now = System.currentTimeMillis();
    return fromStage(presence.submitToKey(event.userId(), new PresenceOps.Disconnect(event.connectionId(),
            config.offlineGrace().toMillis(), now, retention())))
        .map(outcome -> {
          if (outcome == PresenceOps.Closed.WENT_OFFLINE) {
            announceOffline(event.userId(), now);
          } else if (outcome == PresenceOps.Closed.BEFORE_CONNECT) {
            LOG.info("Close of connection {} of user {} recorded before its connect", event.connectionId(),
                event.userId());
          }
          return outcome == PresenceOps.Closed.WENT_OFFLINE;
        })
        .onFailure(failure -> LOG.warn("Disconnect of user {} not recorded: {}", event.userId(), failure.toString()));
  }

  /** Answered, so that the gateway can retry; numbered, so that a retry or a late update never undoes a newer one. */
  private Future<Boolean> viewing(ViewingChanged change) {
    return fromStage(presence.submitToKey(change.userId(),
            new PresenceOps.View(change.connectionId(), change.peer(), change.change())))
        .map(written -> {
          if (written != null) {
            // before the answer: the gateway answers the client after it, and a message sent then must find it
            vertx.eventBus().publish(Addresses.ROUTE_CHANGED, RouteTable.routeOf(change.userId(), written));
          }
          return written != null;
        });
  }

  private Future<PresenceStatus> query(PresenceQuery query) {
    return get(query.userId()).map(entry -> status(query.userId(), entry));
  }

  private void expireGracePeriods() {
    long now = System.currentTimeMillis();
    vertx.executeBlocking(() -> presence.executeOnEntries(new PresenceOps.ExpireGrace(now, retention()),
            Predicates.and(Predicates.greaterThan("graceUntil", 0L), Predicates.lessEqual("graceUntil", now))), false)
        .onSuccess(results -> announceAllOffline(results, now))
        .onFailure(failure -> LOG.warn("Grace sweep failed: {}", failure.toString()));
  }

  /** Bulk removal of dead gateway nodes' connections: their users go offline at once. */
  private Future<Void> purgeNodes(Set<String> nodes, boolean nodesAreLive) {
    long now = System.currentTimeMillis();
    return vertx.executeBlocking(() -> presence.executeOnEntries(
            new PresenceOps.PurgeNodes(nodes, nodesAreLive, now, now, retention())), false)
        .onSuccess(results -> {
          int offline = announceAllOffline(results, now);
          if (offline > 0) {
            LOG.info("Purged the connections on {} {}: {} user(s) offline", nodesAreLive ? "nodes other than" : "node(s)",
                nodes, offline);
          }
        })
        .onFailure(failure -> LOG.warn("Purge of nodes {} failed: {}", nodes, failure.toString()))
        .mapEmpty();
  }

  private int announceAllOffline(Map<Long, Boolean> results, long now) {
    int count = 0;
    for (Map.Entry<Long, Boolean> result : results.entrySet()) {
      if (Boolean.TRUE.equals(result.getValue())) {
        announceOffline(result.getKey(), now);
        count++;
      }
    }
    return count;
  }

  private void announceOffline(long userId, long now) {
    get(userId).onSuccess(entry -> vertx.eventBus().publish(Addresses.PRESENCE_CHANGED, status(userId, entry)));
  }

  /** Online users were last seen now; offline ones when their last connection closed (null: never seen). */
  private static PresenceStatus status(long userId, UserPresence entry) {
    boolean online = entry != null && entry.online();
    Long lastSeen = online ? Long.valueOf(System.currentTimeMillis())
        : entry == null || entry.lastSeen() == 0 ? null : Long.valueOf(entry.lastSeen());
    return new PresenceStatus(userId, online, lastSeen);
  }

  private long retention() {
    return config.offlineRetention().toMillis();
  }

  private Future<UserPresence> get(long userId) {
    return fromStage(presence.getAsync(userId));
  }

  private <T> Future<T> fromStage(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
  }
}
