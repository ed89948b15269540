package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Limits on the shape of input: JSON nesting, number length and duplicate keys (on frames and request bodies), text
 * that PostgreSQL could not store as sent, and page sizes of history and sync.
 */
class InputLimitsTest {

  private static final int DEPTH = 4;
  private static final int PAGE = 5;

  private static ChatSystem system;
  private static RaceFreeSockets sockets;
  private static RaceFreeHttp http;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("inputlimits", Map.of(
        "CHAT_MAX_JSON_DEPTH", Integer.toString(DEPTH),
        "CHAT_MAX_HISTORY_PAGE", Integer.toString(PAGE),
        "CHAT_MAX_SYNC_PAGE", Integer.toString(PAGE)));
    sockets = new RaceFreeSockets(system);
    http = new RaceFreeHttp(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  private static String nested(int depth) {
    return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
  }

  private static void refused(TestClient client, long userId, String raw, String code, String messagePart) {
    client.sendRaw(raw);
    JsonObject error = RaceFreeSockets.next(client);
    assertThat(error.getString("type")).as("answer to %s: %s", raw, error).isEqualTo("error");
    assertThat(error.getString("code")).as("code of %s", error).isEqualTo(code);
    assertThat(error.getString("message")).contains(messagePart);
    RaceFreeSockets.assertAlive(client, userId);
  }

  @Test
  @DisplayName("frames nested too deep, with overlong numbers or duplicate keys are refused as invalid_json")
  void jsonShapeOfFrames() {
    try (TestClient client = sockets.connect(7101)) {
      String deep = "{\"type\":\"say\",\"to_id\":7102,\"data\":\"x\",\"cid\":\"d1\",\"extra\":" + nested(DEPTH) + "}";
      refused(client, 7101, deep, "invalid_json", "nested deeper than " + DEPTH);
      refused(client, 7101, "{\"type\":\"say\",\"to_id\":1" + "0".repeat(40) + ",\"data\":\"x\"}", "invalid_json",
          "more than 32 digits");
      refused(client, 7101, "{\"type\":\"say\",\"to_id\":7102,\"data\":\"a\",\"data\":\"b\"}", "invalid_json",
          "appears twice");
      // exactly at the limit is fine
      client.sendRaw("{\"type\":\"heart\",\"extra\":" + nested(DEPTH - 1) + "}");
      assertThat(RaceFreeSockets.next(client).getString("type")).isEqualTo("heart");
    }
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 7101")).isZero();
  }

  @Test
  @DisplayName("request bodies get the same JSON limits, answered 400 invalid_json")
  void jsonShapeOfBodies() {
    ChatSystem.HttpResult deep = http.callRaw("POST", "/api/messages", bearer(7111),
        "{\"to_id\":7112,\"message\":\"x\",\"extra\":" + nested(DEPTH) + "}");
    assertThat(deep.status()).isEqualTo(400);
    assertThat(deep.json().getJsonObject("error").getString("code")).isEqualTo("invalid_json");
    ChatSystem.HttpResult duplicate = http.callRaw("POST", "/api/messages", bearer(7111),
        "{\"to_id\":7112,\"message\":\"a\",\"to_id\":7113}");
    assertThat(duplicate.status()).isEqualTo(400);
    assertThat(duplicate.json().getJsonObject("error").getString("message")).contains("appears twice");
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 7111")).isZero();
  }

  @Test
  @DisplayName("text with a NUL character or a lone surrogate is refused, not altered on its way to the database")
  void unstorableText() {
    try (TestClient client = sockets.connect(7121)) {
      refused(client, 7121, "{\"type\":\"say\",\"to_id\":7122,\"data\":\"a\\u0000b\"}", "invalid_field", "NUL");
      refused(client, 7121, "{\"type\":\"say\",\"to_id\":7122,\"data\":\"a\\ud800b\"}", "invalid_field",
          "unpaired surrogate");
      refused(client, 7121, "{\"type\":\"say\",\"to_id\":7122,\"data\":\"\\udc00\"}", "invalid_field",
          "unpaired surrogate");
    }
    ChatSystem.HttpResult nul = http.call("POST", "/api/messages", 7121,
        "{\"to_id\":7122,\"message\":\"a\\u0000b\"}");
    assertThat(nul.status()).isEqualTo(400);
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 7121")).isZero();
  }

  @Test
  @DisplayName("history and sync pages are capped at the configured size, with has_more")
  void pageSizesAreCapped() {
    for (int i = 0; i < PAGE + 3; i++) {
      assertThat(http.call("POST", "/api/messages", 7131,
          new JsonObject().put("to_id", 7132).put("message", "m" + i)).status()).isEqualTo(201);
    }
    JsonObject history = http.call("GET", "/api/messages?peer=7131&limit=1000&mark_read=false", 7132, null).json();
    assertThat(history.getJsonArray("messages")).hasSize(PAGE);
    assertThat(history.getBoolean("has_more")).isTrue();
    try (TestClient reader = sockets.connect(7132)) {
      reader.send(new JsonObject().put("type", "sync").put("since", 0).put("limit", 1000));
      JsonObject page = reader.expect("sync");
      assertThat(page.getJsonArray("messages")).hasSize(PAGE);
      assertThat(page.getBoolean("has_more")).isTrue();
    }
  }

  private static Map<String, String> bearer(long userId) {
    return Map.of("Authorization", "Bearer " + ChatSystem.token(userId));
  }
}
