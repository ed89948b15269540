package io.github.minichat.presence.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.IMap;
import io.github.minichat.common.Addresses;
import io.github.minichat.platform.Env;
import io.github.minichat.common.UserRoute;
import io.github.minichat.platform.ClusterSettings;
import io.github.minichat.platform.Node;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The message service's copy of the presence routes, against a real (single-member) Hazelcast map. */
class RouteTableTest {

  private static Node node;
  private static IMap<Long, UserPresence> presence;

  @BeforeAll
  static void startNode() throws Exception {
    node = await(Node.start(ClusterSettings.from(new Env(Map.of()), ClusterSettings.OFF), new VertxOptions(), PresenceMap::configure));
    presence = node.hazelcastForState().getMap(PresenceOps.MAP);
  }

  @AfterAll
  static void stopNode() throws Exception {
    await(node.close());
  }

  @Test
  @DisplayName("follows connects, open chats and disconnects as the presence service writes them")
  void followsChanges() throws Exception {
    RouteTable table = open();
    try {
      presence.executeOnKey(101L, new PresenceOps.Connect("c1", "gw-a", now()));
      eventually(() -> table.gatewaysOf(101).equals(Set.of("gw-a")));
      presence.executeOnKey(101L, new PresenceOps.View("c1", 202, 1));
      eventually(() -> table.isViewing(101, 202));
      presence.executeOnKey(101L, new PresenceOps.Connect("c2", "gw-b", now()));
      eventually(() -> table.gatewaysOf(101).equals(Set.of("gw-a", "gw-b")));
      presence.executeOnKey(101L, new PresenceOps.Disconnect("c1", 0, now(), 60_000));
      eventually(() -> table.gatewaysOf(101).equals(Set.of("gw-b")) && !table.isViewing(101, 202));
      presence.executeOnKey(101L, new PresenceOps.Disconnect("c2", 0, now(), 60_000));
      eventually(() -> table.gatewaysOf(101).isEmpty());
      int users = table.size();
      presence.delete(101L);
      eventually(() -> table.size() == users - 1);
    } finally {
      await(table.close());
    }
  }

  @Test
  @DisplayName("starts with the routes written before it opened")
  void loadsExistingEntries() throws Exception {
    presence.executeOnKey(301L, new PresenceOps.Connect("c1", "gw-a", now()));
    presence.executeOnKey(301L, new PresenceOps.View("c1", 302, 1));
    RouteTable table = open();
    try {
      assertThat(table.gatewaysOf(301)).containsExactly("gw-a");
      assertThat(table.isViewing(301, 302)).isTrue();
      assertThat(table.gatewaysOf(302)).isEmpty();
    } finally {
      await(table.close());
    }
  }

  @Test
  @DisplayName("confirm reads the map itself for users it shows without a connection")
  void confirmReadsTheMap() throws Exception {
    RouteTable table = open();
    await(table.close()); // no more events: only confirm can bring the table up to date
    presence.executeOnKey(401L, new PresenceOps.Connect("c1", "gw-c", now()));
    assertThat(table.gatewaysOf(401)).isEmpty();

    await(table.confirm(List.of(401L, 402L)));

    assertThat(table.gatewaysOf(401)).containsExactly("gw-c");
    assertThat(table.gatewaysOf(402)).isEmpty();
  }

  @Test
  @DisplayName("takes in routes the presence service publishes, and never an older one over a newer one")
  void publishedRoutesByVersion() throws Exception {
    RouteTable table = open();
    try {
      node.vertx().eventBus().publish(Addresses.ROUTE_CHANGED, new UserRoute(501, 20, Set.of("gw-a"), Set.of(502L)));
      eventually(() -> table.isViewing(501, 502));
      node.vertx().eventBus().publish(Addresses.ROUTE_CHANGED, new UserRoute(501, 10, Set.of("gw-b"), Set.of()));
      node.vertx().eventBus().publish(Addresses.ROUTE_CHANGED, new UserRoute(501, 30, Set.of("gw-a"), Set.of(503L)));
      eventually(() -> table.isViewing(501, 503));
      assertThat(table.gatewaysOf(501)).containsExactly("gw-a");
      assertThat(table.isViewing(501, 502)).isFalse();
    } finally {
      await(table.close());
    }
  }

  private static RouteTable open() throws Exception {
    return await(RouteTable.open(node.vertx(), node.hazelcastForState(), false));
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  private static void eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(5);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
