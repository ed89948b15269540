package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.launcher.EmbeddedDatabase;
import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
 * The cluster runs on a PostgreSQL of its own that the test stops and starts again (same data, same port) in the
 * middle of traffic. Clients keep their sockets; sends during the outage are retried by the gateway or answered
 * with a retryable error that the client answers by sending the cid again; nothing acknowledged is lost or doubled.
 */
class PostgresRestartTest {

  private static final long SENDER = 9501;
  private static final long RECIPIENT = 9502;
  private static final int SENDS = 300;
  private static final int WINDOW = 8;
  private static final Path PG_DIR = Path.of("target", "pg-restart").toAbsolutePath();

  private static EmbeddedDatabase postgres;
  private static int pgPort;
  private static PgConnectOptions database;
  private static LocalCluster cluster;
  private static ClusterClients clients;
  private static WebSocketClient webSockets;
  private static LocalCluster.Gateway gateway;

  @BeforeAll
  static void start() throws IOException {
    pgPort = TestPorts.free();
    postgres = EmbeddedDatabase.start(PG_DIR, pgPort);
    PgConnectOptions admin = new PgConnectOptions().setHost(postgres.host()).setPort(pgPort)
        .setUser(postgres.user()).setDatabase(postgres.database());
    String name = "t_pg_restart_" + UUID.randomUUID().toString().substring(0, 8);
    TestDatabase.execute(admin, "CREATE DATABASE " + name);
    database = new PgConnectOptions(admin).setDatabase(name);
    // the services use this server, not the shared one; a short bus timeout keeps the gateway's retries quick
    cluster = new LocalCluster("pg_restart", Map.of("PG_URL", TestDatabase.url(database),
        "CHAT_BUS_TIMEOUT_MS", "1500"));
    clients = cluster.clients;
    webSockets = clients.vertx().createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100));
    cluster.presence("pgr-presence-1");
    cluster.messages("pgr-messages-1");
    gateway = cluster.gateway("pgr-gateway-1");
  }

  @AfterAll
  static void stop() {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  @Test
  @DisplayName("a PostgreSQL restart mid-traffic keeps the sockets open and loses or doubles no acknowledged message")
  void sendsSurviveAPostgresRestart() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (FaultClient sender = FaultClient.connect(webSockets, gateway.port(), SENDER);
         FaultClient recipient = FaultClient.connect(webSockets, gateway.port(), RECIPIENT)) {
      assertThat(recipient.firstSync).isEmpty();
      CountDownLatch third = new CountDownLatch(SENDS / 3);
      CountDownLatch firstError = new CountDownLatch(1);
      List<String> cids = IntStream.range(0, SENDS).mapToObj(i -> "r" + i).toList();
      // resends are bounded: each costs the gateway's own retries first (about 0.7 s during an outage)
      Future<FaultClient.Sends> running = pool.submit(() -> sender.sendAll(RECIPIENT, cids, WINDOW, 30,
          third::countDown, firstError::countDown));
      assertThat(third.await(30, TimeUnit.SECONDS)).isTrue();

      long down = System.nanoTime();
      postgres.close();
      long stopped = System.nanoTime();
      // PostgreSQL restarts in well under a second, which the gateway's own retries would hide: the server stays
      // down until the client has been told to retry at least once
      assertThat(firstError.await(20, TimeUnit.SECONDS)).as("a retryable error frame during the outage").isTrue();
      long told = System.nanoTime();
      postgres = EmbeddedDatabase.start(PG_DIR, pgPort);
      long up = System.nanoTime();

      FaultClient.Sends sends = running.get(60, TimeUnit.SECONDS);
      long finished = System.nanoTime();
      assertThat(sends.closeCode).as("the sender's socket stayed open").isNull();
      assertThat(sends.repeatedAcks).isEmpty();
      assertThat(sends.acks).as("every send acknowledged in the end").hasSize(SENDS);
      assertThat(sends.retriedErrors).as("errors during the outage say: retry")
          .allMatch(code -> code.equals("unavailable") || code.equals("timeout"));

      // both sockets are still open and answering
      assertThat(sender.closed).isNotDone();
      assertThat(recipient.closed).isNotDone();
      sender.heartRoundTrip();
      recipient.heartRoundTrip();

      // every acknowledged cid is stored exactly once, under the id and seq its ack gave
      String conversation = " FROM messages WHERE from_id = " + SENDER + " AND to_id = " + RECIPIENT;
      assertThat(TestDatabase.queryLong(database, "SELECT count(*)" + conversation)).isEqualTo(SENDS);
      assertThat(TestDatabase.queryLong(database, "SELECT count(DISTINCT cid)" + conversation)).isEqualTo(SENDS);
      assertThat(TestDatabase.queryLong(database, "SELECT count(DISTINCT seq)" + conversation)).isEqualTo(SENDS);
      assertThat(TestDatabase.queryLong(database, "SELECT max(seq)" + conversation)).isEqualTo(SENDS);
      String ackRows = sends.acks.values().stream()
          .map(ack -> "('" + ack.getString("cid") + "'," + ack.getLong("id") + "," + ack.getLong("seq") + ")")
          .collect(Collectors.joining(","));
      assertThat(TestDatabase.queryLong(database, "SELECT count(*) FROM messages m JOIN (VALUES " + ackRows
          + ") a(cid, id, seq) ON m.cid = a.cid AND m.id = a.id AND m.seq = a.seq WHERE m.from_id = " + SENDER))
          .as("acks agree with the stored rows").isEqualTo(SENDS);

      // the recipient has every message: pushed (never twice) or synced
      List<JsonObject> pushed = recipient.texts();
      Set<Long> pushedIds = pushed.stream().map(text -> text.getLong("id")).collect(Collectors.toSet());
      assertThat(pushedIds).as("no push repeated").hasSameSizeAs(pushed);
      Set<Long> seen = new HashSet<>(pushedIds);
      recipient.syncAll().forEach(message -> seen.add(message.getLong("id")));
      assertThat(seen).isEqualTo(sends.acks.values().stream().map(ack -> ack.getLong("id"))
          .collect(Collectors.toSet()));

      List<Long> slow = new ArrayList<>(sends.latencies.values());
      System.out.printf("postgres restart: outage %d ms (stop %d ms, first error frame %d ms after the stop, start "
              + "%d ms), traffic done %d ms after the restart; client resends after retryable errors: %d %s; acks "
              + "slower than 1 s: %d, slowest %d ms%n",
          (up - down) / 1_000_000, (stopped - down) / 1_000_000, (told - stopped) / 1_000_000,
          (up - told) / 1_000_000,
          (finished - up) / 1_000_000, sends.retriedErrors.size(), sends.retriedErrors,
          slow.stream().filter(ms -> ms > 1_000).count(), slow.stream().mapToLong(Long::longValue).max().orElse(0));
    } finally {
      pool.shutdownNow();
    }
  }
}
