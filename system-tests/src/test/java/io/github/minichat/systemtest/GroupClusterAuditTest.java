package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.AuditWaits.awaitFuture;
import static io.github.minichat.systemtest.AuditWaits.awaitStarted;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The group delivery audit: members of two groups spread over two gateway processes, five of them sending to one or
 * two groups at a fixed rate, while a member is removed and added back, another is added, and one gateway is killed
 * with SIGKILL and restarted; its clients reconnect to the other, sync and resend, and a late device binds on the
 * restarted one and syncs from the start. Afterwards every acknowledged message must be stored exactly once, every
 * group's seqs gapless, every user hold exactly the messages stored while a member, and every device have got each
 * of its user's messages exactly once, in order, pushed or synced. {@link GroupAuditReport} has the rules.
 *
 * <p>Sizes come from system properties: {@code groupaudit.seconds} (traffic), {@code groupaudit.rate} (messages per
 * second per sender).
 */
class GroupClusterAuditTest {

  private static final int SECONDS = Integer.getInteger("groupaudit.seconds", 30);
  private static final double RATE = Integer.getInteger("groupaudit.rate", 6);
  private static final int WINDOW = 8;

  private static final long U0 = 71_000;
  private static final long U1 = 71_001;
  private static final long U2 = 71_002;
  private static final long U3 = 71_003;
  private static final long U4 = 71_004;
  private static final long U5 = 71_005;
  private static final long U6 = 71_006;
  private static final long U7 = 71_007;
  private static final List<Long> USERS = List.of(U0, U1, U2, U3, U4, U5, U6, U7);

  private static LocalCluster cluster;
  private static final AuditGateways gateways = new AuditGateways();

  private final AuditLedger ledger = new AuditLedger();
  private final AuditHttp http = new AuditHttp(gateways);
  private final List<String> notes = new ArrayList<>();
  private WebSocketClient sockets;
  private AuditDevices devices;
  private long trafficStartedAt;
  private long first;
  private long second;

  @BeforeAll
  static void startCluster() {
    cluster = new LocalCluster("group_audit", Map.of());
    cluster.presence("group-audit-presence");
    cluster.messages("group-audit-messages");
    gateways.add(new AuditGateways.Entry("gw-1", cluster.gateway("group-audit-gateway-1")));
    gateways.add(new AuditGateways.Entry("gw-2", cluster.gateway("group-audit-gateway-2")));
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("through membership changes and a gateway killed and restarted, every member's devices get every "
      + "message of their groups stored while they were members, once and in order, and nothing else")
  void auditGroupDelivery() {
    Vertx vertx = cluster.clients.vertx();
    sockets = AuditDevices.webSocketClient(vertx);
    devices = new AuditDevices(new AuditClient.Setup(vertx, sockets, ledger, gateways, WINDOW,
        AuditClient.FirstBind.CATCH_UP));
    first = createGroup(U0, "first", U1, U2, U3, U4);
    second = createGroup(U5, "second", U1, U4, U6, U7);
    ledger.event("groups " + first + " (owner " + U0 + ") and " + second + " (owner " + U5 + ") created");

    List<Future<Void>> bound = new ArrayList<>();
    AuditGateways.Entry gw1 = gateways.alive().get(0);
    AuditGateways.Entry gw2 = gateways.alive().get(1);
    bound.add(devices.add("u0", U0, to(first), RATE, gw1));
    bound.add(devices.add("u1a", U1, List.of(), 0, gw2));
    bound.add(devices.add("u1b", U1, List.of(), 0, gw1));
    bound.add(devices.add("u2", U2, List.of(), 0, gw1));
    bound.add(devices.add("u3", U3, to(first), RATE, gw2));
    bound.add(devices.add("u4a", U4, to(first, second), RATE, gw1));
    bound.add(devices.add("u4b", U4, List.of(), 0, gw2));
    bound.add(devices.add("u5", U5, to(second), RATE, gw2));
    bound.add(devices.add("u6", U6, List.of(), 0, gw1));
    bound.add(devices.add("u7", U7, to(second), RATE, gw2));
    bound.forEach(future -> awaitFuture(future, Duration.ofSeconds(30), "first binds and syncs"));
    ledger.event("devices bound and synced: " + devices.names());

    trafficStartedAt = System.nanoTime();
    devices.startSending();
    ledger.event(String.format("traffic started: 5 senders at %.0f msg/s each", RATE));

    at(0.20);
    changeMembers(U0, "DELETE", "/api/groups/" + first + "/members/" + U2, null, U2 + " removed from " + first);
    at(0.35);
    CompletableFuture<AuditGateways.Entry> restarted = killAndRestart(gw1);
    at(0.55);
    changeMembers(U0, "POST", "/api/groups/" + first + "/members",
        new JsonObject().put("user_ids", new JsonArray().add(U6)), U6 + " added to " + first);
    at(0.70);
    AuditGateways.Entry gw3 = awaitStarted(restarted, "the restarted gateway");
    gateways.add(gw3);
    ledger.event("gateway restarted as " + gw3.name() + "; a late device of " + U6 + " binds there");
    awaitFuture(devices.add("u6late", U6, List.of(), 0, gw3), Duration.ofSeconds(30), "the late device");
    ledger.event("u6late bound and synced from 0 on " + gw3.name());
    at(0.85);
    changeMembers(U0, "POST", "/api/groups/" + first + "/members",
        new JsonObject().put("user_ids", new JsonArray().add(U2)), U2 + " added back to " + first);
    at(1.0);
    devices.stopSending();
    ledger.event(String.format("traffic stopped: %d sends acknowledged so far", ledger.ackedSends()));

    awaitQuiet();
    GroupAuditReport report = GroupAuditReport.audit(parameters(), ledger,
        new AuditDatabase(cluster.database).read(List.of(first, second), USERS), USERS, notes);
    String table = report.table();
    System.out.print(table);
    assertThat(report.failures()).as("group audit failures; the audit:%n%s", table).isEmpty();
  }

  // ---- set-up ----

  private static List<AuditRecipient> to(long... groups) {
    List<AuditRecipient> recipients = new ArrayList<>();
    for (long group : groups) {
      recipients.add(AuditRecipient.group(group));
    }
    return recipients;
  }

  private long createGroup(long owner, String name, long... members) {
    JsonArray ids = new JsonArray();
    for (long member : members) {
      ids.add(member);
    }
    HttpResponse<String> created = http.call(owner, "POST", "/api/groups", new JsonObject().put("name", name)
        .put("members", ids));
    assertThat(created.statusCode()).as("POST /api/groups: %s", created.body()).isEqualTo(201);
    return new JsonObject(created.body()).getLong("group_id");
  }

  // ---- faults and changes, each waited for ----

  /**
   * SIGKILL of the gateway; its clients reconnect to the other one, sync and resend, which is waited for; the
   * gateway is started again in the background (a JVM starting on a busy 2-core machine takes a while).
   */
  private CompletableFuture<AuditGateways.Entry> killAndRestart(AuditGateways.Entry doomed) {
    AuditDevices.GatewayKill kill = devices.killGateway(doomed);
    CompletableFuture<AuditGateways.Entry> restarted = CompletableFuture.supplyAsync(() ->
        new AuditGateways.Entry("gw-3", cluster.gateway("group-audit-gateway-1-restarted")));
    kill.awaitBack();
    return restarted;
  }

  /** A membership change by the owner, over HTTP on a live gateway; retried only when told to (503). */
  private void changeMembers(long owner, String method, String uri, JsonObject body, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      HttpResponse<String> response = http.call(owner, method, uri, body);
      if (response.statusCode() == 200) {
        ledger.event(what + " (now " + new JsonObject(response.body()).getInteger("member_count") + " members)");
        return;
      }
      assertThat(response.statusCode() == 503 && System.nanoTime() < deadline)
          .as("%s: %s %s answered %d %s", what, method, uri, response.statusCode(), response.body()).isTrue();
    }
  }

  // ---- the quiet period ----

  /** Every device must have seen its user's whole inbox up to the head, by any means. */
  private void awaitQuiet() {
    AuditDatabase database = new AuditDatabase(cluster.database);
    devices.awaitQuiet("every device reached its inbox head", () -> {
      Map<Long, Long> heads = database.inboxCounters(USERS);
      return devices.all().stream().allMatch(device -> device.contiguousCursor()
          >= heads.getOrDefault(device.userId, 0L));
    });
  }

  // ---- helpers ----

  private String parameters() {
    return String.format("groups %d and %d, %d users, 5 senders at %.0f msg/s, %d s of traffic, window %d", first,
        second, USERS.size(), RATE, SECONDS, WINDOW);
  }

  /** Waits for an instant of the schedule, a fraction of the traffic time. */
  private void at(double fraction) {
    AuditWaits.waitUntil(trafficStartedAt + (long) (TimeUnit.SECONDS.toNanos(SECONDS) * fraction));
  }
}
