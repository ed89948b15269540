package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Token buckets per connection (frames), per user (messages over WebSocket and HTTP together, HTTP requests) and
 * the quota of sockets per user: each refusal is an explicit error that says when to retry, and a client that keeps
 * pushing into the limit is disconnected.
 */
class RateLimitTest {

  private static final int FRAME_BURST = 10;
  private static final int MESSAGE_BURST = 3;
  private static final int HTTP_BURST = 5;
  private static final int STRIKES = 5;
  private static final int CONNECTIONS = 2;

  private static ChatSystem system;
  private static RaceFreeSockets sockets;
  private static RaceFreeHttp http;

  @BeforeAll
  static void start() {
    Map<String, String> limits = new HashMap<>();
    limits.put("CHAT_FRAMES_PER_SECOND", "5");
    limits.put("CHAT_FRAME_BURST", Integer.toString(FRAME_BURST));
    limits.put("CHAT_MESSAGES_PER_MINUTE", "6");
    limits.put("CHAT_MESSAGE_BURST", Integer.toString(MESSAGE_BURST));
    limits.put("CHAT_HTTP_REQUESTS_PER_SECOND", "1");
    limits.put("CHAT_HTTP_BURST", Integer.toString(HTTP_BURST));
    limits.put("CHAT_RATE_STRIKES", Integer.toString(STRIKES));
    limits.put("CHAT_MAX_CONNECTIONS_PER_USER", Integer.toString(CONNECTIONS));
    system = ChatSystem.start("ratelimits", limits);
    sockets = new RaceFreeSockets(system);
    http = new RaceFreeHttp(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  private static JsonObject assertRateLimited(JsonObject frame, Object ref) {
    assertThat(frame.getString("type")).as("answer %s", frame).isEqualTo("error");
    assertThat(frame.getString("code")).as("code of %s", frame).isEqualTo("rate_limited");
    assertThat(frame.getValue("ref")).isEqualTo(ref);
    assertThat(frame.getBoolean("retryable")).isTrue();
    assertThat(frame.getLong("retry_after_ms")).as("retry hint of %s", frame).isPositive();
    return frame;
  }

  @Test
  @DisplayName("frames beyond a connection's burst get rate_limited with a retry hint; after that wait they pass again")
  void framesPerConnection() {
    try (TestClient client = sockets.connect(7001); TestClient otherDevice = sockets.connect(7001)) {
      // bind and a heart used two tokens of the burst
      for (int i = 2; i < FRAME_BURST; i++) {
        client.send(RaceFreeSockets.heart(7001));
      }
      for (int i = 2; i < FRAME_BURST; i++) {
        assertThat(RaceFreeSockets.next(client).getString("type")).isEqualTo("heart");
      }
      client.send(RaceFreeSockets.heart(7001));
      JsonObject refusal = assertRateLimited(RaceFreeSockets.next(client), null);
      assertThat(refusal.getString("message")).contains("frames per second");

      // the bucket is the connection's: the same user's other device is not affected
      RaceFreeSockets.assertAlive(otherDevice, 7001);

      // the hint is the time until the next token: a heart sent once it has passed is answered
      system.vertx.setTimer(refusal.getLong("retry_after_ms"), id -> client.send(RaceFreeSockets.heart(7001)));
      assertThat(RaceFreeSockets.next(client)).isEqualTo(new JsonObject().put("type", "heart"));
    }
  }

  @Test
  @DisplayName("a client that keeps sending into the limit is closed with 1008 after the configured strikes")
  void persistentAbuseIsDisconnected() {
    try (TestClient client = sockets.connect(7011)) {
      for (int i = 0; i < FRAME_BURST + STRIKES * 4; i++) {
        client.send(RaceFreeSockets.heart(7011));
      }
      assertThat(client.awaitClose()).isEqualTo((short) 1008);
      // exactly STRIKES unless a token refilled in the middle of the burst (a slow machine), which starts the count
      // again: never fewer
      long refusals = client.drain().stream().filter(frame -> "rate_limited".equals(frame.getString("code"))).count();
      assertThat(refusals).isGreaterThanOrEqualTo(STRIKES);
    }
  }

  @Test
  @DisplayName("messages per user are limited across WebSocket and HTTP; refused ones are not stored")
  void messagesPerUser() {
    try (TestClient sender = sockets.connect(7021)) {
      for (int i = 1; i <= MESSAGE_BURST; i++) {
        sender.send(MessagingTestSupport.say(7021, 7022, "message " + i, "m" + i));
        assertThat(MessagingTestSupport.expectAck(sender).getString("cid")).isEqualTo("m" + i);
      }
      sender.send(MessagingTestSupport.say(7021, 7022, "one too many", "m4"));
      JsonObject refusal = assertRateLimited(RaceFreeSockets.next(sender), "m4");
      assertThat(refusal.getString("message")).contains("messages per minute");

      ChatSystem.HttpResult viaHttp = http.call("POST", "/api/messages", 7021,
          new JsonObject().put("to_id", 7022).put("message", "over http"));
      assertThat(viaHttp.status()).isEqualTo(429);
      assertThat(viaHttp.json().getJsonObject("error").getString("code")).isEqualTo("rate_limited");
      assertThat(Long.parseLong(viaHttp.retryAfter())).isPositive();

      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 7021")).isEqualTo(MESSAGE_BURST);
      // another user still sends
      ChatSystem.HttpResult other = http.call("POST", "/api/messages", 7022,
          new JsonObject().put("to_id", 7021).put("message", "hello"));
      assertThat(other.status()).isEqualTo(201);
    }
  }

  @Test
  @DisplayName("HTTP requests per user beyond the burst get 429 with Retry-After; other users are unaffected")
  void httpRequestsPerUser() {
    for (int i = 0; i < HTTP_BURST; i++) {
      assertThat(http.call("GET", "/api/messages/unread", 7031, null).status()).isEqualTo(200);
    }
    ChatSystem.HttpResult refused = http.call("GET", "/api/messages/unread", 7031, null);
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.retryAfter()).isEqualTo("1");
    assertThat(refused.json().getJsonObject("error").getString("code")).isEqualTo("rate_limited");
    assertThat(http.call("GET", "/api/messages/unread", 7032, null).status()).isEqualTo(200);
  }

  @Test
  @DisplayName("a user's sockets beyond the quota are refused with 429; closing one makes room again")
  void connectionsPerUser() {
    WebSocketConnectOptions third = new WebSocketConnectOptions().setURI("/ws?token=" + ChatSystem.token(7041));
    TestClient first = sockets.connect(7041);
    try (TestClient second = sockets.connect(7041)) {
      assertThat(sockets.rejectedStatus(third)).isEqualTo(429);
      first.close();
      // the server counts the socket out when its close completes: try again until then, with a deadline
      long deadline = System.nanoTime() + ChatSystem.AWAIT.toNanos();
      TestClient replacement = null;
      while (replacement == null) {
        try {
          replacement = sockets.open(new WebSocketConnectOptions().setURI(third.getURI()));
        } catch (AssertionError refusedStill) {
          assertThat(System.nanoTime()).as("a socket slot freed in time").isLessThan(deadline);
        }
      }
      replacement.expect("init");
      replacement.close();
    }
  }
}
