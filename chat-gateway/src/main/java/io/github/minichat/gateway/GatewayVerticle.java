package io.github.minichat.gateway;

import io.github.minichat.common.ChatException;
import io.github.minichat.ops.ChatMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One event loop's share of the gateway's HTTP server (several instances share the port): authenticates WebSocket
 * handshakes at {@code /ws}, mounts the HTTP API at {@code /api}, and closes sockets that stay silent too long.
 */
final class GatewayVerticle extends VerticleBase {

  /** Close code for idle sockets (application range; mirrors HTTP 408). */
  static final short IDLE_CLOSE_CODE = 4408;

  private static final AtomicLong CONNECTION_COUNTER = new AtomicLong();

  private final GatewayConfig config;
  private final LocalConnections connections;
  private final GatewayDrain drain;
  private final Set<ChatSocket> sockets = new HashSet<>();
  private TokenVerifier tokens;
  private ServiceClient services;

  GatewayVerticle(GatewayConfig config, LocalConnections connections, GatewayDrain drain) {
    this.config = config;
    this.connections = connections;
    this.drain = drain;
  }

  @Override
  public Future<?> start() {
    tokens = new TokenVerifier(config.jwtSecret(), config.jwtLeeway());
    services = new ServiceClient(vertx, config);
    Router router = Router.router(vertx);
    router.get("/ws").handler(this::upgrade);
    router.get("/health").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.route("/api/*").subRouter(new ApiRoutes(config, tokens, services).router(vertx));
    router.route().last().handler(ctx -> ctx.fail(404));
    router.errorHandler(404, ApiRoutes::fail);
    router.errorHandler(405, ApiRoutes::fail);

    long sweepEvery = Math.max(100, Math.min(5_000, config.idleTimeout().toMillis() / 4));
    vertx.setPeriodic(sweepEvery, id -> closeIdleSockets());

    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setPort(config.port())
        .setMaxWebSocketFrameSize(config.maxFrameBytes())
        .setMaxWebSocketMessageSize(config.maxFrameBytes());
    return vertx.createHttpServer(options).requestHandler(router).listen();
  }

  /** Token from {@code ?token=} (mini-program sockets cannot always set headers) or {@code Authorization: Bearer}. */
  private void upgrade(RoutingContext ctx) {
    if (drain.draining()) {
      ctx.response().putHeader("Retry-After", "1").setStatusCode(503).end("this gateway is shutting down");
      return;
    }
    String token = ctx.request().getParam("token");
    String header = ctx.request().getHeader("Authorization");
    if (token == null && header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      token = header.substring(7).trim();
    }
    long userId;
    try {
      userId = tokens.verify(token);
    } catch (ChatException e) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer").setStatusCode(401).end(e.getMessage());
      return;
    }
    ctx.request().toWebSocket().onSuccess(webSocket -> accept(webSocket, userId));
  }

  private void accept(ServerWebSocket webSocket, long userId) {
    String connectionId = config.gatewayId() + "-" + CONNECTION_COUNTER.incrementAndGet();
    ChatSocket socket = new ChatSocket(webSocket, userId, connectionId, vertx.getOrCreateContext(), config, services,
        connections);
    sockets.add(socket);
    drain.opened(socket);
    ChatMetrics.connected();
    socket.start(() -> {
      ChatMetrics.disconnected();
      sockets.remove(socket);
      drain.closed(socket);
    });
  }

  private void closeIdleSockets() {
    long deadline = System.nanoTime() - config.idleTimeout().toNanos();
    for (ChatSocket socket : Set.copyOf(sockets)) {
      if (socket.lastActivityNanos() - deadline < 0) {
        socket.close(IDLE_CLOSE_CODE, "idle timeout");
      }
    }
  }
}
