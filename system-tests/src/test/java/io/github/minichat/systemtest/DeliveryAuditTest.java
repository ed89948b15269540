package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.AuditWaits.await;
import static io.github.minichat.systemtest.AuditWaits.awaitFuture;
import static io.github.minichat.systemtest.AuditWaits.awaitStarted;
import static io.github.minichat.systemtest.AuditWaits.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The delivery audit: honest pairs of users chat at a steady rate each way on a cluster of 2 gateways, 2 message
 * services and a presence service, next to a hostile user whose sends share their batches, while one gateway and
 * one message service are killed with SIGKILL, a second device joins, and a bind is held up by a frozen presence
 * service. Afterwards every acknowledged message must have reached every connection that was bound when it was
 * sent and is still bound, live and exactly once, in order; the database must match the acks; no honest send may
 * have been refused; presence must end up right. {@link AuditReport} has the rules.
 *
 * <p>Sizes come from system properties, so that {@code scripts/delivery-audit.sh} can run it longer and larger:
 * {@code audit.seed}, {@code audit.pairs}, {@code audit.seconds}, {@code audit.rate} (messages per second each way
 * per pair), {@code audit.kills} (rounds of faults), {@code audit.report} (a file to write the report to).
 */
class DeliveryAuditTest {

  private static final long SEED = Long.getLong("audit.seed", 20_250_611L);
  private static final int PAIRS = Integer.getInteger("audit.pairs", 3);
  private static final int SECONDS = Integer.getInteger("audit.seconds", 40);
  private static final int RATE = Integer.getInteger("audit.rate", 50);
  private static final int KILLS = Integer.getInteger("audit.kills", 1);
  private static final String REPORT = System.getProperty("audit.report", "");

  /** Sends a client keeps unacknowledged. */
  private static final int WINDOW = 16;
  private static final long HOSTILE_EVERY_MS = 10;
  /** Presence is frozen this long while a device binds: well under the bus timeout, so the bind succeeds late. */
  private static final Duration PRESENCE_FREEZE = Duration.ofSeconds(1);
  private static final long FIRST_USER = 62_000;
  private static final long HOSTILE_USER = 69_999;

  private static LocalCluster cluster;
  private static ServiceProcess presence;
  private static final Deque<ServiceProcess> messageServices = new ArrayDeque<>();
  private static final AuditGateways gateways = new AuditGateways();
  /** Starts the replacements of later fault rounds in the background, one JVM at a time. */
  private static final ExecutorService starter = Executors.newSingleThreadExecutor(task -> {
    Thread thread = new Thread(task, "audit-starter");
    thread.setDaemon(true);
    return thread;
  });
  private static CompletableFuture<AuditGateways.Entry> standbyGateway;
  private static CompletableFuture<ServiceProcess> replacementMessageService;
  private static int gatewaysStarted;
  private static int messageServicesStarted;

  private final AuditLedger ledger = new AuditLedger();
  private final List<String> notes = new ArrayList<>();
  /** Promises broken while the faults ran, seen by the test itself. */
  private final List<String> faultFailures = new ArrayList<>();
  private final List<AuditHostileSender> hostile = new ArrayList<>();
  private final AuditHttp http = new AuditHttp(gateways);
  private WebSocketClient sockets;
  /** Every honest device by name: the first device of each user, then the ones that join. */
  private AuditDevices devices;
  private long trafficStartedAt;

  @BeforeAll
  static void startCluster() {
    cluster = new LocalCluster("delivery_audit", Map.of());
    presence = cluster.presence("audit-presence-1");
    messageServices.add(startMessageService());
    messageServices.add(startMessageService());
    gateways.add(startGateway());
    gateways.add(startGateway());
    // the replacement of the first gateway to be killed, started ahead: a JVM that starts mid-traffic on a busy
    // 2-core machine can take half a minute
    standbyGateway = CompletableFuture.completedFuture(startGateway());
  }

  @AfterAll
  static void stopCluster() {
    starter.shutdownNow();
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("every acknowledged message reaches every bound connection once, in order, through kills and hostile"
      + " input")
  void auditDelivery() throws Exception {
    Vertx vertx = cluster.clients.vertx();
    sockets = AuditDevices.webSocketClient(vertx);
    devices = new AuditDevices(new AuditClient.Setup(vertx, sockets, ledger, gateways, WINDOW,
        AuditClient.FirstBind.LIVE));
    connectPairs();
    startHostile(vertx);
    trafficStartedAt = System.nanoTime();
    devices.startSending();
    ledger.event(String.format("traffic started: %d pairs, %d msg/s each way", PAIRS, RATE));

    for (int round = 1; round <= KILLS; round++) {
      faultRound(round);
    }
    waitUntil(trafficStartedAt + TimeUnit.SECONDS.toNanos(SECONDS));
    devices.stopSending();
    hostile.forEach(AuditHostileSender::stop);
    double trafficSeconds = (System.nanoTime() - trafficStartedAt) / 1e9;
    ledger.event(String.format("traffic stopped: %d honest sends, %d acknowledged (%.0f msg/s of the %d scheduled);"
            + " the backlog not yet sent dropped (%d)", ledger.sends().size(), ledger.ackedSends(),
        ledger.ackedSends() / trafficSeconds, 2 * PAIRS * RATE, ledger.withdrawn()));

    awaitQuiet();
    notes.add(String.format("database: %d honest rows, %d of them with a cid; %d rows to honest users from the"
            + " hostile one", cluster.count("SELECT count(*) FROM messages WHERE from_id IN (" + honestIds() + ")"),
        cluster.count("SELECT count(*) FROM messages WHERE cid IS NOT NULL AND from_id IN (" + honestIds() + ")"),
        cluster.count("SELECT count(*) FROM messages WHERE from_id = " + HOSTILE_USER + " AND to_id IN ("
            + honestIds() + ")")));
    AuditReport report = AuditReport.audit(parameters(), ledger, new AuditDatabase(cluster.database).read(
        List.of(), honestUsers()), honestUsers(), notes);
    faultFailures.forEach(report::failure);
    checkPresence(report);
    String table = report.table();
    System.out.print(table);
    if (!REPORT.isBlank()) {
      Files.writeString(Path.of(REPORT), table);
    }
    assertThat(report.failures()).as("delivery audit failures; the audit:%n%s", table).isEmpty();
  }

  // ---- set-up ----

  private static ServiceProcess startMessageService() {
    return cluster.messages("audit-messages-" + ++messageServicesStarted);
  }

  private static AuditGateways.Entry startGateway() {
    int number = ++gatewaysStarted;
    return new AuditGateways.Entry("gw-" + number, cluster.gateway("audit-gateway-" + number));
  }

  /** Pair i: user P on the first gateway, user Q on the second, each with one device that sends to the other. */
  private void connectPairs() {
    List<Future<Void>> bound = new ArrayList<>();
    for (int pair = 0; pair < PAIRS; pair++) {
      long p = pUser(pair);
      long q = p + 1;
      bound.add(devices.add("p" + pair, p, List.of(AuditRecipient.user(q)), RATE, gateways.alive().get(0)));
      bound.add(devices.add("q" + pair, q, List.of(AuditRecipient.user(p)), RATE, gateways.alive().get(1)));
    }
    bound.forEach(future -> awaitFuture(future, Duration.ofSeconds(30), "first binds"));
    ledger.event("honest devices bound: " + devices.names());
  }

  private void startHostile(Vertx vertx) {
    List<AuditGateways.Entry> alive = gateways.alive();
    for (int i = 0; i < alive.size(); i++) {
      AuditHostileSender sender = new AuditHostileSender(vertx, sockets, gateways, HOSTILE_USER, honestUsers(),
          SEED + i + 1, HOSTILE_EVERY_MS);
      sender.start(alive.get(i).name());
      hostile.add(sender);
    }
  }

  // ---- faults, each waited for ----

  private void faultRound(int round) {
    waitUntil(trafficStartedAt + (long) (TimeUnit.SECONDS.toNanos(SECONDS) * (0.1 + 0.8 * (round - 1) / KILLS)));
    // SIGKILL of the oldest gateway; its clients reconnect elsewhere, sync and resend, which is waited for
    devices.killGateway(gateways.alive().get(0)).awaitBack();
    AuditGateways.Entry replacement = awaitStarted(standbyGateway, "replacement gateway");
    gateways.add(replacement);
    ledger.event("replacement gateway " + replacement.name() + " taking clients");
    if (round < KILLS) {
      standbyGateway = CompletableFuture.supplyAsync(DeliveryAuditTest::startGateway, starter);
    }
    killMessageService();
    if (round < KILLS) {
      replacementMessageService = CompletableFuture.supplyAsync(DeliveryAuditTest::startMessageService, starter);
    }
    secondDevice(round);
    bindDuringPresenceFreeze(round);
  }

  /**
   * SIGKILL of the oldest message service (its replacement from the round before joined first), then waits until
   * every sending user has had a send made after the kill acknowledged.
   */
  private void killMessageService() {
    if (replacementMessageService != null) {
      messageServices.add(awaitStarted(replacementMessageService, "replacement message service"));
      replacementMessageService = null;
      ledger.event("replacement message service up");
    }
    ServiceProcess doomed = messageServices.poll();
    doomed.kill();
    long killedAt = System.nanoTime();
    ledger.event("message service " + doomed.name + " killed (SIGKILL)");
    await("a send made after the message service died acknowledged for every sender", Duration.ofSeconds(60),
        () -> ledger.sendersAckedSince(killedAt).size() == 2 * PAIRS);
    ledger.event(String.format("every sender had a send made after the kill acknowledged within %d ms",
        (System.nanoTime() - killedAt) / 1_000_000));
  }

  /** A receive-only second device of a Q user binds on a gateway other than its first device's. */
  private void secondDevice(int round) {
    int pair = (round - 1) % PAIRS;
    AuditClient first = devices.get("q" + pair);
    AuditGateways.Entry other = gateways.pickOther(first.gateway()).orElseThrow();
    String name = "q" + pair + "d" + round;
    awaitFuture(devices.add(name, first.userId, List.of(), 0, other), Duration.ofSeconds(15), "bind of " + name);
    ledger.event(name + " (a second device of " + first.userId + ") bound on " + other.name());
  }

  /**
   * A device of a P user binds while the presence JVM is frozen (SIGSTOP): its heart answer can only come once
   * presence runs again, well before the gateway's bus timeout.
   */
  private void bindDuringPresenceFreeze(int round) {
    int pair = (round - 1) % PAIRS;
    AuditClient first = devices.get("p" + pair);
    AuditGateways.Entry other = gateways.pickOther(first.gateway()).orElseThrow();
    String name = "p" + pair + "f" + round;
    Future<Void> bound;
    long frozenAt;
    signal("STOP", presence);
    try {
      frozenAt = System.nanoTime();
      ledger.event("presence frozen (SIGSTOP); " + name + " binds on " + other.name());
      bound = devices.add(name, first.userId, List.of(), 0, other);
      waitUntil(frozenAt + PRESENCE_FREEZE.toNanos());
    } finally {
      signal("CONT", presence);
    }
    ledger.event("presence resumed (SIGCONT)");
    awaitFuture(bound, Duration.ofSeconds(15), "bind of " + name + " delayed at presence");
    long boundAfter = (System.nanoTime() - frozenAt) / 1_000_000;
    AuditConnection firstConnection = ledger.connections().stream().filter(c -> c.label.equals(name + "#1"))
        .findFirst().orElseThrow();
    if (!firstConnection.isBound()) {
      faultFailures.add("the bind held up at presence failed instead of succeeding late (" + name + " had to"
          + " reconnect)");
    }
    ledger.event(name + " bound " + boundAfter + " ms after the freeze began");
    notes.add("bind during the presence freeze (" + PRESENCE_FREEZE.toMillis() + " ms) answered after " + boundAfter
        + " ms");
  }

  private static void signal(String signal, ServiceProcess process) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
      assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s %s", signal, process.name)
          .isTrue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // ---- the quiet period ----

  /** Every live connection must get up to its user's inbox head: what it got live or as its own acks. */
  private void awaitQuiet() {
    AuditDatabase database = new AuditDatabase(cluster.database);
    devices.awaitQuiet("every live connection reached its inbox head", () -> {
      Map<Long, Long> heads = database.inboxCounters(honestUsers());
      return ledger.connections().stream().filter(AuditConnection::isLive)
          .allMatch(connection -> highestCursor(connection) >= heads.getOrDefault(connection.userId, 0L));
    });
  }

  private static long highestCursor(AuditConnection connection) {
    AuditConnection.Snapshot seen = connection.snapshot();
    return Stream.concat(seen.pushes().stream().map(AuditConnection.Received::cursor),
        seen.acks().stream().map(AuditConnection.Ack::cursor)).mapToLong(Long::longValue).max().orElse(0);
  }

  // ---- presence at the end ----

  /**
   * The devices of pair 0 and the hostile user leave; after the grace period they must show offline, everybody else
   * online.
   */
  private void checkPresence(AuditReport report) {
    List<Long> leaving = List.of(pUser(0), pUser(0) + 1, HOSTILE_USER);
    devices.all().stream().filter(c -> leaving.contains(c.userId)).map(AuditClient::close)
        .forEach(closed -> awaitFuture(closed, Duration.ofSeconds(10), "close"));
    Map<Long, Boolean> expected = new LinkedHashMap<>();
    honestUsers().forEach(user -> expected.put(user, !leaving.contains(user)));
    expected.put(HOSTILE_USER, false);
    AuditWaits.within(Duration.ofSeconds(15), () -> wrongPresence(expected).isEmpty());
    List<String> wrong = wrongPresence(expected);
    report.presence(String.format("presence at the end: %d users checked, %d wrong (offline expected: %s)",
        expected.size(), wrong.size(), leaving), wrong);
    hostile.forEach(sender -> report.note(sender.summary()));
  }

  private List<String> wrongPresence(Map<Long, Boolean> expected) {
    return expected.entrySet().stream().filter(e -> online(e.getKey()) != e.getValue())
        .map(e -> e.getKey() + " should be " + (e.getValue() ? "online" : "offline")).toList();
  }

  private boolean online(long user) {
    HttpResponse<String> response = http.call(pUser(PAIRS - 1), "GET", "/api/presence/" + user, null);
    assertThat(response.statusCode()).as("GET /api/presence/%d: %s", user, response.body()).isEqualTo(200);
    return new JsonObject(response.body()).getBoolean("online");
  }

  // ---- helpers ----

  private static long pUser(int pair) {
    return FIRST_USER + 2L * pair;
  }

  private static List<Long> honestUsers() {
    List<Long> users = new ArrayList<>();
    for (int pair = 0; pair < PAIRS; pair++) {
      users.add(pUser(pair));
      users.add(pUser(pair) + 1);
    }
    return users;
  }

  private static String honestIds() {
    return honestUsers().stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private static String parameters() {
    return String.format("seed %d, %d pairs, %d msg/s each way, %d s of traffic, %d fault rounds, window %d,"
        + " a hostile frame every %d ms per hostile socket", SEED, PAIRS, RATE, SECONDS, KILLS, WINDOW,
        HOSTILE_EVERY_MS);
  }
}
