package io.github.minichat.gateway;

import io.github.minichat.common.UserTokens;
import io.github.minichat.presence.api.PresenceMap;
import io.github.minichat.platform.Env;
import io.github.minichat.platform.ClusterSettings;
import io.github.minichat.platform.Node;
import io.github.minichat.platform.Management;
import io.github.minichat.platform.Observability;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a gateway node: its push verticle, then one socket verticle per event loop sharing the HTTP port. */
public final class GatewayMain {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayMain.class);

  private GatewayMain() {
  }

  /**
   * Deploys a gateway node into {@code vertx} (used by this main, the all-in-one launcher and tests); the result
   * drains the node's sockets (see {@link #drain}).
   */
  public static Future<Drainable> deploy(Vertx vertx, GatewayConfig config) {
    return deploy(vertx, config, Management.checksOnly(vertx));
  }

  /** As {@link #deploy(Vertx, GatewayConfig)}, and the gateway turns not-ready in {@code management} once draining. */
  public static Future<Drainable> deploy(Vertx vertx, GatewayConfig config, Management management) {
    if (UserTokens.DEV_SECRET.equals(config.jwtSecret())) {
      LOG.warn("CHAT_JWT_SECRET is not set: using the development secret. Never run like this in production.");
    }
    LocalConnections connections = new LocalConnections();
    GatewayDrain drain = new GatewayDrain();
    RateLimits rateLimits = new RateLimits(config.limits(), config.files().uploadsPerHour());
    // sockets open or being upgraded on this process, all verticle instances together (CHAT_MAX_CONNECTIONS)
    AtomicInteger openConnections = new AtomicInteger();
    UploadSlots uploadSlots = new UploadSlots(config.files().maxConcurrentUploads());
    return openStorage(vertx, config.files())
        .compose(storage -> vertx.deployVerticle(new PushVerticle(config.gatewayId(), connections))
            .compose(ignored -> vertx.deployVerticle(() -> new GatewayVerticle(config, connections, drain, rateLimits,
                    openConnections, storage, uploadSlots), new DeploymentOptions().setInstances(config.instances())))
            .compose(ignored -> vertx.deployVerticle(new FileSweeper(new ServiceClient(vertx, config), storage,
                config.files().sweepEvery()))))
        .onSuccess(ignored -> LOG.info("Gateway {} listening on {}:{} (WebSocket /ws, HTTP /api)",
            config.gatewayId(), config.host(), config.port()))
        .map(ignored -> {
          management.readiness("accepting", () -> drain.draining()
              ? Future.failedFuture("draining: closing sockets, refusing new ones") : Future.succeededFuture());
          return within -> drain.drain(vertx, within)
              .onComplete(done -> LOG.info("Drained: {} socket(s) still open", drain.openSockets()));
        });
  }

  /** The uploads' store this node's instances share: a directory, or the object store. */
  static Future<FileStorage> openStorage(Vertx vertx, FilesConfig files) {
    return FileSettings.S3.equals(files.store()) ? S3FileStorage.open(vertx, files.s3())
        : LocalFileStorage.open(vertx, files.dir());
  }

  /**
   * A deployed gateway's graceful stop: turn not-ready, refuse new sockets, close open ones with 1012, wait at most
   * {@code within}.
   */
  @FunctionalInterface
  public interface Drainable {
    Future<Void> drain(Duration within);
  }

  public static void main(String[] args) {
    Env env = Env.system();
    Duration drainTime = env.get(GatewaySettings.DRAIN);
    Node.start(ClusterSettings.from(env, ClusterSettings.TCP), Observability.vertxOptions(), PresenceMap::configure)
        .compose(node -> Management.start(node, env, Management.GATEWAY_PORT)
            .compose(management -> deploy(node.vertx(), GatewayConfig.from(env, node.nodeId()), management)
                .onSuccess(gateway -> {
                  management.started();
                  node.closeOnShutdown(() -> gateway.drain(drainTime), drainTime);
                })))
        .onFailure(failure -> {
          LOG.error("Gateway failed to start", failure);
          System.exit(1);
        });
  }
}
