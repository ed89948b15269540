package io.github.minichat.presence.api;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.github.minichat.common.Addresses;
import io.github.minichat.common.UserRoute;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's copy of the routes in the presence map: for each user, the gateway nodes holding their connections
 * and the chats those connections have open. Kept current by Hazelcast's entry events, so that routing a message
 * costs a local map read instead of a cluster operation per user.
 *
 * <p>Events arrive shortly after each write, so the copy may lag by about a network hop. Two things keep that
 * harmless: every entry carries a version and an older one never replaces a newer one (the initial load and the
 * events may interleave), and {@link #confirm} reads the map itself for users the copy shows without a connection,
 * so that a user who has just connected and synced is pushed what was stored after that sync. When a member leaves
 * the cluster (its events in flight are lost), the copy is loaded again. A new connection and a change of the chat
 * a connection has open also come published by the presence service ({@link Addresses#ROUTE_CHANGED}) before the
 * gateway answers the client, so that a message sent after that answer finds the connection's gateway and the chat
 * open, also for a user the copy already shows connected elsewhere (whom {@link #confirm} does not read).
 *
 * <p>A route is only ever replaced by a newer version and only forgotten for an entry removal at least as new, so
 * that neither a late event nor a read in flight can take away a newer route.
 */
public final class RouteTable {

  private static final Logger LOG = LoggerFactory.getLogger(RouteTable.class);

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<Long, UserPresence> presence;
  private final ConcurrentHashMap<Long, UserRoute> routes = new ConcurrentHashMap<>();
  /** One set per gateway node, shared by the routes of all users connected only there. */
  private final ConcurrentHashMap<String, Set<String>> singleGateways = new ConcurrentHashMap<>();
  private MessageConsumer<UserRoute> published;
  private UUID entryListener;
  private UUID membershipListener;

  private RouteTable(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.presence = hazelcast.getMap(PresenceOps.MAP);
  }

  /** Listens to the presence map, then loads it (in a worker: Hazelcast calls block). */
  public static Future<RouteTable> open(Vertx vertx, HazelcastInstance hazelcast, boolean clustered) {
    RouteTable table = new RouteTable(vertx, hazelcast);
    table.published = vertx.eventBus().consumer(Addresses.ROUTE_CHANGED, message -> table.apply(message.body()));
    return table.published.completion().compose(registered -> vertx.executeBlocking(() -> {
      table.entryListener = table.presence.addEntryListener(table.new Changes(), true);
      if (clustered) {
        table.membershipListener = hazelcast.getCluster().addMembershipListener(table.new Departures());
      }
      table.load();
      return table;
    }, false));
  }

  public Future<Void> close() {
    return published.unregister().compose(unregistered -> vertx.executeBlocking(() -> {
      presence.removeEntryListener(entryListener);
      if (membershipListener != null) {
        hazelcast.getCluster().removeMembershipListener(membershipListener);
      }
      return null;
    }, false));
  }

  /** The gateway nodes holding connections of {@code user}; empty when the copy knows of none. */
  public Set<String> gatewaysOf(long user) {
    UserRoute route = routes.get(user);
    return route == null ? Set.of() : route.gateways();
  }

  /** Whether some connection of {@code user} has the chat with {@code peer} open. */
  public boolean isViewing(long user, long peer) {
    UserRoute route = routes.get(user);
    return route != null && route.viewing().contains(peer);
  }

  /**
   * Reads the presence map itself for those of {@code users} the copy shows without a connection, and takes in what
   * it finds; completes when the copy is at least as new as those reads (on the caller's context).
   */
  public Future<Void> confirm(Collection<Long> users) {
    Context caller = vertx.getOrCreateContext();
    List<Future<UserPresence>> reads = new ArrayList<>();
    List<Long> read = new ArrayList<>();
    for (long user : users) {
      if (gatewaysOf(user).isEmpty()) {
        read.add(user);
        reads.add(Future.fromCompletionStage(presence.getAsync(user), caller));
      }
    }
    if (reads.isEmpty()) {
      return Future.succeededFuture();
    }
    return Future.join(reads).transform(done -> {
      for (int i = 0; i < reads.size(); i++) {
        if (reads.get(i).succeeded() && reads.get(i).result() != null) {
          apply(routeOf(read.get(i), reads.get(i).result()));
        }
      }
      return Future.succeededFuture();
    });
  }

  /** Number of users in the copy (connected or recently so). */
  public int size() {
    return routes.size();
  }

  private void load() {
    long started = System.nanoTime();
    int entries = 0;
    for (Map.Entry<Long, UserPresence> entry : presence.entrySet()) {
      apply(routeOf(entry.getKey(), entry.getValue()));
      entries++;
    }
    LOG.info("Route table loaded: {} presence entries in {} ms", entries, (System.nanoTime() - started) / 1_000_000);
  }

  /** Takes in a route unless the copy already holds the same or a newer version of it. */
  private void apply(UserRoute route) {
    UserRoute shared = route.gateways().size() == 1
        ? new UserRoute(route.userId(), route.version(),
            singleGateways.computeIfAbsent(route.gateways().iterator().next(), Set::of), route.viewing())
        : route;
    routes.merge(route.userId(), shared,
        (current, offered) -> offered.version() > current.version() ? offered : current);
  }

  /**
   * A presence entry's route: the presence service publishes it when a connection is bound or opens another chat.
   */
  public static UserRoute routeOf(long user, UserPresence entry) {
    Set<String> gateways = new HashSet<>();
    Set<Long> viewing = new HashSet<>();
    entry.connections().values().forEach(connection -> {
      gateways.add(connection.nodeId());
      if (connection.viewing() != 0) {
        viewing.add(connection.viewing());
      }
    });
    return new UserRoute(user, entry.version(), gateways, viewing);
  }

  /**
   * Forgets a user whose entry is gone, unless the copy already holds a newer one. An event without the removed
   * value (its version unknown) forgets only a route without a gateway: one with gateways may be newer than the
   * removal, and pushing to a gateway the user has left costs a message, while missing one loses a push.
   */
  private void forget(long user, UserPresence removed) {
    routes.computeIfPresent(user, (key, current) -> {
      boolean asOld = removed == null ? current.gateways().isEmpty() : current.version() <= removed.version();
      return asOld ? null : current;
    });
  }

  /** Runs on Hazelcast's event threads; in order per user. */
  private final class Changes implements EntryAddedListener<Long, UserPresence>,
      EntryUpdatedListener<Long, UserPresence>, EntryRemovedListener<Long, UserPresence>,
      EntryExpiredListener<Long, UserPresence>, EntryEvictedListener<Long, UserPresence> {

    @Override
    public void entryAdded(EntryEvent<Long, UserPresence> event) {
      apply(routeOf(event.getKey(), event.getValue()));
    }

    @Override
    public void entryUpdated(EntryEvent<Long, UserPresence> event) {
      apply(routeOf(event.getKey(), event.getValue()));
    }

    @Override
    public void entryRemoved(EntryEvent<Long, UserPresence> event) {
      forget(event.getKey(), event.getOldValue());
    }

    @Override
    public void entryExpired(EntryEvent<Long, UserPresence> event) {
      forget(event.getKey(), event.getOldValue());
    }

    @Override
    public void entryEvicted(EntryEvent<Long, UserPresence> event) {
      forget(event.getKey(), event.getOldValue());
    }
  }

  /** A member that left may have taken events in flight with it: load the map again. */
  private final class Departures implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      vertx.executeBlocking(() -> {
        load();
        return null;
      }, false).onFailure(failure -> LOG.warn("Route table not reloaded: {}", failure.toString()));
    }
  }
}
