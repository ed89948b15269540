package io.github.minichat.systemtest;

import io.github.minichat.common.UserTokens;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.gateway.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
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
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
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

  private static final Duration POLL = Duration.ofMillis(20);

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
  /** Every honest device by name: the first device of each user, then the ones that join. */
  private final Map<String, AuditClient> devices = new LinkedHashMap<>();
  private final List<AuditHostileSender> hostile = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private WebSocketClient sockets;
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
    // sync pages reach 512 KiB and more: far above the client's default frame size
    sockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000)
        .setMaxFrameSize(4 << 20).setMaxMessageSize(8 << 20));
    connectPairs(vertx);
    startHostile(vertx);
    trafficStartedAt = System.nanoTime();
    devices.values().forEach(AuditClient::startSending);
    ledger.event(String.format("traffic started: %d pairs, %d msg/s each way", PAIRS, RATE));

    for (int round = 1; round <= KILLS; round++) {
      faultRound(vertx, round);
    }
    waitUntil(trafficStartedAt + TimeUnit.SECONDS.toNanos(SECONDS));
    devices.values().forEach(AuditClient::stopSending);
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
        honestUsers()), honestUsers(), notes);
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
  private void connectPairs(Vertx vertx) {
    List<Future<Void>> bound = new ArrayList<>();
    for (int pair = 0; pair < PAIRS; pair++) {
      long p = pUser(pair);
      long q = p + 1;
      bound.add(addDevice(vertx, "p" + pair, p, q, RATE, gateways.alive().get(0)));
      bound.add(addDevice(vertx, "q" + pair, q, p, RATE, gateways.alive().get(1)));
    }
    bound.forEach(future -> awaitFuture(future, Duration.ofSeconds(30), "first binds"));
    ledger.event("honest devices bound: " + devices.keySet());
  }

  private Future<Void> addDevice(Vertx vertx, String name, long user, long peer, double rate,
                                 AuditGateways.Entry gateway) {
    AuditClient client = new AuditClient(vertx, sockets, ledger, gateways, name, user, peer, WINDOW, rate);
    devices.put(name, client);
    return client.start(gateway);
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

  private void faultRound(Vertx vertx, int round) {
    waitUntil(trafficStartedAt + (long) (TimeUnit.SECONDS.toNanos(SECONDS) * (0.1 + 0.8 * (round - 1) / KILLS)));
    killGateway();
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
    secondDevice(vertx, round);
    bindDuringPresenceFreeze(vertx, round);
  }

  /** SIGKILL of the oldest gateway; its clients reconnect elsewhere, sync and resend, which is waited for. */
  private void killGateway() {
    AuditGateways.Entry doomed = gateways.alive().get(0);
    List<AuditClient> affected = devices.values().stream().filter(c -> c.gateway().equals(doomed.name())).toList();
    gateways.retire(doomed.name());
    ledger.gatewayKilled(doomed.name());
    doomed.gateway().process().kill();
    long killedAt = System.nanoTime();
    await("the clients of " + doomed.name() + " back, synced and resent", Duration.ofSeconds(30),
        () -> affected.stream().allMatch(c -> c.ready() && !c.gateway().equals(doomed.name())));
    ledger.event(String.format("%d clients of %s reconnected, synced and resent in %d ms", affected.size(),
        doomed.name(), (System.nanoTime() - killedAt) / 1_000_000));
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

  private static <T> T awaitStarted(CompletableFuture<T> starting, String what) {
    return awaitFuture(Future.fromCompletionStage(starting), LocalCluster.START_TIMEOUT.plusSeconds(30), what);
  }

  /** A receive-only second device of a Q user binds on a gateway other than its first device's. */
  private void secondDevice(Vertx vertx, int round) {
    int pair = (round - 1) % PAIRS;
    AuditClient first = devices.get("q" + pair);
    AuditGateways.Entry other = gateways.pickOther(first.gateway()).orElseThrow();
    String name = "q" + pair + "d" + round;
    awaitFuture(addDevice(vertx, name, first.userId, first.peerId, 0, other), Duration.ofSeconds(15),
        "bind of " + name);
    ledger.event(name + " (a second device of " + first.userId + ") bound on " + other.name());
  }

  /**
   * A device of a P user binds while the presence JVM is frozen (SIGSTOP): its heart answer can only come once
   * presence runs again, well before the gateway's bus timeout.
   */
  private void bindDuringPresenceFreeze(Vertx vertx, int round) {
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
      bound = addDevice(vertx, name, first.userId, first.peerId, 0, other);
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

  /**
   * Waits for every honest send to be answered, then for every live connection to have got up to its user's inbox
   * head (a push held for a gap is written only once the gap is filled), then for a heart round trip on each, so
   * that nothing written to them before is still on the way.
   */
  private void awaitQuiet() {
    boolean answered = within(Duration.ofSeconds(60), () -> ledger.unsettledSends() == 0);
    ledger.event(answered ? "every honest send answered"
        : ledger.unsettledSends() + " honest sends still unanswered after 60 s: auditing as they are");
    AuditDatabase database = new AuditDatabase(cluster.database);
    boolean settled = within(Duration.ofSeconds(20), () -> {
      Map<Long, Long> heads = database.inboxCounters(honestUsers());
      return liveConnections().allMatch(connection -> highestCursor(connection)
          >= heads.getOrDefault(connection.userId, 0L));
    });
    ledger.event(settled ? "every live connection reached its inbox head"
        : "inboxes did not settle within 20 s: auditing as they are");
    List<String> silent = new ArrayList<>();
    devices.values().forEach(device -> {
      try {
        awaitFuture(device.heartRoundTrip(), Duration.ofSeconds(10), "heart round trip");
      } catch (AssertionError unanswered) {
        silent.add(device.device);
      }
    });
    ledger.event(silent.isEmpty() ? "heart round trips answered on every connection"
        : "no heart answer on " + silent);
  }

  private Stream<AuditConnection> liveConnections() {
    return ledger.connections().stream().filter(AuditConnection::isLive);
  }

  private static long highestCursor(AuditConnection connection) {
    AuditConnection.Snapshot seen = connection.snapshot();
    return Stream.concat(seen.pushes().stream().map(AuditConnection.Push::cursor),
        seen.acks().stream().map(AuditConnection.Ack::cursor)).mapToLong(Long::longValue).max().orElse(0);
  }

  // ---- presence at the end ----

  /**
   * The devices of pair 0 and the hostile user leave; after the grace period they must show offline, everybody else
   * online.
   */
  private void checkPresence(AuditReport report) {
    List<Long> leaving = List.of(pUser(0), pUser(0) + 1, HOSTILE_USER);
    devices.values().stream().filter(c -> leaving.contains(c.userId)).map(AuditClient::close)
        .forEach(closed -> awaitFuture(closed, Duration.ofSeconds(10), "close"));
    Map<Long, Boolean> expected = new LinkedHashMap<>();
    honestUsers().forEach(user -> expected.put(user, !leaving.contains(user)));
    expected.put(HOSTILE_USER, false);
    within(Duration.ofSeconds(15), () -> wrongPresence(expected).isEmpty());
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
    AuditGateways.Entry gateway = gateways.alive().get(0);
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/api/presence/"
            + user)).timeout(Duration.ofSeconds(5))
        .header("Authorization", "Bearer " + UserTokens.mint(LocalCluster.SECRET, pUser(PAIRS - 1),
            Duration.ofMinutes(5)))
        .GET().build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("GET /api/presence/%d: %s", user, response.body()).isEqualTo(200);
      return new JsonObject(response.body()).getBoolean("online");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
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

  private static void await(String what, Duration within, BooleanSupplier condition) {
    Awaitility.await(what).atMost(within).pollInterval(POLL).until(condition::getAsBoolean);
  }

  /** Whether the condition came true before the deadline (the audit then reports what did not). */
  private static boolean within(Duration within, BooleanSupplier condition) {
    try {
      Awaitility.await().atMost(within).pollInterval(POLL).until(condition::getAsBoolean);
      return true;
    } catch (ConditionTimeoutException notYet) {
      return false;
    }
  }

  private static <T> T awaitFuture(Future<T> future, Duration within, String what) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError(what + " did not complete within " + within + ": " + e, e);
    }
  }

  /**
   * Waits for an instant of the schedule: the traffic runs for a set time and the faults come at set points, so
   * here the clock itself is the condition.
   */
  private static void waitUntil(long nanos) {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      Awaitility.await().atMost(Duration.ofNanos(left).plusSeconds(1)).pollInterval(POLL)
          .until(() -> System.nanoTime() >= nanos);
    }
  }
}
