package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.message.MessageStoreVerticle;
import io.vertx.core.Future;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.deployment.DeploymentContext;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The HTTP API's refusals: the right status, and always a JSON body {"error":{"code","message"}}. */
class HttpErrorsTest {

  private static final int MAX_BODY = 1024;

  private static ChatSystem system;
  private static RaceFreeHttp http;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("httperrors", Map.of("CHAT_MAX_BODY_BYTES", Integer.toString(MAX_BODY)));
    http = new RaceFreeHttp(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  /** The response has this status and a JSON error with this code and a message. */
  private static JsonObject assertError(ChatSystem.HttpResult result, int status, String code) {
    assertThat(result.status()).as("status of %s", result).isEqualTo(status);
    assertThat(result.body()).as("body of %s", result).isNotNull();
    JsonObject error = result.json().getJsonObject("error");
    assertThat(error).as("error object of %s", result).isNotNull();
    assertThat(error.getString("code")).as("code of %s", result).isEqualTo(code);
    assertThat(error.getString("message")).as("message of %s", result).isNotBlank();
    return error;
  }

  private static ChatSystem.HttpResult postMessage(RaceFreeHttp client, long userId, String rawBody) {
    return client.callRaw("POST", "/api/messages", Map.of("Authorization", "Bearer " + ChatSystem.token(userId)),
        rawBody);
  }

  @Test
  @DisplayName("a body that is not JSON, or JSON that is not an object, is refused with 400 invalid_json")
  void bodyNotAJsonObject() {
    for (String body : new String[] {"{not json", "[1,2]", "42", "\"text\"", "null"}) {
      assertError(postMessage(http, 601, body), 400, "invalid_json");
    }
    // no body at all
    assertError(http.call("POST", "/api/messages", 601, null), 400, "invalid_json");
    assertError(http.call("POST", "/api/messages/read", 601, "[]"), 400, "invalid_json");
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 601")).isZero();
  }

  @Test
  @DisplayName("a send without a good to_id or message is refused with 400 invalid_field")
  void sendWithBadFields() {
    assertError(http.call("POST", "/api/messages", 602, new JsonObject().put("message", "to nobody")),
        400, "invalid_field");
    assertError(http.call("POST", "/api/messages", 602,
        new JsonObject().put("to_id", "abc").put("message", "hi")), 400, "invalid_field");
    assertError(http.call("POST", "/api/messages", 602,
        new JsonObject().put("to_id", -4).put("message", "hi")), 400, "invalid_field");
    assertError(http.call("POST", "/api/messages", 602, new JsonObject().put("to_id", 603)),
        400, "invalid_field");
    assertError(http.call("POST", "/api/messages", 602,
        new JsonObject().put("to_id", 603).put("message", "")), 400, "invalid_field");
    assertError(http.call("POST", "/api/messages/read", 602, new JsonObject().put("peer", "x")),
        400, "invalid_field");
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 602")).isZero();
  }

  @Test
  @DisplayName("history with a bad peer, limit or mark_read query parameter is refused with 400 invalid_field")
  void historyWithBadParameters() {
    for (String query : List.of("", "?peer=abc", "?peer=-1", "?peer=0", "?peer=605&limit=abc", "?peer=605&limit=0",
        "?peer=605&limit=-5", "?peer=605&before=x", "?peer=605&mark_read=maybe")) {
      assertError(http.call("GET", "/api/messages" + query, 604, null), 400, "invalid_field");
    }
    // the same request with good parameters is answered
    ChatSystem.HttpResult good = http.call("GET", "/api/messages?peer=605&limit=5&mark_read=false", 604,
        null);
    assertThat(good.status()).isEqualTo(200);
    assertThat(good.json().getJsonArray("messages")).isEmpty();
  }

  @Test
  @DisplayName("a request without a token is refused with 401 unauthorized")
  void noToken() {
    assertError(http.call("GET", "/api/messages?peer=2", 0, null), 401, "unauthorized");
    assertError(http.call("POST", "/api/messages", 0, new JsonObject().put("to_id", 2).put("message", "x")),
        401, "unauthorized");
  }

  @Test
  @DisplayName("an unknown route is refused with 404 not_found, under /api and outside it")
  void unknownRoutes() {
    assertError(http.call("GET", "/api/nothing-here", 606, null), 404, "not_found");
    assertError(http.call("GET", "/nothing-here", 0, null), 404, "not_found");
    // "/" is the chat page; a missing file next to it is not found like anything else
    assertError(http.call("GET", "/client/nothing-here.js", 0, null), 404, "not_found");
  }

  @Test
  @DisplayName("a body larger than CHAT_MAX_BODY_BYTES is refused with 413 and nothing is stored")
  void bodyTooLarge() {
    JsonObject big = new JsonObject().put("to_id", 608).put("message", "z".repeat(MAX_BODY));
    ChatSystem.HttpResult result = http.call("POST", "/api/messages", 607, big);
    assertThat(result.status()).as("status of %s", result).isEqualTo(413);
    JsonObject error = result.json().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("too_large");
    assertThat(error.getString("message")).isNotBlank();
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 607")).isZero();

    // just under the limit passes
    JsonObject fits = new JsonObject().put("to_id", 608).put("message", "z".repeat(MAX_BODY / 2));
    assertThat(http.call("POST", "/api/messages", 607, fits).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("a cid reused for a different text is refused with 409 cid_conflict; the first message stays")
  void cidConflict() {
    ChatSystem.HttpResult first = http.call("POST", "/api/messages", 611,
        new JsonObject().put("to_id", 612).put("message", "original").put("cid", "h-1"));
    assertThat(first.status()).isEqualTo(201);
    assertError(http.call("POST", "/api/messages", 611,
        new JsonObject().put("to_id", 612).put("message", "changed").put("cid", "h-1")), 409, "cid_conflict");
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 611")).isEqualTo(1);
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 611 AND body = 'original'")).isEqualTo(1);
  }

  @Test
  @DisplayName("a message to oneself is refused with 400 self_message")
  void selfMessage() {
    assertError(http.call("POST", "/api/messages", 613,
        new JsonObject().put("to_id", 613).put("message", "me to me")), 400, "self_message");
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 613")).isZero();
  }

  @Test
  @DisplayName("with the message service gone, HTTP answers 503 with Retry-After and a say gets a retryable error")
  void messageServiceGone() {
    // a system of its own: taking its message service away would break the other tests
    try (ChatSystem broken = ChatSystem.start("httperrors-gone", Map.of("CHAT_BUS_TIMEOUT_MS", "1000"))) {
      RaceFreeSockets sockets = new RaceFreeSockets(broken);
      RaceFreeHttp brokenHttp = new RaceFreeHttp(broken);
      try (TestClient client = sockets.connect(621)) {
        undeployMessageService(broken);

        ChatSystem.HttpResult result = postMessage(brokenHttp, 621,
            new JsonObject().put("to_id", 622).put("message", "into the void").encode());
        assertThat(result.status()).as("status of %s", result).isEqualTo(503);
        assertThat(result.retryAfter()).isNotBlank();
        JsonObject error = result.json().getJsonObject("error");
        assertThat(error.getString("code")).isIn("unavailable", "timeout");
        assertThat(error.getString("message")).isNotBlank();

        client.send(new JsonObject().put("type", "say").put("from_id", 621).put("to_id", 622)
            .put("data", "into the void").put("cid", "gone-1"));
        JsonObject frame = RaceFreeSockets.next(client);
        assertThat(frame.getString("type")).as("answer %s", frame).isEqualTo("error");
        assertThat(frame.getString("code")).isEqualTo("unavailable");
        assertThat(frame.getString("ref")).isEqualTo("gone-1");
        assertThat(frame.getBoolean("retryable")).isTrue();
        assertThat(frame.getString("message")).isNotBlank();
        // the socket itself is fine: only storage is missing
        RaceFreeSockets.assertAlive(client, 621);
        assertThat(broken.count("SELECT count(*) FROM messages")).isZero();
      }
    }
  }

  /**
   * Undeploys every deployment whose verticle is the message store. Vert.x 5 has no public way to tell which
   * deployment holds which verticle, so this looks through the deployment manager of vertx-core's internal API.
   */
  private static void undeployMessageService(ChatSystem target) {
    VertxInternal vertx = (VertxInternal) target.vertx;
    List<String> ids = vertx.deploymentManager().deployments().stream()
        .filter(deployment -> deployment.deployment().instances().stream()
            .anyMatch(MessageStoreVerticle.class::isInstance))
        .map(DeploymentContext::id)
        .toList();
    assertThat(ids).as("message store deployments").isNotEmpty();
    ChatSystem.await(Future.all(ids.stream().map(target.vertx::undeploy).toList()));
    assertThat(target.vertx.deploymentIDs()).doesNotContainAnyElementsOf(ids);
  }
}
