package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One event loop's share of the gateway's HTTP server (several instances share the port): authenticates WebSocket
 * handshakes at {@code /ws}, mounts the HTTP API at {@code /api} and the chat page at {@code /}, and closes sockets that
 * stay silent too long.
 */
final class GatewayVerticle extends VerticleBase {

  /** Close code for idle sockets (application range; mirrors HTTP 408). */
  static final short IDLE_CLOSE_CODE = 4408;

  /** Suggested wait before a user over the connection quota tries again. */
  private static final long TOO_MANY_CONNECTIONS_RETRY_MILLIS = 5_000;

  /** Suggested wait before a client refused by a full gateway tries again (another gateway, through the proxy). */
  static final long FULL_RETRY_MILLIS = 1_000;

  static final String WEBSOCKET_PATH = "/ws";

  private static final AtomicLong CONNECTION_COUNTER = new AtomicLong();

  private final GatewayConfig config;
  private final LocalConnections connections;
  private final GatewayDrain drain;
  private final RateLimits rateLimits;
  private final AtomicInteger openConnections;
  private final Set<ChatSocket> sockets = new HashSet<>();
  private JsonFrames json;
  private TokenVerifier tokens;
  private ServiceClient services;

  GatewayVerticle(GatewayConfig config, LocalConnections connections, GatewayDrain drain, RateLimits rateLimits,
                  AtomicInteger openConnections) {
    this.config = config;
    this.openConnections = openConnections;
    this.connections = connections;
    this.drain = drain;
    this.rateLimits = rateLimits;
  }

  @Override
  public Future<?> start() {
    tokens = new TokenVerifier(config.jwtSecret(), config.jwtLeeway());
    services = new ServiceClient(vertx, config);
    json = new JsonFrames(config.limits(), Math.max(config.maxFrameBytes(), config.maxBodyBytes()));
    Router router = Router.router(vertx);
    router.get("/health").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.route("/api/*").subRouter(new ApiRoutes(config, tokens, services, rateLimits, json).router(vertx));
    PageRoutes.mount(router, vertx, config);
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
    // upgrades are taken before the router so the socket is Vert.x's own, not vertx-web's wrapper of it: the
    // slow-consumer cut-off needs the underlying channel (see ChatSocket#closeSlowConsumer)
    return vertx.createHttpServer(options)
        .requestHandler(request -> {
          if (request.method() == HttpMethod.GET && WEBSOCKET_PATH.equals(request.path())) {
            upgrade(request);
          } else {
            router.handle(request);
          }
        })
        .listen();
  }

  /** Token from {@code ?token=} (mini-program sockets cannot always set headers) or {@code Authorization: Bearer}. */
  private void upgrade(HttpServerRequest request) {
    if (drain.draining()) {
      request.response().putHeader("Retry-After", "1").setStatusCode(503).end("this gateway is shutting down");
      return;
    }
    // the cap counts sockets being upgraded too, so that concurrent handshakes on several event loops can't pass it
    int cap = config.limits().maxConnections();
    if (openConnections.incrementAndGet() > cap && cap > 0) {
      openConnections.decrementAndGet();
      ApiRoutes.respond(request.response(), ChatError.OVERLOADED, "this gateway holds its maximum of " + cap
          + " connections; try again (another gateway)", FULL_RETRY_MILLIS);
      return;
    }
    String token = request.getParam("token");
    String header = request.getHeader("Authorization");
    if (token == null && header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      token = header.substring(7).trim();
    }
    long userId;
    try {
      userId = tokens.verify(token);
    } catch (ChatException e) {
      openConnections.decrementAndGet();
      request.response().putHeader("WWW-Authenticate", "Bearer").setStatusCode(401).end(e.getMessage());
      return;
    }
    if (!rateLimits.tryOpenSocket(userId)) {
      openConnections.decrementAndGet();
      ApiRoutes.respond(request.response(), ChatError.TOO_MANY_CONNECTIONS, "at most " + config.limits().connectionsPerUser()
          + " connections per user", TOO_MANY_CONNECTIONS_RETRY_MILLIS);
      return;
    }
    final long user = userId;
    request.toWebSocket()
        .onSuccess(webSocket -> accept(webSocket, user))
        .onFailure(failure -> {
          openConnections.decrementAndGet();
          rateLimits.socketClosed(user);
          if (!request.response().ended()) {
            request.response().setStatusCode(400).end("expected a WebSocket upgrade");
          }
        });
  }

  private void accept(ServerWebSocket webSocket, long userId) {
    String connectionId = config.gatewayId() + "-" + CONNECTION_COUNTER.incrementAndGet();
    ChatSocket socket = new ChatSocket(webSocket, userId, connectionId, vertx.getOrCreateContext(), config,
        services, connections, rateLimits, json);
    sockets.add(socket);
    drain.opened(socket);
    GatewayMetrics.connected();
    socket.start(() -> {
      GatewayMetrics.disconnected();
      sockets.remove(socket);
      drain.closed(socket);
      rateLimits.socketClosed(userId);
      openConnections.decrementAndGet();
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
