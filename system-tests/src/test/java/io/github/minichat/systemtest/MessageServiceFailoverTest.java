package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Two message-service JVMs share the sends; one is killed with SIGKILL while sends are in flight. The gateway
 * retries them (idempotent by cid) on the survivor: every send ends acknowledged, stored exactly once.
 */
class MessageServiceFailoverTest {

  private static final long SENDER = 7001;
  private static final long RECIPIENT = 7002;
  private static final int DEVICES = 4;
  private static final int PER_DEVICE = 75;
  private static final int TOTAL = DEVICES * PER_DEVICE;
  private static final int WINDOW = 4; // per device: 16 in flight in all
  private static final int KILL_AFTER_ACKS = TOTAL / 3;

  private static LocalCluster cluster;
  private static ClusterClients clients;
  private static WebSocketClient webSockets;
  private static LocalCluster.Gateway gateway;
  private static ServiceProcess doomed;

  @BeforeAll
  static void start() {
    // a short bus timeout, so that a send lost with the dead node is retried quickly
    cluster = new LocalCluster("msg_failover", Map.of("CHAT_BUS_TIMEOUT_MS", "1500"));
    clients = cluster.clients;
    webSockets = clients.vertx().createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100));
    cluster.presence("mfo-presence-1");
    cluster.messages("mfo-messages-1");
    doomed = cluster.messages("mfo-messages-2");
    gateway = cluster.gateway("mfo-gateway-1");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("sends in flight when a message-service instance is killed are all acknowledged and stored exactly once")
  void sendsSurviveTheLossOfAMessageService() throws Exception {
    List<FaultClient> devices = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(DEVICES);
    try (FaultClient recipient = FaultClient.connect(webSockets, gateway.port(), RECIPIENT)) {
      // after its first sync (empty) every push reaches the recipient as it happens
      assertThat(recipient.firstSync).isEmpty();
      for (int d = 0; d < DEVICES; d++) {
        devices.add(FaultClient.connect(webSockets, gateway.port(), SENDER));
      }
      AtomicInteger acked = new AtomicInteger();
      CountDownLatch third = new CountDownLatch(KILL_AFTER_ACKS);
      List<Future<FaultClient.Sends>> running = new ArrayList<>();
      long started = System.nanoTime();
      for (int d = 0; d < DEVICES; d++) {
        FaultClient device = devices.get(d);
        List<String> cids = cids(d);
        running.add(pool.submit(() -> device.sendAll(RECIPIENT, cids, WINDOW, 10, () -> {
          acked.incrementAndGet();
          third.countDown();
        })));
      }

      assertThat(third.await(30, TimeUnit.SECONDS)).as("a third of the sends acknowledged").isTrue();
      int ackedAtKill = acked.get();
      long killedAt = System.nanoTime();
      doomed.kill();

      List<FaultClient.Sends> results = new ArrayList<>();
      for (Future<FaultClient.Sends> result : running) {
        results.add(result.get(60, TimeUnit.SECONDS));
      }
      long finished = System.nanoTime();

      Map<String, JsonObject> acks = new HashMap<>();
      List<String> retriedErrors = new ArrayList<>();
      List<Long> latencies = new ArrayList<>();
      for (FaultClient.Sends sends : results) {
        assertThat(sends.closeCode).as("no device was disconnected").isNull();
        assertThat(sends.repeatedAcks).as("one ack per send").isEmpty();
        acks.putAll(sends.acks);
        retriedErrors.addAll(sends.retriedErrors);
        latencies.addAll(sends.latencies.values());
      }
      assertThat(acks).as("every send acknowledged").hasSize(TOTAL);
      assertThat(ackedAtKill).as("the kill came mid-traffic").isLessThan(TOTAL);

      // the database: one row per cid, and the conversation's sequence has no gap and no repeat
      String conversation = "FROM messages WHERE from_id = " + SENDER + " AND to_id = " + RECIPIENT;
      assertThat(TestDatabase.queryLong(cluster.database, "SELECT count(*) " + conversation)).isEqualTo(TOTAL);
      assertThat(TestDatabase.queryLong(cluster.database, "SELECT count(DISTINCT cid) " + conversation))
          .isEqualTo(TOTAL);
      assertThat(TestDatabase.queryLong(cluster.database, "SELECT count(DISTINCT seq) " + conversation))
          .isEqualTo(TOTAL);
      assertThat(TestDatabase.queryLong(cluster.database, "SELECT min(seq) " + conversation)).isEqualTo(1);
      assertThat(TestDatabase.queryLong(cluster.database, "SELECT max(seq) " + conversation)).isEqualTo(TOTAL);
      // each ack names the stored row of its cid (a retried send answers with the first attempt's id and seq)
      String ackRows = acks.values().stream()
          .map(ack -> "('" + ack.getString("cid") + "'," + ack.getLong("id") + "," + ack.getLong("seq") + ")")
          .collect(Collectors.joining(","));
      assertThat(TestDatabase.queryLong(cluster.database, "SELECT count(*) " + conversation.replace("FROM messages",
          "FROM messages m JOIN (VALUES " + ackRows + ") a(cid, id, seq) ON m.cid = a.cid AND m.id = a.id"
              + " AND m.seq = a.seq")))
          .as("acks agree with the stored rows").isEqualTo(TOTAL);

      // the recipient: never pushed a message twice; what a push missed (stored by the dead node, its push lost
      // with it) comes with a sync
      List<JsonObject> pushed = recipient.texts();
      Set<Long> pushedIds = pushed.stream().map(text -> text.getLong("id")).collect(Collectors.toSet());
      assertThat(pushedIds).as("no push repeated").hasSameSizeAs(pushed);
      Set<Long> ackedIds = acks.values().stream().map(ack -> ack.getLong("id")).collect(Collectors.toSet());
      assertThat(ackedIds).containsAll(pushedIds);
      Set<Long> seen = new HashSet<>(pushedIds);
      recipient.syncAll().forEach(message -> seen.add(message.getLong("id")));
      assertThat(seen).isEqualTo(ackedIds);

      System.out.printf("message-service failover: %d sends, %d acked at the kill, %d ms from kill to last ack, "
              + "%d ms in all; client resends after retryable errors: %d %s; acks slower than 1 s (retried by the "
          + "gateway): %d, slowest %d ms; pushes missed (synced): %d%n",
          TOTAL, ackedAtKill, (finished - killedAt) / 1_000_000, (finished - started) / 1_000_000,
          retriedErrors.size(), retriedErrors, latencies.stream().filter(ms -> ms > 1_000).count(),
          latencies.stream().mapToLong(Long::longValue).max().orElse(0), TOTAL - pushedIds.size());
    } finally {
      pool.shutdownNow();
      devices.forEach(FaultClient::close);
    }
  }

  private static List<String> cids(int device) {
    return IntStream.range(0, PER_DEVICE).mapToObj(i -> "d" + device + "-" + i).toList();
  }
}
