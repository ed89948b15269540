package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Separate gateway, presence and message-service JVMs joined into one cluster. */
class ClusterChatTest {

  /** Rounds of bind-then-send: the race is lost only now and then, so one round proves little. */
  private static final int ROUNDS = 60;
  /** Second devices binding at the same time. */
  private static final int BINDING_AT_ONCE = 6;

  private static LocalCluster cluster;
  private static ClusterClients clients;
  private static LocalCluster.Gateway gateway1;
  private static LocalCluster.Gateway gateway2;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster("cluster_chat", Map.of());
    clients = cluster.clients;
    cluster.presence("presence-1");
    cluster.messages("messages-1");
    gateway1 = cluster.gateway("gateway-1");
    gateway2 = cluster.gateway("gateway-2");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("a user on gateway 1 chats with a user on gateway 2, whose devices on both gateways get every message")
  void crossGatewayChat() {
    try (TestClient alice = clients.connect(gateway1.port(), 1001);
         TestClient bobOn2 = clients.connect(gateway2.port(), 1002);
         TestClient bobOn1 = clients.connect(gateway1.port(), 1002)) {
      alice.send(new JsonObject().put("type", "say").put("to_id", 1002).put("data", "across").put("cid", "x1"));
      assertThat(alice.expect("ack").getString("cid")).isEqualTo("x1");
      assertThat(bobOn2.expect("text").getString("data")).isEqualTo("across");
      assertThat(bobOn1.expect("text").getString("data")).isEqualTo("across");

      bobOn2.send(new JsonObject().put("type", "say").put("to_id", 1001).put("data", "back").put("cid", "y1"));
      assertThat(alice.expect("text").getString("data")).isEqualTo("back");
      JsonObject copy = bobOn1.expect("text");
      assertThat(copy.getString("data")).isEqualTo("back");
      assertThat(copy.getLong("from_id")).isEqualTo(1002);
    }
  }

  /**
   * The race a single exchange rarely loses: a device binds on one gateway while its user is already online on the
   * other, and a message is sent the moment its {@code heart} is answered. The answer promises that every message
   * stored from then on is pushed to that device, so the push must not depend on how fast the new route travels to
   * the message service. Each round has users of its own; the second devices of many rounds bind at once (their
   * route updates crowd each other), and the pushes of all rounds are awaited at the end, so that a lost one costs
   * one deadline, not one per round.
   */
  @Test
  @DisplayName("a device that binds on the other gateway gets the message sent right after its heart answer, every time")
  void deviceBoundOnTheOtherGatewayGetsTheNextMessage() throws Exception {
    List<Round> rounds = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      // the users' home gateway alternates, so that both gateways take the second devices
      LocalCluster.Gateway home = round % 2 == 0 ? gateway1 : gateway2;
      long sender = 30_000 + 2L * round;
      long recipient = sender + 1;
      rounds.add(new Round(round, round % 2 == 0 ? gateway2 : gateway1, clients.connect(home.port(), sender),
          recipient, clients.connect(home.port(), recipient), new CompletableFuture<>(), "race-" + round));
    }
    ExecutorService binders = Executors.newFixedThreadPool(BINDING_AT_ONCE);
    try {
      List<Future<?>> bound = new ArrayList<>();
      for (Round round : rounds) {
        bound.add(binders.submit(() -> {
          round.newDevice().complete(clients.connect(round.other().port(), round.recipient()));
          round.sender().send(new JsonObject().put("type", "say").put("to_id", round.recipient())
              .put("data", round.cid()).put("cid", round.cid()));
        }));
      }
      for (Future<?> binding : bound) {
        binding.get(ChatSystem.AWAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } finally {
      binders.shutdownNow();
    }

    List<String> missed = new ArrayList<>();
    for (Round round : rounds) {
      JsonObject ack = round.sender().expect(frame -> "ack".equals(frame.getString("type"))
          || "error".equals(frame.getString("type")), "the answer to " + round.cid());
      assertThat(ack.getString("type")).as("answer to %s: %s", round.cid(), ack).isEqualTo("ack");
    }
    long deadline = System.nanoTime() + ChatSystem.AWAIT.toNanos();
    for (Round round : rounds) {
      if (!pushed(round.firstDevice(), round.cid(), deadline)) {
        missed.add("round " + round.number() + ": the device bound first");
      }
      if (!pushed(round.newDevice().join(), round.cid(), deadline)) {
        missed.add("round " + round.number() + ": the device bound on the other gateway");
      }
    }
    rounds.forEach(Round::close);
    assertThat(missed).as("devices that did not get the message sent after their heart answer, in %d rounds", ROUNDS)
        .isEmpty();
  }

  /** One round's users: the sender and the first device at home, the second device bound on the other gateway. */
  private record Round(int number, LocalCluster.Gateway other, TestClient sender, long recipient,
                       TestClient firstDevice, CompletableFuture<TestClient> newDevice, String cid) {
    void close() {
      sender.close();
      firstDevice.close();
      newDevice.join().close();
    }
  }

  /** Past the shared deadline, still long enough to find a frame that has already arrived. */
  private static final Duration MIN_LOOK = Duration.ofMillis(100);

  /** Whether the text {@code data} reaches the client before the deadline (shared by all the rounds). */
  private static boolean pushed(TestClient client, String data, long deadline) {
    try {
      client.expect(frame -> "text".equals(frame.getString("type")) && data.equals(frame.getString("data")),
          "the text " + data, Duration.ofNanos(Math.max(MIN_LOOK.toNanos(), deadline - System.nanoTime())));
      return true;
    } catch (AssertionError notPushed) {
      return false;
    }
  }

  @Test
  @DisplayName("presence is cluster-wide: online gives the same answer on both gateways")
  void presenceIsClusterWide() {
    try (TestClient carol = clients.connect(gateway2.port(), 2001);
         TestClient askOn1 = clients.connect(gateway1.port(), 2002);
         TestClient askOn2 = clients.connect(gateway2.port(), 2003)) {
      for (TestClient asker : new TestClient[] {askOn1, askOn2}) {
        ClusterClients.awaitOnline(asker, 2001);
        asker.send(new JsonObject().put("type", "online").put("to_id", 2999));
        assertThat(asker.expect("online").getString("status")).contains("对方不在线");
      }
      carol.close();
      // both subscribers, on both gateways, see carol go offline after the grace period
      for (TestClient asker : new TestClient[] {askOn1, askOn2}) {
        JsonObject offline = asker.expect(frame -> "online".equals(frame.getString("type"))
            && frame.getLong("user_id") == 2001 && !frame.getBoolean("online"), "carol offline");
        assertThat(offline.getLong("last_seen")).isPositive();
      }
    }
  }
}
