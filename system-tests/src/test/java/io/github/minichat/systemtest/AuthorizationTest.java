package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every HTTP route and every frame type, tried by Mallory against the conversation of Bob and Carol: she reads none
 * of it, marks none of it read, sends nothing in their name and subscribes nothing for them. Identity comes from the
 * token only; ids in parameters and bodies that name someone else are refused or cannot widen what she sees.
 */
class AuthorizationTest {

  private static final long MALLORY = 7601;
  private static final long BOB = 7602;
  private static final long CAROL = 7603;

  private static ChatSystem system;
  private static RaceFreeSockets sockets;
  private static RaceFreeHttp http;
  private static MessagingTestSupport messaging;
  private static long bobToCarol;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("authorization");
    sockets = new RaceFreeSockets(system);
    http = new RaceFreeHttp(system);
    messaging = new MessagingTestSupport(system);
    bobToCarol = messaging.post(BOB, CAROL, "for Carol's eyes only").getLong("id");
    messaging.post(BOB, CAROL, "also private");
    messaging.post(CAROL, BOB, "reply to Bob");
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  private static long carolsUnread() {
    return http.call("GET", "/api/messages/unread", CAROL, null).json().getLong("countNum");
  }

  private static void assertBobAndCarolUntouched() {
    assertThat(carolsUnread()).isEqualTo(2);
    assertThat(system.count("SELECT count(*) FROM messages WHERE is_read")).isZero();
    assertThat(system.count("SELECT count(*) FROM messages")).isEqualTo(3);
  }

  // ---- HTTP: every route under /api ----

  @Test
  @DisplayName("GET /api/messages shows only the token user's own conversation, whatever ids the query names")
  void history() {
    for (String query : new String[] {"peer=" + BOB, "peer=" + CAROL, "peer=" + BOB + "&user_id=" + CAROL,
        "peer=" + CAROL + "&from_id=" + BOB + "&userId=" + BOB}) {
      JsonObject page = http.call("GET", "/api/messages?" + query, MALLORY, null).json();
      assertThat(page.getJsonArray("messages")).as(query).isEmpty();
    }
    assertBobAndCarolUntouched();
  }

  @Test
  @DisplayName("GET /api/messages/unread counts only the token user's inbox")
  void unread() {
    JsonObject counts = http.call("GET", "/api/messages/unread?user_id=" + CAROL + "&userId=" + CAROL, MALLORY, null)
        .json();
    assertThat(counts.getLong("countNum")).isZero();
    assertThat(counts.getJsonObject("peers")).isEmpty();
  }

  @Test
  @DisplayName("POST /api/messages/read marks only the token user's inbox, even given another conversation's id")
  void markRead() {
    ChatSystem.HttpResult result = http.call("POST", "/api/messages/read", MALLORY,
        new JsonObject().put("peer", BOB).put("up_to", bobToCarol).put("user_id", CAROL));
    assertThat(result.status()).isEqualTo(200);
    assertThat(result.json().getLong("countNum")).isZero();
    assertBobAndCarolUntouched();
  }

  @Test
  @DisplayName("POST /api/messages in someone else's name is refused 403 and stores nothing")
  void sendAsSomeoneElse() {
    ChatSystem.HttpResult result = http.call("POST", "/api/messages", MALLORY,
        new JsonObject().put("from_id", BOB).put("to_id", CAROL).put("message", "forged"));
    assertThat(result.status()).isEqualTo(403);
    assertThat(result.json().getJsonObject("error").getString("code")).isEqualTo("forbidden");
    assertBobAndCarolUntouched();
  }

  @Test
  @DisplayName("GET /api/presence/:id tells only online state and last seen, never whom a user talks to")
  void presenceIsTheOnlyPublicFact() {
    JsonObject presence = http.call("GET", "/api/presence/" + BOB, MALLORY, null).json();
    assertThat(presence.fieldNames()).containsExactlyInAnyOrder("user_id", "online", "last_seen");
  }

  // ---- WebSocket: every frame type ----

  @Test
  @DisplayName("bind as someone else: forbidden, closed with 1008, and that user does not come online")
  void bindFrame() {
    try (TestClient mallory = sockets.open(MALLORY)) {
      mallory.expect("init");
      mallory.send(new JsonObject().put("type", "bind").put("fromId", BOB));
      mallory.expectError("forbidden", "bind");
      assertThat(mallory.awaitClose()).isEqualTo((short) 1008);
    }
    assertThat(http.call("GET", "/api/presence/" + BOB, MALLORY, null).json().getBoolean("online")).isFalse();
  }

  @Test
  @DisplayName("heart naming someone else is only a heartbeat of the sender's own socket")
  void heartFrame() {
    long neverConnected = 7699;
    try (TestClient mallory = sockets.connect(MALLORY)) {
      mallory.send(RaceFreeSockets.heart(neverConnected));
      assertThat(RaceFreeSockets.next(mallory).getString("type")).isEqualTo("heart");
      assertThat(http.call("GET", "/api/presence/" + neverConnected, MALLORY, null).json().getBoolean("online"))
          .isFalse();
    }
  }

  @Test
  @DisplayName("online in someone else's name is refused, and their connection gets no subscription from it")
  void onlineFrame() {
    try (TestClient bob = sockets.connect(BOB); TestClient mallory = sockets.connect(MALLORY)) {
      mallory.send(new JsonObject().put("type", "online").put("from_id", BOB).put("to_id", CAROL));
      mallory.expectError("forbidden", "online");
      try (TestClient carol = sockets.connect(CAROL)) {
        RaceFreeSockets.assertAlive(carol, CAROL);
      }
      // had Bob's connection been subscribed to Carol, her coming online would be pushed before this heart
      RaceFreeSockets.assertAlive(bob, BOB);
    }
  }

  @Test
  @DisplayName("say in someone else's name is refused and stores nothing")
  void sayFrame() {
    try (TestClient mallory = sockets.connect(MALLORY)) {
      mallory.send(MessagingTestSupport.say(BOB, CAROL, "forged", "f1"));
      mallory.expectError("forbidden", "f1");
    }
    assertBobAndCarolUntouched();
  }

  @Test
  @DisplayName("sync returns only the token user's inbox, from any cursor")
  void syncFrame() {
    try (TestClient mallory = sockets.connect(MALLORY)) {
      mallory.send(new JsonObject().put("type", "sync").put("since", 0).put("user_id", CAROL));
      JsonObject page = mallory.expect("sync");
      assertThat(page.getJsonArray("messages")).isEmpty();
    }
  }

  @Test
  @DisplayName("read marks only the token user's inbox, even given another conversation's message id")
  void readFrame() {
    try (TestClient mallory = sockets.connect(MALLORY)) {
      mallory.send(new JsonObject().put("type", "read").put("peer", BOB).put("up_to", bobToCarol));
      assertThat(mallory.expectReadAnswer().getLong("countNum")).isZero();
      mallory.send(new JsonObject().put("type", "read").put("peer", CAROL));
      assertThat(mallory.expectReadAnswer().getLong("countNum")).isZero();
    }
    assertBobAndCarolUntouched();
  }
}
