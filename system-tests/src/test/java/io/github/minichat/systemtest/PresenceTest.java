package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.UnreadPresenceSupport.bind;
import static io.github.minichat.systemtest.UnreadPresenceSupport.call;
import static io.github.minichat.systemtest.UnreadPresenceSupport.connect;
import static io.github.minichat.systemtest.UnreadPresenceSupport.framesUntil;
import static io.github.minichat.systemtest.UnreadPresenceSupport.online;
import static io.github.minichat.systemtest.UnreadPresenceSupport.open;
import static io.github.minichat.systemtest.UnreadPresenceSupport.presenceOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.systemtest.ChatSystem.HttpResult;
import io.github.minichat.systemtest.UnreadPresenceSupport.RawWebSocket;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Presence: subscriptions by online queries, the offline grace period, several devices, the HTTP view. */
class PresenceTest {

  private static final long GRACE_MS = 300;

  private static ChatSystem system;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("presence", Map.of("CHAT_PRESENCE_GRACE_MS", Long.toString(GRACE_MS)));
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  @Test
  @DisplayName("asking online about a peer subscribes: its bind pushes online, its close offline after the grace")
  void subscriptionAndGrace() {
    long me = 2001;
    long peer = 2002;
    try (TestClient asker = connect(system, me)) {
      asker.send(online(me, peer));
      JsonObject never = asker.expect("online");
      assertThat(never.getLong("user_id")).isEqualTo(peer);
      assertThat(never.getBoolean("online")).isFalse();
      assertThat(never.getString("status")).contains("对方不在线");
      assertThat(never.getValue("last_seen")).isNull();

      TestClient device = connect(system, peer);
      JsonObject up = asker.expect(presenceOf(peer, true), "a push that the peer is online");
      assertThat(up.getString("status")).doesNotContain("对方不在线");
      assertThat(presence(peer).getBoolean("online")).isTrue();

      long wallBeforeClose = System.currentTimeMillis();
      long closing = System.nanoTime();
      device.close();
      // right after the close the peer still counts as online: the grace period has only begun
      asker.send(online(me, peer));
      JsonObject first = asker.expect(about(peer), "the answer about the peer");
      JsonObject offline;
      if (first.getBoolean("online")) {
        offline = asker.expect(presenceOf(peer, false), "the offline push after the grace period");
      } else {
        // only a machine stalled for longer than the grace period may see offline already; then both frames say so
        assertThat(millisSince(closing)).as("offline reported before the grace period ended")
            .isGreaterThanOrEqualTo(GRACE_MS);
        offline = asker.expect(presenceOf(peer, false), "the second offline frame (answer or push)");
      }
      // the offline push cannot come earlier than a grace period after the close began
      assertThat(millisSince(closing)).isGreaterThanOrEqualTo(GRACE_MS);
      assertThat(offline.getString("status")).contains("对方不在线");
      assertThat(offline.getLong("last_seen")).isBetween(wallBeforeClose, System.currentTimeMillis());

      JsonObject view = presence(peer);
      assertThat(view.getBoolean("online")).isFalse();
      assertThat(view.getLong("last_seen")).isEqualTo(offline.getLong("last_seen"));
    }
  }

  @Test
  @DisplayName("a peer that closes and comes straight back within the grace period never flaps offline")
  void noFlapping() {
    long me = 2101;
    long peer = 2102;
    long control = 2103;
    try (TestClient asker = connect(system, me)) {
      // subscribed before anyone arrives, so each arrival is pushed exactly once and nothing is left in flight
      subscribe(asker, me, peer, control);
      TestClient before = connect(system, peer);
      asker.expect(presenceOf(peer, true), "the peer's online push");
      TestClient controlDevice = connect(system, control);
      asker.expect(presenceOf(control, true), "the control user's online push");

      // the app's next socket is already open, so coming back is just a bind
      try (TestClient after = open(system, peer)) {
        after.expect("init");
        long closing = System.nanoTime();
        before.close();
        bind(after, peer);
        assertThat(millisSince(closing)).as("back within the grace period").isLessThan(GRACE_MS);

        // the marker: the control user leaves after the peer did, so its offline push comes after any of the peer's
        controlDevice.close();
        List<JsonObject> frames = framesUntil(asker, presenceOf(control, false), "the control user's offline push");
        // neither an offline push nor a repeated online one
        assertThat(frames).as("frames before the marker").noneMatch(about(peer));

        asker.send(online(me, peer));
        JsonObject answer = asker.expect("online");
        assertThat(answer.getLong("user_id")).isEqualTo(peer);
        assertThat(answer.getBoolean("online")).isTrue();
        assertThat(presence(peer).getBoolean("online")).isTrue();
      }
    }
  }

  @Test
  @DisplayName("with two connections, closing one keeps the user online; closing the last takes it offline")
  void twoConnections() {
    long me = 2201;
    long peer = 2202;
    long control = 2203;
    try (TestClient asker = connect(system, me)) {
      subscribe(asker, me, peer, control);
      TestClient phone = connect(system, peer);
      asker.expect(presenceOf(peer, true), "the peer's online push");
      TestClient laptop = connect(system, peer);
      TestClient controlDevice = connect(system, control);
      // the second device announces nothing: the next push is the control user's arrival
      List<JsonObject> arrivals = framesUntil(asker, presenceOf(control, true), "the control user's online push");
      assertThat(arrivals).noneMatch(about(peer));

      phone.close();
      // the marker: the control user's offline push comes a grace period after its close, itself after the phone's
      controlDevice.close();
      List<JsonObject> frames = framesUntil(asker, presenceOf(control, false), "the control user's offline push");
      assertThat(frames).as("frames before the marker").noneMatch(about(peer));
      asker.send(online(me, peer));
      assertThat(asker.expect("online").getBoolean("online")).isTrue();
      JsonObject view = presence(peer);
      assertThat(view.getBoolean("online")).isTrue();
      assertThat(view.getLong("last_seen")).isNotNull();

      long closing = System.nanoTime();
      laptop.close();
      JsonObject offline = asker.expect(presenceOf(peer, false), "the offline push after the last close");
      assertThat(millisSince(closing)).isGreaterThanOrEqualTo(GRACE_MS);
      assertThat(offline.getLong("last_seen")).isNotNull();
      assertThat(presence(peer).getBoolean("online")).isFalse();
    }
  }

  @Test
  @DisplayName("GET /api/presence/<id> answers user_id, online and last_seen: null for a user never seen")
  void presenceApi() {
    long me = 2301;
    long peer = 2302;
    long stranger = 2399;
    HttpResult never = call(system, HttpMethod.GET, "/api/presence/" + stranger, me, null);
    assertThat(never.status()).isEqualTo(200);
    JsonObject neverSeen = never.json();
    assertThat(neverSeen.fieldNames()).containsExactlyInAnyOrder("user_id", "online", "last_seen");
    assertThat(neverSeen.getLong("user_id")).isEqualTo(stranger);
    assertThat(neverSeen.getBoolean("online")).isFalse();
    assertThat(neverSeen.getValue("last_seen")).isNull();

    try (TestClient asker = connect(system, me)) {
      asker.send(online(me, peer));
      assertThat(asker.expect("online").getBoolean("online")).isFalse();
      long wallBeforeConnect = System.currentTimeMillis();
      TestClient device = connect(system, peer);
      asker.expect(presenceOf(peer, true), "the peer's online push");
      JsonObject online = presence(peer);
      assertThat(online.fieldNames()).containsExactlyInAnyOrder("user_id", "online", "last_seen");
      assertThat(online.getLong("user_id")).isEqualTo(peer);
      assertThat(online.getBoolean("online")).isTrue();
      assertThat(online.getLong("last_seen")).isBetween(wallBeforeConnect, System.currentTimeMillis());

      device.close();
      JsonObject offline = asker.expect(presenceOf(peer, false), "the peer's offline push");
      JsonObject gone = presence(peer);
      assertThat(gone.getBoolean("online")).isFalse();
      assertThat(gone.getLong("last_seen")).isEqualTo(offline.getLong("last_seen"));
    }
  }

  @Test
  @DisplayName("a connection that vanishes without a close frame also ends offline after the grace period")
  void abruptDisconnect() {
    long me = 2401;
    long peer = 2402;
    try (TestClient asker = connect(system, me)) {
      asker.send(online(me, peer));
      assertThat(asker.expect("online").getBoolean("online")).isFalse();

      try (RawWebSocket device = new RawWebSocket(system.port, peer)) {
        device.receive("init");
        device.send(new JsonObject().put("type", "bind").put("fromId", peer));
        device.send(new JsonObject().put("type", "heart").put("fromId", peer));
        device.receive("heart");
        asker.expect(presenceOf(peer, true), "the peer's online push");

        long wallBeforeReset = System.currentTimeMillis();
        long resetting = System.nanoTime();
        device.vanish();
        JsonObject offline = asker.expect(presenceOf(peer, false), "the offline push after the reset");
        assertThat(millisSince(resetting)).isGreaterThanOrEqualTo(GRACE_MS);
        assertThat(offline.getLong("last_seen")).isBetween(wallBeforeReset, System.currentTimeMillis());
        assertThat(presence(peer).getBoolean("online")).isFalse();
      }
    }
  }

  /** Asks online about each user, who must all be offline still: the asker is now subscribed to them. */
  private static void subscribe(TestClient asker, long me, long... users) {
    for (long user : users) {
      asker.send(online(me, user));
      JsonObject answer = asker.expect("online");
      assertThat(answer.getLong("user_id")).isEqualTo(user);
      assertThat(answer.getBoolean("online")).isFalse();
    }
  }

  private static JsonObject presence(long userId) {
    HttpResult result = call(system, HttpMethod.GET, "/api/presence/" + userId, 1, null);
    assertThat(result.status()).isEqualTo(200);
    return result.json();
  }

  private static Predicate<JsonObject> about(long userId) {
    return frame -> "online".equals(frame.getString("type")) && frame.getLong("user_id") == userId;
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }
}
