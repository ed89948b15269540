package io.github.minichat.gateway;

import io.github.minichat.common.UserTokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.minichat.platform.Env;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GatewayConnectionCapTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  @DisplayName("CHAT_MAX_CONNECTIONS is read, 0 (no cap) by default, and a negative value is refused")
  void setting() {
    assertThat(GatewayConfig.from(new Env(Map.of()), "node").limits().maxConnections()).isZero();
    assertThat(GatewayConfig.from(new Env(Map.of("CHAT_MAX_CONNECTIONS", "10000")), "node").limits().maxConnections())
        .isEqualTo(10_000);
    assertThatThrownBy(() -> GatewayConfig.from(new Env(Map.of("CHAT_MAX_CONNECTIONS", "-1")), "node"))
        .hasMessageContaining("CHAT_MAX_CONNECTIONS");
  }

  @Test
  @DisplayName("past CHAT_MAX_CONNECTIONS sockets (all users, all event loops) the upgrade gets 503 with Retry-After; a closed socket frees its place")
  void capRefusesUpgrades() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    GatewayConfig config = GatewayConfig.from(new Env(Map.of("CHAT_HTTP_HOST", "127.0.0.1",
        "CHAT_HTTP_PORT", Integer.toString(port), "CHAT_GATEWAY_INSTANCES", "2", "CHAT_MAX_CONNECTIONS", "2")), "cap-test");
    GatewayMain.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    WebSocketClient client = vertx.createWebSocketClient();

    WebSocket first = connect(client, port, 1).await(10, TimeUnit.SECONDS);
    connect(client, port, 2).await(10, TimeUnit.SECONDS);
    Throwable refused = connect(client, port, 3).map(socket -> (Throwable) null).otherwise(failure -> failure)
        .await(10, TimeUnit.SECONDS);
    assertThat(refused).isInstanceOf(UpgradeRejectedException.class);
    UpgradeRejectedException rejected = (UpgradeRejectedException) refused;
    assertThat(rejected.getStatus()).isEqualTo(503);
    assertThat(rejected.getHeaders().get("Retry-After")).isEqualTo("1");

    first.close().await(10, TimeUnit.SECONDS);
    // the close reaches the gateway a moment later: try until its place is free
    WebSocket third = Awaitility.await("a closed socket frees its place").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50)).ignoreException(UpgradeRejectedException.class)
        .until(() -> connect(client, port, 3).await(10, TimeUnit.SECONDS), Objects::nonNull);
    assertThat(third.isClosed()).isFalse();
  }

  private Future<WebSocket> connect(WebSocketClient client, int port, long user) {
    String token = UserTokens.mint(UserTokens.DEV_SECRET, user, Duration.ofMinutes(5));
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI(GatewayVerticle.WEBSOCKET_PATH + "?token=" + token));
  }
}
