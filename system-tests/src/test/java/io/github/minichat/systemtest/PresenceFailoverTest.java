package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Two presence-service JVMs share the presence work; the presence state lives in the cluster-wide map (with a
 * backup), not in their heaps. One is killed with SIGKILL while users chat and come and go: the survivor answers
 * right about everyone, and delivery (which asks presence where users are) keeps working.
 */
class PresenceFailoverTest {

  private static final long SENDER = 8001;
  private static final long RECIPIENT = 8002;
  private static final long LEAVER = 8003;
  private static final long LEAVER_TOO = 8004;
  private static final long OBSERVER = 8005;
  private static final long NEVER_SEEN = 8006;
  private static final long NEWCOMER = 8007;
  private static final int SENDS = 60;
  private static final Duration PUSH_WITHIN = Duration.ofSeconds(15);

  private static LocalCluster cluster;
  private static ClusterClients clients;
  private static WebSocketClient webSockets;
  private static LocalCluster.Gateway gateway;
  private static ServiceProcess doomed;

  private int retriedQueries;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster("presence_failover", Map.of("CHAT_BUS_TIMEOUT_MS", "1500"));
    clients = cluster.clients;
    webSockets = clients.vertx().createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100));
    // the first member is Hazelcast's master too: killing it is the harder case
    doomed = cluster.presence("pfo-presence-1");
    cluster.presence("pfo-presence-2");
    cluster.messages("pfo-messages-1");
    gateway = cluster.gateway("pfo-gateway-1");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("after a presence-service instance is killed, presence answers stay right and chat is still delivered")
  void presenceSurvivesTheLossOfAPresenceService() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (FaultClient sender = FaultClient.connect(webSockets, gateway.port(), SENDER);
         FaultClient recipient = FaultClient.connect(webSockets, gateway.port(), RECIPIENT);
         FaultClient leaver = FaultClient.connect(webSockets, gateway.port(), LEAVER);
         FaultClient leaverToo = FaultClient.connect(webSockets, gateway.port(), LEAVER_TOO);
         FaultClient observer = FaultClient.connect(webSockets, gateway.port(), OBSERVER)) {
      assertThat(recipient.firstSync).isEmpty();
      // asking subscribes the observer to each user's changes
      for (long user : List.of(SENDER, RECIPIENT, LEAVER, LEAVER_TOO)) {
        assertThat(ask(observer, user).getBoolean("online")).as("user %d online", user).isTrue();
      }
      for (long user : List.of(NEVER_SEEN, NEWCOMER)) {
        JsonObject status = ask(observer, user);
        assertThat(status.getBoolean("online")).isFalse();
        assertThat(status.getValue("last_seen")).isNull();
      }

      // chat traffic runs across the kill
      CountDownLatch third = new CountDownLatch(SENDS / 3);
      List<String> cids = IntStream.range(0, SENDS).mapToObj(i -> "p" + i).toList();
      Future<FaultClient.Sends> chatting = pool.submit(() -> sender.sendAll(RECIPIENT, cids, 2, 10, third::countDown));
      assertThat(third.await(30, TimeUnit.SECONDS)).isTrue();
      doomed.kill();
      // two users leave at once, while the cluster is still noticing the death
      leaver.close();
      leaverToo.close();

      FaultClient.Sends sends = chatting.get(60, TimeUnit.SECONDS);
      assertThat(sends.acks).as("every send acknowledged").hasSize(SENDS);

      // the leavers are announced offline after the grace period (in either order), by the surviving instance
      Set<Long> leaving = new HashSet<>(List.of(LEAVER, LEAVER_TOO));
      while (!leaving.isEmpty()) {
        JsonObject offline = observer.next(frame -> "online".equals(frame.getString("type"))
            && leaving.contains(frame.getLong("user_id")) && !frame.getBoolean("online"), "leavers offline",
            PUSH_WITHIN);
        assertThat(offline.getLong("last_seen")).isPositive();
        leaving.remove(offline.getLong("user_id"));
      }

      // a newcomer is seen online: pushed to the subscriber and in the answers
      try (FaultClient newcomer = FaultClient.connect(webSockets, gateway.port(), NEWCOMER)) {
        observer.next(frame -> isStatus(frame, NEWCOMER) && frame.getBoolean("online"), "newcomer online",
            PUSH_WITHIN);
        for (long user : List.of(SENDER, RECIPIENT, NEWCOMER)) {
          assertThat(ask(observer, user).getBoolean("online")).as("user %d online", user).isTrue();
        }
        for (long user : List.of(LEAVER, LEAVER_TOO)) {
          JsonObject status = ask(observer, user);
          assertThat(status.getBoolean("online")).as("user %d online", user).isFalse();
          assertThat(status.getLong("last_seen")).isPositive();
        }
        JsonObject never = ask(observer, NEVER_SEEN);
        assertThat(never.getBoolean("online")).isFalse();
        assertThat(never.getValue("last_seen")).isNull();

        // delivery locates the recipient through presence: a new message is pushed live
        FaultClient.Sends after = sender.sendAll(RECIPIENT, List.of("p-after"), 1, 10, () -> { });
        long afterId = after.acks.get("p-after").getLong("id");
        recipient.next(frame -> "text".equals(frame.getString("type")) && frame.getLong("id") == afterId,
            "the message sent after the failover", PUSH_WITHIN);

        // what a push missed while presence was failing over comes with a sync; nothing came twice
        List<JsonObject> pushed = recipient.texts();
        Set<Long> pushedIds = pushed.stream().map(text -> text.getLong("id")).collect(Collectors.toSet());
        assertThat(pushedIds).as("no push repeated").hasSameSizeAs(pushed);
        Set<Long> acked = new HashSet<>();
        sends.acks.values().forEach(ack -> acked.add(ack.getLong("id")));
        acked.add(afterId);
        Set<Long> seen = new HashSet<>(pushedIds);
        recipient.syncAll().forEach(message -> seen.add(message.getLong("id")));
        assertThat(seen).isEqualTo(acked);
        String conversation = " FROM messages WHERE from_id = " + SENDER + " AND to_id = " + RECIPIENT;
        assertThat(TestDatabase.queryLong(cluster.database, "SELECT count(*)" + conversation)).isEqualTo(SENDS + 1);
        assertThat(TestDatabase.queryLong(cluster.database, "SELECT count(DISTINCT cid)" + conversation))
            .isEqualTo(SENDS + 1);

        // the newcomer leaves: offline after the grace period
        newcomer.close();
        observer.next(frame -> isStatus(frame, NEWCOMER) && !frame.getBoolean("online"), "newcomer offline",
            PUSH_WITHIN);
        assertThat(ask(observer, NEWCOMER).getBoolean("online")).isFalse();

        System.out.printf("presence failover: %d sends across the kill, client resends %s, pushes missed "
                + "(synced): %d, online queries retried after a retryable error: %d%n", SENDS, sends.retriedErrors,
            SENDS + 1 - pushedIds.size(), retriedQueries);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static boolean isStatus(JsonObject frame, long user) {
    return "online".equals(frame.getString("type")) && frame.getLong("user_id") == user;
  }

  /** Asks whether {@code user} is online, asking again after a retryable error, as a client would. */
  private JsonObject ask(FaultClient asker, long user) {
    for (int attempt = 1; ; attempt++) {
      asker.send(new JsonObject().put("type", "online").put("to_id", user));
      JsonObject answer = asker.next(frame -> isStatus(frame, user)
          || "error".equals(frame.getString("type")), "online answer for " + user, FaultClient.REPLY);
      if (!"error".equals(answer.getString("type"))) {
        return answer;
      }
      assertThat(answer.getBoolean("retryable")).as("error %s is retryable", answer).isTrue();
      assertThat(attempt).as("attempts for %d", user).isLessThan(5);
      retriedQueries++;
    }
  }
}
