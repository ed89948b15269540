package io.github.minichat.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.IMap;
import io.github.minichat.common.Addresses;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.GroupDelivery;
import io.github.minichat.common.GroupReceipts;
import io.github.minichat.common.PushBatch;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.platform.ClusterSettings;
import io.github.minichat.platform.Env;
import io.github.minichat.platform.Node;
import io.github.minichat.presence.api.PresenceMap;
import io.github.minichat.presence.api.PresenceOps;
import io.github.minichat.presence.api.RouteTable;
import io.github.minichat.presence.api.UserPresence;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Group deliveries through a real route table (on a single-member Hazelcast presence map): one push per gateway per
 * batch, each naming only the holders that gateway holds connections of.
 */
class GroupSendRoutingTest {

  private static final List<String> GATEWAYS = List.of("gw-a", "gw-b", "gw-c");

  private static Node node;
  private static RouteTable routes;
  private static DeliveryRouter router;
  private static final Map<String, BlockingQueue<PushBatch>> pushed = Map.of(
      "gw-a", new LinkedBlockingQueue<>(), "gw-b", new LinkedBlockingQueue<>(), "gw-c", new LinkedBlockingQueue<>());
  private static final List<MessageConsumer<PushBatch>> consumers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    node = await(Node.start(ClusterSettings.from(new Env(Map.of()), ClusterSettings.OFF), new VertxOptions(),
        PresenceMap::configure));
    IMap<Long, UserPresence> presence = node.hazelcastForState().getMap(PresenceOps.MAP);
    long now = System.currentTimeMillis();
    // 1 on gw-a and gw-b, 2 and 3 on gw-a, 4 on gw-b, 9 on gw-c only (a sender of receipts); 5 and 6 offline
    presence.executeOnKey(1L, new PresenceOps.Connect("c1a", "gw-a", now));
    presence.executeOnKey(1L, new PresenceOps.Connect("c1b", "gw-b", now));
    presence.executeOnKey(2L, new PresenceOps.Connect("c2", "gw-a", now));
    presence.executeOnKey(3L, new PresenceOps.Connect("c3", "gw-a", now));
    presence.executeOnKey(4L, new PresenceOps.Connect("c4", "gw-b", now));
    presence.executeOnKey(9L, new PresenceOps.Connect("c9", "gw-c", now));
    // opened after the writes, the table starts with them (no waiting on events)
    routes = await(RouteTable.open(node.vertx(), node.hazelcastForState(), false));
    assertThat(routes.gatewaysOf(1)).containsExactlyInAnyOrder("gw-a", "gw-b");
    router = new DeliveryRouter(node.vertx().eventBus(), routes);
    for (String gateway : GATEWAYS) {
      MessageConsumer<PushBatch> consumer = node.vertx().eventBus().consumer(Addresses.gatewayDeliveries(gateway),
          message -> pushed.get(gateway).add(message.body()));
      await(consumer.completion());
      consumers.add(consumer);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (MessageConsumer<PushBatch> consumer : consumers) {
      await(consumer.unregister());
    }
    await(routes.close());
    await(node.close());
  }

  @Test
  @DisplayName("a batch of group messages is one push per gateway, each with only the holders it holds and their"
      + " newest totals; a repeat goes to its sender's gateways only")
  void onePushPerGatewayWithItsHolders() throws Exception {
    GroupStored first = stored(1, 1, List.of(1L, 2L, 3L, 4L, 5L, 6L), List.of(11L, 21L, 31L, 41L, 51L, 61L),
        Set.of(2L, 4L, 5L), false, List.of(unread(2, 7), unread(4, 3), unread(5, 1), unread(6, 9)));
    GroupStored second = stored(2, 3, List.of(1L, 2L, 3L, 4L, 5L, 6L), List.of(12L, 22L, 32L, 42L, 52L, 62L),
        Set.of(), false, List.of(unread(2, 8), unread(4, 4), unread(1, 5)));
    GroupStored repeat = stored(0, 4, List.of(4L), List.of(40L), Set.of(), true, List.of());

    onEventLoop(() -> {
      router.deliverGroups(List.of(new DeliveryRouter.GroupPush(first, "c1a"),
          new DeliveryRouter.GroupPush(second, null), new DeliveryRouter.GroupPush(repeat, "c4")));
      // a fence: pushed after the batch from the same context, so it arrives after anything the batch sent
      router.pushReceipts(List.of(new GroupReceipts(7, 9, List.of(1L), List.of(2L))));
      router.pushReceipts(List.of(new GroupReceipts(7, 1, List.of(1L), List.of(2L)),
          new GroupReceipts(7, 4, List.of(2L), List.of(1L))));
    });

    PushBatch a = next("gw-a");
    assertThat(a.deliveries()).isEmpty();
    assertThat(a.groupDeliveries()).containsExactly(
        new GroupDelivery(first.message(), List.of(1L, 2L, 3L), List.of(11L, 21L, 31L), List.of(2L), "c1a"),
        new GroupDelivery(second.message(), List.of(1L, 2L, 3L), List.of(12L, 22L, 32L), List.of(), null));
    assertThat(a.unreadCounts()).containsExactlyInAnyOrder(unread(2, 8), unread(1, 5));
    assertThat(next("gw-a").receipts()).extracting(GroupReceipts::senderId).containsExactly(1L);

    PushBatch b = next("gw-b");
    assertThat(b.groupDeliveries()).containsExactly(
        new GroupDelivery(first.message(), List.of(1L, 4L), List.of(11L, 41L), List.of(4L), "c1a"),
        new GroupDelivery(second.message(), List.of(1L, 4L), List.of(12L, 42L), List.of(), null),
        new GroupDelivery(repeat.message(), List.of(4L), List.of(40L), List.of(), "c4"));
    assertThat(b.unreadCounts()).containsExactlyInAnyOrder(unread(4, 4), unread(1, 5));
    assertThat(next("gw-b").receipts()).extracting(GroupReceipts::senderId).containsExactlyInAnyOrder(1L, 4L);

    // a gateway none of the holders is on gets nothing of the batch: its first push is the fence
    PushBatch c = next("gw-c");
    assertThat(c.groupDeliveries()).isEmpty();
    assertThat(c.unreadCounts()).isEmpty();
    assertThat(c.receipts()).extracting(GroupReceipts::senderId).containsExactly(9L);
    for (String gateway : GATEWAYS) {
      assertThat(pushed.get(gateway)).as("further pushes to %s", gateway).isEmpty();
    }
  }

  private static GroupStored stored(long sender, long seq, List<Long> holders, List<Long> cursors, Set<Long> mentioned,
                                    boolean duplicate, List<UnreadCount> unread) {
    long from = sender == 0 ? holders.get(0) : sender;
    ChatMessage message = new ChatMessage(100 + seq, seq, from, 0, "message " + seq, false, 1_000, cursors.get(
        holders.indexOf(from)), 0, "c-" + seq, 7, false, false);
    return new GroupStored(message, holders, cursors, mentioned, duplicate, unread);
  }

  private static UnreadCount unread(long user, long count) {
    return new UnreadCount(user, count, count);
  }

  private static PushBatch next(String gateway) throws InterruptedException {
    PushBatch batch = pushed.get(gateway).poll(10, TimeUnit.SECONDS);
    assertThat(batch).as("a push to %s", gateway).isNotNull();
    return batch;
  }

  private static void onEventLoop(Runnable action) throws Exception {
    await(Future.<Void>future(promise -> node.vertx().getOrCreateContext().runOnContext(ignored -> {
      action.run();
      promise.complete();
    })));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
