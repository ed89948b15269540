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
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event loop's share of the gateway's HTTP server (several instances share the port): authenticates WebSocket
 * handshakes at {@code /ws}, mounts the HTTP API at {@code /api} and the chat page at {@code /}, and closes sockets that
 * stay silent too long.
 */
final class GatewayVerticle extends VerticleBase {

  /** Suggested wait before a user over the connection quota tries again. */
  private static final long TOO_MANY_CONNECTIONS_RETRY_MILLIS = 5_000;

  /** Suggested wait before a client refused by a full gateway tries again (another gateway, through the proxy). */
  static final long FULL_RETRY_MILLIS = 1_000;

  static final String WEBSOCKET_PATH = "/ws";

  /** Threads inspecting uploads (type, size, thumbnail) per gateway process. */
  private static final int UPLOAD_INSPECTORS = 2;

  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  private static final AtomicLong CONNECTION_COUNTER = new AtomicLong();

  private final GatewayConfig config;
  private final LocalConnections connections;
  private final GatewayDrain drain;
  private final RateLimits rateLimits;
  private final AtomicInteger openConnections;
  private final FileStorage storage;
  private final UploadSlots uploadSlots;
  private final Set<ChatConnection> open = new HashSet<>();
  private ClientFrames frames;
  private Authenticator authenticator;
  private SendRules sendRules;
  private ServiceClient services;
  /** Two at a time: a thousand sockets' settle reads still end within a second or two. */
  private final SettleReads settleReads = new SettleReads(2);
  private SignedLinks signer;

  GatewayVerticle(GatewayConfig config, LocalConnections connections, GatewayDrain drain, RateLimits rateLimits,
                  AtomicInteger openConnections, FileStorage storage, UploadSlots uploadSlots) {
    this.config = config;
    this.storage = storage;
    this.uploadSlots = uploadSlots;
    this.openConnections = openConnections;
    this.connections = connections;
    this.drain = drain;
    this.rateLimits = rateLimits;
  }

  @Override
  public Future<?> start() {
    authenticator = new Authenticator(new TokenVerifier(config.jwtSecret(), config.jwtLeeway()));
    services = new ServiceClient(vertx, config);
    frames = new ClientFrames(new JsonFrames(config.limits(), Math.max(config.maxFrameBytes(), config.maxBodyBytes())),
        config.maxTextLength(), config.limits().maxSyncPage());
    sendRules = new SendRules(rateLimits);
    Router router = Router.router(vertx);
    router.get("/health").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    signer = new SignedLinks(config.files().linkKey(), config.files().linkTtl(), Clock.systemUTC());
    // shared by the instances: inspecting pictures is CPU work, bounded to a pool beside the event loops
    FileRoutes files = new FileRoutes(config.files(), config.publicUrl(), rateLimits, uploadSlots, services, storage, signer,
        vertx.createSharedWorkerExecutor("minichat-uploads", UPLOAD_INSPECTORS));
    router.route("/api/*").subRouter(
        new ApiRoutes(config, authenticator, services, rateLimits, frames, sendRules, signer, files).router(vertx));
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
    // slow-consumer cut-off needs the underlying channel (see WebSocketLink#cut)
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

  /** Admits a handshake (not draining, under the connection cap, a valid token, under the user's quota). */
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
    long userId;
    try {
      userId = authenticator.user(request, true);
    } catch (ChatException e) {
      openConnections.decrementAndGet();
      Authenticator.askForToken(request.response());
      request.response().setStatusCode(401).end(e.getMessage());
      return;
    }
    if (!rateLimits.tryOpenSocket(userId)) {
      openConnections.decrementAndGet();
      ApiRoutes.respond(request.response(), ChatError.TOO_MANY_CONNECTIONS, "at most " + config.limits().connectionsPerUser()
          + " connections per user", TOO_MANY_CONNECTIONS_RETRY_MILLIS);
      return;
    }
    final long user = userId;
    String baseUrl = PublicUrl.of(request, config.publicUrl());
    request.toWebSocket()
        .onSuccess(webSocket -> accept(webSocket, user, baseUrl))
        .onFailure(failure -> {
          openConnections.decrementAndGet();
          rateLimits.socketClosed(user);
          if (!request.response().ended()) {
            request.response().setStatusCode(400).end("expected a WebSocket upgrade");
          }
        });
  }

  /** Builds the connection's pipeline over the socket: frames in through the assembler, out through the link. */
  private void accept(ServerWebSocket webSocket, long userId, String baseUrl) {
    Session session = new Session(userId, config.gatewayId() + "-" + CONNECTION_COUNTER.incrementAndGet(),
        config.gatewayId(), signer.forReader(userId, baseUrl));
    ChatConnection connection = new ChatConnection(session,
        new WebSocketLink(webSocket, config.limits().maxWriteQueueBytes()), vertx.getOrCreateContext(), config,
        frames, services, connections, rateLimits, sendRules, settleReads);
    FrameAssembler assembler = new FrameAssembler(config.maxFrameBytes(), connection);
    open.add(connection);
    drain.opened(connection);
    GatewayMetrics.connected();
    webSocket.frameHandler(assembler::onFrame);
    webSocket.exceptionHandler(failure -> {
      LOG.debug("Socket {} failed: {}", session.connectionId(), failure.getMessage());
      assembler.onFailure(failure);
    });
    webSocket.closeHandler(ignored -> {
      connection.closed();
      GatewayMetrics.disconnected();
      open.remove(connection);
      drain.closed(connection);
      rateLimits.socketClosed(userId);
      openConnections.decrementAndGet();
    });
    connection.start();
  }

  private void closeIdleSockets() {
    long deadline = System.nanoTime() - config.idleTimeout().toNanos();
    for (ChatConnection connection : Set.copyOf(open)) {
      if (connection.lastActivityNanos() - deadline < 0) {
        connection.close(CloseCodes.IDLE_TIMEOUT, "idle timeout");
      }
    }
  }
}
