package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

/**
 * Opens test sockets whose handlers are set before the handshake, so that the server's {@code init} (written the
 * moment the socket is accepted) cannot arrive before anyone listens: Vert.x drops frames that reach a WebSocket
 * with no handler, and a client built after {@code connect(...)} completes on the test thread races with it.
 * Used by the auth, error-frame, HTTP-error and idle-timeout tests.
 */
final class RaceFreeSockets {

  private final ChatSystem system;
  private final WebSocketClient client;

  RaceFreeSockets(ChatSystem system) {
    this.system = system;
    this.client = system.vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000)
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
  }

  /** Opens a socket with the user's token in the query string, without binding. */
  TestClient open(long userId) {
    return open(new WebSocketConnectOptions().setURI("/ws?token=" + ChatSystem.token(userId)));
  }

  /** Opens a socket with these options (host and port are the system's). */
  TestClient open(WebSocketConnectOptions options) {
    ClientWebSocket webSocket = client.webSocket();
    TestClient testClient = new TestClient(webSocket);
    ChatSystem.await(webSocket.connect(at(options)));
    return testClient;
  }

  /** Opens a socket, waits for init, binds, and waits for a heart round trip (so the bind is done). */
  TestClient connect(long userId) {
    return system.connect(userId);
  }

  /** The HTTP status with which the server refused the WebSocket upgrade; fails if the upgrade succeeded. */
  int rejectedStatus(WebSocketConnectOptions options) {
    Future<Throwable> outcome = client.connect(at(options))
        .transform(result -> {
          if (result.succeeded()) {
            result.result().close();
            return Future.failedFuture(new AssertionError("the upgrade was accepted: " + options.getURI()));
          }
          return Future.succeededFuture(result.cause());
        });
    Throwable failure = ChatSystem.await(outcome);
    assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
    return ((UpgradeRejectedException) failure).getStatus();
  }

  private WebSocketConnectOptions at(WebSocketConnectOptions options) {
    return options.setHost("127.0.0.1").setPort(system.port);
  }

  static JsonObject heart(long userId) {
    return new JsonObject().put("type", "heart").put("fromId", userId);
  }

  /**
   * Shows a socket still works and that nothing else was pending on it: a heart is answered with a heart, and that
   * answer is the very next frame (frames are answered in order, so anything owed before would come first).
   */
  static void assertAlive(TestClient testClient, long userId) {
    testClient.send(heart(userId));
    assertThat(next(testClient)).isEqualTo(new JsonObject().put("type", "heart"));
  }

  /** The next frame, whatever its type. */
  static JsonObject next(TestClient testClient) {
    return testClient.expect(frame -> true, "any frame");
  }
}
