package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
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
 * One of two gateways gets SIGTERM while its clients send: it answers the sends in flight, closes their sockets
 * with 1012 and leaves the cluster within its drain time; the clients reconnect to the other gateway, sync and
 * resend what was not acknowledged, and end with every message stored exactly once.
 */
class GatewayShutdownTest {

  private static final long RECIPIENT = 9001;
  private static final long WATCHER = 9002;
  private static final List<Long> SENDERS = List.of(9011L, 9012L);
  private static final int PER_SENDER = 300;
  private static final int WINDOW = 4;
  private static final long DRAIN_MS = 3_000; // LocalCluster's CHAT_DRAIN_MS for gateways
  private static final Duration EXIT_MARGIN = Duration.ofSeconds(10);
  private static final Duration PUSH_WITHIN = Duration.ofSeconds(15);

  private static LocalCluster cluster;
  private static ClusterClients clients;
  private static WebSocketClient webSockets;
  private static LocalCluster.Gateway stopping;
  private static LocalCluster.Gateway surviving;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster("gateway_shutdown", Map.of());
    clients = cluster.clients;
    webSockets = clients.vertx().createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100));
    cluster.presence("gsd-presence-1");
    cluster.messages("gsd-messages-1");
    stopping = cluster.gateway("gsd-gateway-1");
    surviving = cluster.gateway("gsd-gateway-2");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("a gateway stopped with SIGTERM closes its sockets with 1012 and leaves no acknowledged message behind")
  void gracefulShutdownLosesNothing() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(SENDERS.size());
    List<FaultClient> reconnected = new ArrayList<>();
    try (FaultClient recipient = FaultClient.connect(webSockets, surviving.port(), RECIPIENT);
         FaultClient watcher = FaultClient.connect(webSockets, surviving.port(), WATCHER)) {
      assertThat(recipient.firstSync).isEmpty();
      List<FaultClient> senders = new ArrayList<>();
      for (long sender : SENDERS) {
        senders.add(FaultClient.connect(webSockets, stopping.port(), sender));
        // asking subscribes the watcher to the sender's presence changes
        watcher.send(new JsonObject().put("type", "online").put("to_id", sender));
        assertThat(watcher.next(frame -> isStatus(frame, sender), "sender online", FaultClient.REPLY)
            .getBoolean("online")).isTrue();
      }

      CountDownLatch third = new CountDownLatch(SENDERS.size() * PER_SENDER / 3);
      List<Future<FaultClient.Sends>> running = new ArrayList<>();
      for (FaultClient sender : senders) {
        List<String> cids = cids(sender.userId);
        running.add(pool.submit(() -> sender.sendAll(RECIPIENT, cids, WINDOW, 10, third::countDown)));
      }
      assertThat(third.await(30, TimeUnit.SECONDS)).isTrue();

      long terminated = System.nanoTime();
      int exitCode = stopping.process().terminate(Duration.ofMillis(DRAIN_MS).plus(EXIT_MARGIN));
      long exitMillis = (System.nanoTime() - terminated) / 1_000_000;
      // its shutdown hook drained every socket (none left when the drain ended) and left the cluster
      stopping.process().awaitLog("Drained: 0 socket(s) still open", Duration.ofSeconds(5));
      stopping.process().awaitLog("stopped", Duration.ofSeconds(5));
      // the JVM's exit code after SIGTERM (128 + 15)
      assertThat(exitCode).isEqualTo(143);
      assertThat(exitMillis).isLessThan(DRAIN_MS + EXIT_MARGIN.toMillis());
      // it no longer accepts sockets
      assertThat(FaultClient.open(webSockets, stopping.port(), WATCHER).toCompletionStage().toCompletableFuture()
          .handle((client, failure) -> failure).get(10, TimeUnit.SECONDS)).isNotNull();

      List<FaultClient.Sends> before = new ArrayList<>();
      for (Future<FaultClient.Sends> result : running) {
        before.add(result.get(30, TimeUnit.SECONDS));
      }
      Set<String> ackedBeforeClose = new HashSet<>();
      int unackedAtClose = 0;
      for (FaultClient.Sends sends : before) {
        assertThat(sends.closeCode).as("closed with 'service restart'").isEqualTo((short) 1012);
        assertThat(sends.repeatedAcks).isEmpty();
        ackedBeforeClose.addAll(sends.acks.keySet());
        unackedAtClose += sends.unacked.size();
      }
      // every acknowledged message is stored, once
      assertThat(TestDatabase.queryLong(cluster.database, "SELECT count(*) FROM messages WHERE cid IN ("
          + ackedBeforeClose.stream().map(cid -> "'" + cid + "'").collect(Collectors.joining(",")) + ")"))
          .isEqualTo(ackedBeforeClose.size());

      // the watcher on the other gateway sees both senders go offline (in either order)
      Set<Long> leaving = new HashSet<>(SENDERS);
      long offlineFrom = System.nanoTime();
      while (!leaving.isEmpty()) {
        JsonObject offline = watcher.next(frame -> "online".equals(frame.getString("type"))
            && leaving.contains(frame.getLong("user_id")) && !frame.getBoolean("online"), "senders offline",
            PUSH_WITHIN);
        leaving.remove(offline.getLong("user_id"));
      }
      long offlineMillis = (System.nanoTime() - offlineFrom) / 1_000_000;

      // the senders come back on the surviving gateway: they are online again, their sync has every message they
      // had acknowledged, and they resend what was not acknowledged (the same cids: stored at most once)
      int resentStoredAlready = 0;
      List<JsonObject> acks = new ArrayList<>();
      before.forEach(sends -> acks.addAll(sends.acks.values()));
      for (int s = 0; s < SENDERS.size(); s++) {
        long sender = SENDERS.get(s);
        FaultClient again = FaultClient.connect(webSockets, surviving.port(), sender);
        reconnected.add(again);
        watcher.next(frame -> isStatus(frame, sender) && frame.getBoolean("online"), "sender online again",
            PUSH_WITHIN);
        Set<String> synced = again.firstSync.stream().map(message -> message.getString("cid"))
            .collect(Collectors.toSet());
        assertThat(synced).containsAll(before.get(s).acks.keySet());
        List<String> resend = new ArrayList<>(before.get(s).unacked);
        resentStoredAlready += (int) resend.stream().filter(synced::contains).count();
        FaultClient.Sends after = again.sendAll(RECIPIENT, resend, WINDOW, 10, () -> { });
        assertThat(after.acks.keySet()).containsExactlyInAnyOrderElementsOf(resend);
        acks.addAll(after.acks.values());
      }

      for (long sender : SENDERS) {
        String conversation = " FROM messages WHERE from_id = " + sender + " AND to_id = " + RECIPIENT;
        assertThat(TestDatabase.queryLong(cluster.database, "SELECT count(*)" + conversation)).isEqualTo(PER_SENDER);
        assertThat(TestDatabase.queryLong(cluster.database, "SELECT count(DISTINCT cid)" + conversation))
            .isEqualTo(PER_SENDER);
        assertThat(TestDatabase.queryLong(cluster.database, "SELECT count(DISTINCT seq)" + conversation))
            .isEqualTo(PER_SENDER);
        assertThat(TestDatabase.queryLong(cluster.database, "SELECT max(seq)" + conversation)).isEqualTo(PER_SENDER);
      }
      // each ack, before the close or on a resend, names the one stored row of its cid
      String ackRows = acks.stream()
          .map(ack -> "('" + ack.getString("cid") + "'," + ack.getLong("id") + "," + ack.getLong("seq") + ")")
          .collect(Collectors.joining(","));
      assertThat(TestDatabase.queryLong(cluster.database, "SELECT count(*) FROM messages m JOIN (VALUES " + ackRows
          + ") a(cid, id, seq) ON m.cid = a.cid AND m.id = a.id AND m.seq = a.seq"))
          .as("acks agree with the stored rows").isEqualTo(SENDERS.size() * PER_SENDER);

      // the recipient on the surviving gateway has every message: pushed (never twice) or synced
      List<JsonObject> pushed = recipient.texts();
      Set<Long> pushedIds = pushed.stream().map(text -> text.getLong("id")).collect(Collectors.toSet());
      assertThat(pushedIds).as("no push repeated").hasSameSizeAs(pushed);
      Set<String> received = new HashSet<>();
      pushed.forEach(text -> received.add(text.getString("cid")));
      recipient.syncAll().forEach(message -> received.add(message.getString("cid")));
      assertThat(received).hasSize(SENDERS.size() * PER_SENDER);

      System.out.printf("gateway shutdown: exit after %d ms (drain bound %d ms); %d acked before the close, %d "
              + "unacked at the close (%d of them already stored, acked on resend with their first id); offline seen "
              + "%d ms after exit%n", exitMillis, DRAIN_MS, ackedBeforeClose.size(), unackedAtClose,
          resentStoredAlready, offlineMillis);
    } finally {
      pool.shutdownNow();
      reconnected.forEach(FaultClient::close);
    }
  }

  private static boolean isStatus(JsonObject frame, long user) {
    return "online".equals(frame.getString("type")) && frame.getLong("user_id") == user;
  }

  private static List<String> cids(long sender) {
    return IntStream.range(0, PER_SENDER).mapToObj(i -> "g" + sender + "-" + i).toList();
  }
}
