package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A gateway JVM is killed with SIGKILL mid-traffic: nobody closes its sockets cleanly, yet its users are shown
 * offline within seconds (the presence service purges the dead node's routes when the cluster drops it), and a
 * client that reconnects elsewhere and syncs ends with every acknowledged message exactly once.
 */
class GatewayFailoverTest {

  private static final long SENDER = 5001;
  private static final long RECEIVER = 5002;
  private static final long WATCHER = 5003;
  /** Failure detection (~0.5 s for a killed process on loopback) plus the purge; the grace period does not apply. */
  private static final Duration OFFLINE_BOUND = Duration.ofSeconds(5);

  private static LocalCluster cluster;
  private static ClusterClients clients;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster("gateway_failover", Map.of("CHAT_PRESENCE_GRACE_MS", "60000"));
    clients = cluster.clients;
    cluster.presence("presence-1");
    cluster.messages("messages-1");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("killing a gateway shows its users offline within seconds; they reconnect, sync, and miss nothing")
  void gatewayKilledMidTraffic() {
    LocalCluster.Gateway survivor = cluster.gateway("gateway-1");
    LocalCluster.Gateway doomed = cluster.gateway("gateway-2");
    TestClient sender = clients.connect(survivor.port(), SENDER);
    TestClient watcher = clients.connect(survivor.port(), WATCHER);
    TestClient receiver = clients.connect(doomed.port(), RECEIVER);
    ClusterClients.awaitOnline(watcher, RECEIVER);

    Map<String, Long> acked = new TreeMap<>();
    Map<Long, Long> receivedIdByCursor = new TreeMap<>();
    sendAndAck(sender, 0, 40, acked);
    collectLive(receiver, receivedIdByCursor, 40);

    // more in flight while the receiver's gateway dies
    for (int i = 40; i < 60; i++) {
      sender.send(say(i));
    }
    long killedAt = System.nanoTime();
    doomed.process().kill();

    JsonObject offline = watcher.expect(frame -> "online".equals(frame.getString("type"))
        && frame.getLong("user_id") == RECEIVER && !frame.getBoolean("online"), "receiver offline", OFFLINE_BOUND);
    Duration offlineAfter = Duration.ofNanos(System.nanoTime() - killedAt);
    assertThat(offline.getLong("last_seen")).isPositive();
    System.out.printf("receiver shown offline %d ms after its gateway was killed%n", offlineAfter.toMillis());

    for (int i = 40; i < 60; i++) {
      JsonObject ack = sender.expect("ack");
      acked.put(ack.getString("cid"), ack.getLong("id"));
    }
    sendAndAck(sender, 60, 100, acked);
    assertThat(acked).hasSize(100);

    // whatever arrived before the socket died still counts; the client syncs from its last gapless cursor
    receivedIdByCursor.putAll(drainTexts(receiver));
    long contiguous = 0;
    while (receivedIdByCursor.containsKey(contiguous + 1)) {
      contiguous++;
    }
    TestClient reconnected = clients.connect(survivor.port(), RECEIVER);
    List<JsonObject> synced = syncAll(reconnected, contiguous);
    List<Long> seen = new ArrayList<>(receivedIdByCursor.values());
    synced.forEach(text -> seen.add(text.getLong("id")));

    Set<Long> unique = new HashSet<>(seen);
    long repeatedFromAboveGap = receivedIdByCursor.keySet().stream().filter(cursor -> cursor > 0).count()
        - contiguous;
    assertThat(seen.size() - unique.size()).as("ids seen twice").isEqualTo(repeatedFromAboveGap);
    assertThat(unique).as("every acknowledged message, nothing else")
        .containsExactlyInAnyOrderElementsOf(acked.values());
    assertThat(cluster.count("SELECT count(*) FROM messages WHERE to_id = " + RECEIVER)).isEqualTo(100);

    // after the failover, traffic both ways: what is acked now must arrive live, once, in order, with no sync
    LiveTraffic toReceiver = new LiveTraffic(sender, SENDER, reconnected, RECEIVER, "after-");
    LiveTraffic toSender = new LiveTraffic(reconnected, RECEIVER, sender, SENDER, "reply-");
    runLive(List.of(toReceiver, toSender));
    toReceiver.assertDeliveredLiveOnceInOrder();
    toSender.assertDeliveredLiveOnceInOrder();

    sender.close();
    watcher.close();
    reconnected.close();
  }

  /** Live traffic after the failover: this many messages each way, one every {@link #LIVE_PACE} (50 per second). */
  private static final int LIVE_MESSAGES = 150;
  private static final Duration LIVE_PACE = Duration.ofMillis(20);
  /** How long the acks and pushes of the live phase may take once its last message is sent. */
  private static final Duration LIVE_SETTLE = Duration.ofSeconds(15);

  /** Sends both directions at the live pace, reading both sockets as it goes, until every send is acked and pushed. */
  private static void runLive(List<LiveTraffic> directions) {
    long start = System.nanoTime();
    long settleBy = start + LIVE_PACE.toNanos() * LIVE_MESSAGES + LIVE_SETTLE.toNanos();
    int sent = 0;
    while (true) {
      long now = System.nanoTime();
      while (sent < LIVE_MESSAGES && start + sent * LIVE_PACE.toNanos() <= now) {
        for (LiveTraffic direction : directions) {
          direction.sendNext(sent);
        }
        sent++;
      }
      // each socket's frames are read once and handed to both directions (one sends on it, the other receives)
      Map<TestClient, List<JsonObject>> frames = new java.util.IdentityHashMap<>();
      for (LiveTraffic direction : directions) {
        frames.computeIfAbsent(direction.from, TestClient::drain);
        frames.computeIfAbsent(direction.to, TestClient::drain);
      }
      directions.forEach(direction -> direction.read(frames.get(direction.from), frames.get(direction.to)));
      if (sent == LIVE_MESSAGES && directions.stream().allMatch(LiveTraffic::settled)) {
        return;
      }
      if (now > settleBy) {
        directions.forEach(LiveTraffic::assertDeliveredLiveOnceInOrder);
        throw new AssertionError("the live phase did not settle in time: " + directions);
      }
      // wait for the next frame or the next send, whichever comes first
      directions.get(0).from.awaitFrame(Duration.ofMillis(5));
    }
  }

  /**
   * One direction of the live phase: the sender re-sends what was refused with a retryable error (same cid, stored
   * once); the recipient's socket must get each acked message pushed exactly once, its text frames in strictly
   * increasing cursor order.
   */
  private static final class LiveTraffic {
    final TestClient from;
    final TestClient to;
    private final long fromId;
    private final long toId;
    private final String cidPrefix;
    private final Map<String, JsonObject> unacked = new java.util.LinkedHashMap<>();
    private final Map<String, Long> ackedIds = new java.util.LinkedHashMap<>();
    /** Every text frame the recipient's socket got in this phase, from anyone, in arrival order. */
    private final List<JsonObject> texts = new ArrayList<>();
    private final List<JsonObject> refusals = new ArrayList<>();

    LiveTraffic(TestClient from, long fromId, TestClient to, long toId, String cidPrefix) {
      this.from = from;
      this.fromId = fromId;
      this.to = to;
      this.toId = toId;
      this.cidPrefix = cidPrefix;
    }

    void sendNext(int n) {
      JsonObject frame = new JsonObject().put("type", "say").put("to_id", toId).put("data", cidPrefix + n)
          .put("cid", cidPrefix + n);
      unacked.put(frame.getString("cid"), frame);
      from.send(frame);
    }

    /** Takes the acks and refusals of this direction's sends, and the texts its recipient was pushed. */
    void read(List<JsonObject> senderFrames, List<JsonObject> recipientFrames) {
      for (JsonObject frame : senderFrames) {
        String cid = frame.getString("cid", frame.getValue("ref") instanceof String ref ? ref : null);
        if (cid == null || !cid.startsWith(cidPrefix)) {
          continue;
        }
        if ("ack".equals(frame.getString("type"))) {
          unacked.remove(cid);
          Long earlier = ackedIds.putIfAbsent(cid, frame.getLong("id"));
          assertThat(earlier == null || earlier.equals(frame.getLong("id"))).as("acks of %s", cid).isTrue();
        } else if ("error".equals(frame.getString("type"))) {
          refusals.add(frame);
          assertThat(frame.getBoolean("retryable")).as("refusal %s", frame).isTrue();
          if (unacked.containsKey(cid)) {
            from.send(unacked.get(cid));
          }
        }
      }
      recipientFrames.stream().filter(frame -> "text".equals(frame.getString("type"))).forEach(texts::add);
    }

    boolean settled() {
      Set<Long> pushed = new HashSet<>();
      texts.forEach(text -> pushed.add(text.getLong("id")));
      return unacked.isEmpty() && pushed.containsAll(ackedIds.values());
    }

    void assertDeliveredLiveOnceInOrder() {
      assertThat(unacked.keySet()).as("sends of user %d never acked (refusals: %s)", fromId, refusals).isEmpty();
      List<Long> cursors = texts.stream().map(text -> text.getLong("cursor")).toList();
      assertThat(cursors).as("cursors of the texts pushed to user %d", toId).isSorted().doesNotHaveDuplicates();
      List<Long> fromSender = texts.stream().filter(text -> text.getLong("from_id") == fromId)
          .map(text -> text.getLong("id")).toList();
      assertThat(fromSender).as("messages of user %d pushed to user %d", fromId, toId)
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(ackedIds.values());
    }

    @Override
    public String toString() {
      return "user " + fromId + " to " + toId + ": " + ackedIds.size() + " acked, " + unacked.size() + " unacked, "
          + texts.size() + " pushed";
    }
  }

  private static JsonObject say(int n) {
    return new JsonObject().put("type", "say").put("to_id", RECEIVER).put("data", "m" + n).put("cid", "c" + n);
  }

  private static void sendAndAck(TestClient sender, int from, int to, Map<String, Long> acked) {
    for (int i = from; i < to; i++) {
      sender.send(say(i));
    }
    for (int i = from; i < to; i++) {
      JsonObject ack = sender.expect("ack");
      acked.put(ack.getString("cid"), ack.getLong("id"));
    }
  }

  private static void collectLive(TestClient receiver, Map<Long, Long> idByCursor, int count) {
    while (idByCursor.size() < count) {
      JsonObject text = receiver.expect("text");
      assertThat(idByCursor.put(text.getLong("cursor"), text.getLong("id"))).as("pushed twice").isNull();
    }
  }

  private static Map<Long, Long> drainTexts(TestClient receiver) {
    Map<Long, Long> idByCursor = new TreeMap<>();
    receiver.drain().stream().filter(frame -> "text".equals(frame.getString("type")))
        .forEach(text -> idByCursor.put(text.getLong("cursor"), text.getLong("id")));
    return idByCursor;
  }

  private static List<JsonObject> syncAll(TestClient client, long since) {
    List<JsonObject> messages = new ArrayList<>();
    long cursor = since;
    boolean more = true;
    while (more) {
      client.send(new JsonObject().put("type", "sync").put("since", cursor).put("limit", 50));
      JsonObject page = client.expect("sync");
      JsonArray texts = page.getJsonArray("messages");
      texts.forEach(text -> messages.add((JsonObject) text));
      cursor = page.getLong("cursor");
      more = page.getBoolean("has_more");
    }
    return messages;
  }
}
