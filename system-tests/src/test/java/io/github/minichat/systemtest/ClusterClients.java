package io.github.minichat.systemtest;

import io.github.minichat.common.UserTokens;
import io.github.minichat.gateway.TokenVerifier;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** Real WebSocket clients for gateways running in other processes. */
final class ClusterClients implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final WebSocketClient webSockets = vertx.createWebSocketClient(new WebSocketClientOptions()
      .setMaxConnections(1_000));

  /** Opens a socket to the gateway on {@code port} as {@code userId}, waits for init and binds. */
  TestClient connect(int port, long userId) {
    ClientWebSocket webSocket = webSockets.webSocket();
    TestClient client = new TestClient(webSocket);
    ChatSystem.await(webSocket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/ws?token=" + UserTokens.mint(LocalCluster.SECRET, userId, Duration.ofHours(1)))));
    client.expect("init");
    client.send(new JsonObject().put("type", "bind").put("fromId", userId));
    client.send(new JsonObject().put("type", "heart"));
    client.expect("heart");
    return client;
  }

  /** Asks until the answer is online: a bind is registered with presence asynchronously. */
  static void awaitOnline(TestClient asker, long userId) {
    long deadline = System.nanoTime() + ChatSystem.AWAIT.toNanos();
    while (System.nanoTime() < deadline) {
      asker.send(new JsonObject().put("type", "online").put("to_id", userId));
      if (asker.expect(frame -> "online".equals(frame.getString("type")) && frame.getLong("user_id") == userId,
          "online answer").getBoolean("online")) {
        return;
      }
    }
    throw new AssertionError("user " + userId + " not online within " + ChatSystem.AWAIT);
  }

  Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() {
    ChatSystem.await(vertx.close());
  }
}
