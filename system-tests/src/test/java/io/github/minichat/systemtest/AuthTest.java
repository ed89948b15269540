package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Who may connect (a valid token at the handshake) and that a connection can only speak for its own user. */
class AuthTest {

  private static ChatSystem system;
  private static RaceFreeSockets sockets;
  private static RaceFreeHttp http;

  @BeforeAll
  static void start() {
    // one subscription per connection, so a refused 'online' that had subscribed anyway would show
    system = ChatSystem.start("auth", Map.of("CHAT_MAX_PRESENCE_SUBSCRIPTIONS", "1"));
    sockets = new RaceFreeSockets(system);
    http = new RaceFreeHttp(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  // ---- tokens ----

  private static final Algorithm RIGHT_KEY = Algorithm.HMAC256(ChatSystem.SECRET);

  /** A token for sub "5" that differs from a good one only in what the case names. */
  static Stream<Arguments> badTokens() {
    Instant now = Instant.now();
    return Stream.of(
        Arguments.of("no token at all", null),
        Arguments.of("an empty token", ""),
        Arguments.of("a malformed token", "not-a-jwt"),
        Arguments.of("a token of three garbage parts", "abc.def.ghi"),
        Arguments.of("a token signed with another secret", JWT.create().withSubject("5")
            .withExpiresAt(now.plusSeconds(3600)).sign(Algorithm.HMAC256("some-other-secret"))),
        Arguments.of("a token signed with another algorithm (HS512, right secret)", JWT.create().withSubject("5")
            .withExpiresAt(now.plusSeconds(3600)).sign(Algorithm.HMAC512(ChatSystem.SECRET))),
        Arguments.of("a token expired 60 s ago (beyond the 30 s leeway)", JWT.create().withSubject("5")
            .withIssuedAt(now.minusSeconds(3600)).withExpiresAt(now.minusSeconds(60)).sign(RIGHT_KEY)),
        Arguments.of("a token not valid for another 120 s (nbf beyond the leeway)", JWT.create().withSubject("5")
            .withIssuedAt(now).withNotBefore(now.plusSeconds(120)).withExpiresAt(now.plusSeconds(3600))
            .sign(RIGHT_KEY)),
        Arguments.of("an alg:none token", unsigned("{\"alg\":\"none\",\"typ\":\"JWT\"}", "{\"sub\":\"5\"}")),
        Arguments.of("an alg:none token that claims HS256 without a signature",
            unsigned("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"sub\":\"5\"}")),
        Arguments.of("a token whose sub is not a number", withSubject("abc")),
        Arguments.of("a token whose sub is zero", withSubject("0")),
        Arguments.of("a token whose sub is negative", withSubject("-7")),
        Arguments.of("a token whose sub is a fraction", withSubject("1.5")),
        Arguments.of("a token whose sub does not fit a long", withSubject("99999999999999999999")),
        Arguments.of("a token without sub", JWT.create().withExpiresAt(now.plusSeconds(3600)).sign(RIGHT_KEY)));
  }

  private static String withSubject(String subject) {
    return JWT.create().withSubject(subject).withExpiresAt(Instant.now().plusSeconds(3600)).sign(RIGHT_KEY);
  }

  /** header.payload. with an empty signature, base64url without padding as JWTs are written. */
  private static String unsigned(String header, String payload) {
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    return encoder.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
        + encoder.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".";
  }

  private static WebSocketConnectOptions withQueryToken(String token) {
    return new WebSocketConnectOptions().setURI(token == null ? "/ws" : "/ws?token=" + token);
  }

  private static WebSocketConnectOptions withBearer(String token) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setURI("/ws");
    return token == null ? options : options.addHeader("Authorization", "Bearer " + token);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTokens")
  @DisplayName("the WebSocket upgrade is refused with 401 for a bad token in the query string")
  void upgradeRefusedWithQueryToken(String description, String token) {
    assertThat(sockets.rejectedStatus(withQueryToken(token))).as(description).isEqualTo(401);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTokens")
  @DisplayName("the WebSocket upgrade is refused with 401 for a bad token in Authorization: Bearer")
  void upgradeRefusedWithBearerToken(String description, String token) {
    assertThat(sockets.rejectedStatus(withBearer(token))).as(description).isEqualTo(401);
  }

  @Test
  @DisplayName("an Authorization header that is not Bearer (Basic) is refused with 401")
  void upgradeRefusedWithBasicAuth() {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setURI("/ws")
        .addHeader("Authorization", "Basic " + Base64.getEncoder().encodeToString("5:secret".getBytes()));
    assertThat(sockets.rejectedStatus(options)).isEqualTo(401);
  }

  @Test
  @DisplayName("a good token is accepted in ?token= and in Authorization: Bearer, and the socket speaks for its user")
  void goodTokensAccepted() {
    try (TestClient byQuery = sockets.open(withQueryToken(ChatSystem.token(401)));
         TestClient byHeader = sockets.open(withBearer(ChatSystem.token(402)))) {
      for (TestClient client : new TestClient[] {byQuery, byHeader}) {
        client.expect("init");
      }
      byQuery.send(new JsonObject().put("type", "bind").put("fromId", 401));
      byHeader.send(new JsonObject().put("type", "bind").put("fromId", 402));
      RaceFreeSockets.assertAlive(byQuery, 401);
      RaceFreeSockets.assertAlive(byHeader, 402);

      // the header socket really is user 402: a message from the query socket reaches it
      byQuery.send(new JsonObject().put("type", "say").put("from_id", 401).put("to_id", 402).put("data", "hi 402"));
      JsonObject text = byHeader.expect("text");
      assertThat(text.getLong("from_id")).isEqualTo(401);
      assertThat(text.getString("data")).isEqualTo("hi 402");
    }
  }

  @Test
  @DisplayName("a token expired 10 s ago is still accepted: the 30 s leeway absorbs clock skew")
  void leewayAcceptsSlightlyExpiredToken() {
    Instant now = Instant.now();
    String token = JWT.create().withSubject("403").withIssuedAt(now.minusSeconds(3600))
        .withExpiresAt(now.minusSeconds(10)).sign(RIGHT_KEY);
    try (TestClient client = sockets.open(withQueryToken(token))) {
      client.expect("init");
      client.send(new JsonObject().put("type", "bind").put("fromId", 403));
      RaceFreeSockets.assertAlive(client, 403);
    }
  }

  // ---- HTTP API ----

  @Test
  @DisplayName("the HTTP API refuses a request without a token with 401 and a JSON error 'unauthorized'")
  void httpWithoutToken() {
    ChatSystem.HttpResult result = http.call("GET", "/api/messages/unread", 0, null);
    assertUnauthorized(result);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTokens")
  @DisplayName("the HTTP API refuses a bad bearer token with 401 and a JSON error 'unauthorized'")
  void httpWithBadToken(String description, String token) {
    Map<String, String> headers = token == null ? Map.of() : Map.of("Authorization", "Bearer " + token);
    assertUnauthorized(http.callRaw("GET", "/api/messages/unread", headers, null));
  }

  @Test
  @DisplayName("a send over HTTP without a token stores nothing")
  void httpSendWithoutTokenStoresNothing() {
    ChatSystem.HttpResult result = http.call("POST", "/api/messages", 0,
        new JsonObject().put("to_id", 411).put("message", "anonymous"));
    assertUnauthorized(result);
    assertThat(system.count("SELECT count(*) FROM messages WHERE body = 'anonymous'")).isZero();
  }

  private static void assertUnauthorized(ChatSystem.HttpResult result) {
    assertThat(result.status()).as("status of %s", result).isEqualTo(401);
    JsonObject error = result.json().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("unauthorized");
    assertThat(error.getString("message")).isNotBlank();
  }

  // ---- impersonation ----

  @Test
  @DisplayName("a bind whose fromId is not the token's user gets a 'forbidden' error and a close with 1008")
  void bindAsSomeoneElse() {
    try (TestClient mallory = sockets.open(421)) {
      mallory.expect("init");
      mallory.send(new JsonObject().put("type", "bind").put("fromId", 422));
      mallory.expectError("forbidden", "bind");
      assertThat(mallory.awaitClose()).isEqualTo((short) 1008);
    }
    // the impersonated user did not come online through it
    JsonObject presence = http.call("GET", "/api/presence/422", 423, null).json();
    assertThat(presence.getBoolean("online")).isFalse();
  }

  @Test
  @DisplayName("a say whose from_id is not the token's user gets a 'forbidden' error, stores and delivers nothing")
  void sayAsSomeoneElse() {
    try (TestClient mallory = sockets.connect(431); TestClient victim = sockets.connect(432);
         TestClient target = sockets.connect(433)) {
      mallory.send(new JsonObject().put("type", "say").put("from_id", 432).put("to_id", 433)
          .put("data", "forged by 431"));
      mallory.expectError("forbidden", "say");
      // with a cid the error names the cid
      mallory.send(new JsonObject().put("type", "say").put("from_id", 432).put("to_id", 433)
          .put("data", "forged by 431 with cid").put("cid", "forged-1"));
      mallory.expectError("forbidden", "forged-1");
      RaceFreeSockets.assertAlive(mallory, 431);

      // a legitimate message afterwards is the first and only text the target gets
      victim.send(new JsonObject().put("type", "say").put("from_id", 432).put("to_id", 433).put("data", "real"));
      JsonObject text = target.expect("text");
      assertThat(text.getString("data")).isEqualTo("real");
      assertThat(text.getLong("seq")).isEqualTo(1);
      assertThat(system.count("SELECT count(*) FROM messages WHERE body LIKE 'forged%'")).isZero();
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 432")).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("an online query whose from_id is not the token's user gets a 'forbidden' error and subscribes nothing")
  void onlineAsSomeoneElse() {
    try (TestClient mallory = sockets.connect(441)) {
      mallory.send(new JsonObject().put("type", "online").put("from_id", 442).put("to_id", 443));
      mallory.expectError("forbidden", "online");
      // this system allows one subscription per connection: had the refused query subscribed, this one would not fit
      mallory.send(new JsonObject().put("type", "online").put("from_id", 441).put("to_id", 444));
      JsonObject answer = RaceFreeSockets.next(mallory);
      assertThat(answer.getString("type")).as("answer %s", answer).isEqualTo("online");
      assertThat(answer.getLong("user_id")).isEqualTo(444);
    }
  }
}
