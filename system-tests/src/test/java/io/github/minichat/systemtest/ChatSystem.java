package io.github.minichat.systemtest;

import io.github.minichat.launcher.AllInOneMain;
import io.github.minichat.common.UserTokens;
import io.github.minichat.platform.Env;
import io.github.minichat.platform.Node;
import io.github.minichat.gateway.TokenVerifier;
import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole system for a test class: its own database, presence, message service and a gateway on a free port,
 * deployed exactly as the all-in-one launcher does, plus real WebSocket and HTTP clients.
 */
final class ChatSystem implements AutoCloseable {

  static final String SECRET = "test-secret-for-the-chat-system-tests";
  static final Duration AWAIT = Duration.ofSeconds(10);
  /** Starting the whole system (a database migration, Vert.x, every verticle) on a busy machine takes longer. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  final Vertx vertx;
  final Node node;
  final PgConnectOptions database;
  final int port;
  private final RaceFreeHttp http;
  private final WebSocketClient webSockets;

  private ChatSystem(Node node, PgConnectOptions database, int port) {
    this.node = node;
    this.vertx = node.vertx();
    this.database = database;
    this.port = port;
    this.http = new RaceFreeHttp(this);
    this.webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000)
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
  }

  /** Rates far above anything a test sends, for tests about something else than rate limits. */
  static final Map<String, String> UNLIMITED_RATES = Map.of(
      "CHAT_FRAMES_PER_SECOND", "100000", "CHAT_FRAME_BURST", "100000",
      "CHAT_MESSAGES_PER_MINUTE", "1000000", "CHAT_MESSAGE_BURST", "100000",
      "CHAT_HTTP_REQUESTS_PER_SECOND", "100000", "CHAT_HTTP_BURST", "100000");

  /** Starts the system; {@code overrides} are extra environment variables (limits, timeouts). */
  static ChatSystem start(String purpose, Map<String, String> overrides) {
    PgConnectOptions database = TestDatabase.create(purpose);
    int port = TestPorts.free();
    Map<String, String> env = new HashMap<>();
    env.put("PG_URL", TestDatabase.url(database));
    env.put("CHAT_JWT_SECRET", SECRET);
    env.put("CHAT_HTTP_HOST", "127.0.0.1");
    env.put("CHAT_HTTP_PORT", Integer.toString(port));
    env.put("CHAT_GATEWAY_INSTANCES", "2");
    env.put("CHAT_PRESENCE_GRACE_MS", "300");
    // test clients are machines sending as fast as they can: the rate limits have tests of their own (RateLimitTest)
    env.putAll(UNLIMITED_RATES);
    env.putAll(overrides);
    // the blocked-thread checker fails loudly if anything blocks an event loop for more than 200 ms
    Node node = await(AllInOneMain.start(new Env(env), new VertxOptions()
        .setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)), START_TIMEOUT).node();
    return new ChatSystem(node, database, port);
  }

  static ChatSystem start(String purpose) {
    return start(purpose, Map.of());
  }

  static String token(long userId) {
    return UserTokens.mint(SECRET, userId, Duration.ofHours(1));
  }

  /** Opens a socket for the user (token in the query string), waits for init and binds. */
  TestClient connect(long userId) {
    TestClient client = open(userId);
    client.expect("init");
    client.send(new JsonObject().put("type", "bind").put("fromId", userId));
    // heart round trip: frames are handled in order, so the bind is done when the answer comes
    client.send(new JsonObject().put("type", "heart").put("fromId", userId));
    client.expect("heart");
    return client;
  }

  /** Opens a socket without binding. */
  TestClient open(long userId) {
    // handlers go on before the handshake: the server sends init straight after the upgrade
    ClientWebSocket webSocket = webSockets.webSocket();
    TestClient client = new TestClient(webSocket);
    await(webSocket.connect(new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI("/ws?token=" + token(userId))));
    return client;
  }

  Future<io.vertx.core.http.WebSocket> openRaw(WebSocketConnectOptions options) {
    return webSockets.connect(options.setHost("127.0.0.1").setPort(port));
  }

  /**
   * An HTTP call as {@code userId} (0: no token); the body, if any, is sent as JSON. Goes through the JDK's client
   * (see {@link RaceFreeHttp}).
   */
  HttpResult call(HttpMethod method, String uri, long userId, Object body) {
    return http.call(method.name(), uri, userId, body);
  }

  record HttpResult(int status, String retryAfter, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  long count(String sql) {
    return TestDatabase.queryLong(database, sql);
  }

  static <T> T await(Future<T> future) {
    return await(future, AWAIT);
  }

  static <T> T await(Future<T> future, Duration within) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("did not complete in " + within + ": " + e, e);
    }
  }

  @Override
  public void close() {
    await(node.close());
    TestDatabase.drop(database);
  }
}
