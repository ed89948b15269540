package io.github.minichat.presence;

import io.github.minichat.presence.api.PresenceMap;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.ConnectionEvent;
import io.github.minichat.platform.Env;
import io.github.minichat.common.PresenceQuery;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.common.UserRoute;
import io.github.minichat.platform.ClusterSettings;
import io.github.minichat.platform.Node;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The presence service on one local node (its private Hazelcast member): what it publishes before it answers a
 * gateway. Requests and the consumers listening to its publications share one context, so that what a consumer
 * got by the time the answer arrives is exactly what was published before the answer.
 */
class PresenceVerticleTest {

  private static final String GATEWAY = "gw-test";

  private static Node node;
  private static Context context;
  private static final List<UserRoute> routes = new CopyOnWriteArrayList<>();
  private static final List<PresenceStatus> changes = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    node = await(Node.start(ClusterSettings.from(new Env(Map.of()), ClusterSettings.OFF), new VertxOptions(), PresenceMap::configure));
    PresenceConfig config = new PresenceConfig(Duration.ZERO, Duration.ofSeconds(1), Duration.ofMinutes(1));
    await(node.vertx().executeBlocking(node::hazelcastForState)
        .compose(hazelcast -> node.vertx().deployVerticle(new PresenceVerticle(config, hazelcast, false))));
    context = node.vertx().getOrCreateContext();
    await(on(() -> Future.all(
        bus().<UserRoute>consumer(Addresses.ROUTE_CHANGED, message -> routes.add(message.body())).completion(),
        bus().<PresenceStatus>consumer(Addresses.PRESENCE_CHANGED, message -> changes.add(message.body()))
            .completion())));
  }

  @AfterAll
  static void stop() throws Exception {
    await(node.close());
  }

  @Test
  @DisplayName("a connect publishes the user's route, with the connection's gateway, before it answers")
  void connectPublishesTheRouteFirst() throws Exception {
    long user = 1001;

    List<UserRoute> published = await(on(() -> request(Addresses.PRESENCE_CONNECTED, connection(user, "c1"))
        .map(answer -> routesOf(user))));

    assertThat(published).hasSize(1);
    assertThat(published.get(0).gateways()).containsExactly(GATEWAY);
  }

  @Test
  @DisplayName("a connect whose disconnect came first is refused: nothing announced, the user stays offline")
  void connectAfterItsDisconnectIsRefused() throws Exception {
    long user = 1002;
    ConnectionEvent event = connection(user, "c1");

    await(on(() -> request(Addresses.PRESENCE_DISCONNECTED, event)));
    List<Object> seen = await(on(() -> request(Addresses.PRESENCE_CONNECTED, event)
        .map(answer -> List.of(routesOf(user), changesOf(user)))));
    PresenceStatus status = await(on(() -> request(Addresses.PRESENCE_QUERY, new PresenceQuery(user))));

    assertThat(seen).containsExactly(List.of(), List.of());
    assertThat(status.online()).isFalse();
  }

  @Test
  @DisplayName("a connect announces the user online once; its disconnect announces them offline")
  void connectAndDisconnectAnnounced() throws Exception {
    long user = 1003;
    ConnectionEvent event = connection(user, "c1");

    await(on(() -> request(Addresses.PRESENCE_CONNECTED, event)));
    await(on(() -> request(Addresses.PRESENCE_CONNECTED, event)));
    List<PresenceStatus> online = changesOf(user);
    await(on(() -> request(Addresses.PRESENCE_DISCONNECTED, event)));

    assertThat(online).extracting(PresenceStatus::online).containsExactly(true);
    // the offline announcement follows a read of the entry, after the answer
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (changesOf(user).size() < 2 && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(5);
    }
    assertThat(changesOf(user)).extracting(PresenceStatus::online).containsExactly(true, false);
  }

  private static ConnectionEvent connection(long user, String id) {
    return new ConnectionEvent(user, GATEWAY, GATEWAY + "-" + user + "-" + id);
  }

  private static List<UserRoute> routesOf(long user) {
    return routes.stream().filter(route -> route.userId() == user).toList();
  }

  private static List<PresenceStatus> changesOf(long user) {
    return changes.stream().filter(change -> change.userId() == user).toList();
  }

  private static EventBus bus() {
    return node.vertx().eventBus();
  }

  private static <T> Future<T> request(String address, Object body) {
    return bus().<T>request(address, body).map(Message::body);
  }

  /** Runs {@code action} on the test's context, where the consumers are. */
  private static <T> Future<T> on(Supplier<Future<T>> action) {
    return Future.<T>future(promise -> context.runOnContext(ignored -> action.get().onComplete(promise)));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
