package io.github.minichat.platform;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service process's management side: its liveness and readiness checks and the HTTP server that serves them
 * with the Prometheus metrics ({@link ManagementServer}), on a port of its own ({@code CHAT_MANAGEMENT_PORT}).
 *
 * <p>Ready means: the service has finished starting ({@link #started()}), the node is a member of the cluster
 * (when clustered), and every check the service added with {@link #readiness} passes.
 */
public final class Management {

  public static final String PORT_VARIABLE = PlatformSettings.MANAGEMENT_PORT.name();
  public static final String HOST_VARIABLE = PlatformSettings.MANAGEMENT_HOST.name();
  public static final String LIVE_PATH = "/health/live";
  public static final String READY_PATH = "/health/ready";
  public static final String METRICS_PATH = "/metrics";

  /** Default management ports: distinct, so that services and the all-in-one can share one host. */
  public static final int ALL_IN_ONE_PORT = 9090;
  public static final int GATEWAY_PORT = 9091;
  public static final int MESSAGE_SERVICE_PORT = 9092;
  public static final int PRESENCE_SERVICE_PORT = 9093;

  /** A check that has not answered within this is down. */
  static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

  private static final Logger LOG = LoggerFactory.getLogger(Management.class);

  private final Vertx vertx;
  private final HealthChecks live;
  private final HealthChecks ready;
  private final AtomicBoolean started = new AtomicBoolean();
  private int port = -1;

  private Management(Vertx vertx) {
    this.vertx = vertx;
    this.live = HealthChecks.create(vertx);
    this.ready = HealthChecks.create(vertx);
    live.register("event-loop", CHECK_TIMEOUT.toMillis(), promise -> promise.complete(Status.OK()));
    readiness("started", () -> started.get() ? Future.succeededFuture() : Future.failedFuture("still starting"));
  }

  /**
   * Starts the management server of {@code node} on {@code CHAT_MANAGEMENT_HOST} (default 0.0.0.0) and
   * {@code CHAT_MANAGEMENT_PORT} (default {@code defaultPort}; 0 picks a free port, -1 turns the server off).
   */
  public static Future<Management> start(Node node, Env env, int defaultPort) {
    Management management = new Management(node.vertx());
    if (node.clustered()) {
      ClusterReadiness cluster = new ClusterReadiness(node, env.get(PlatformSettings.CLUSTER_MIN_SIZE));
      management.readiness("cluster", cluster::check);
    }
    int port = env.get(PlatformSettings.MANAGEMENT_PORT.withDefault(defaultPort));
    if (port < 0) {
      LOG.info("Management server off ({}={})", PORT_VARIABLE, port);
      return Future.succeededFuture(management);
    }
    Observability.prometheus();
    ManagementServer server = new ManagementServer(env.get(PlatformSettings.MANAGEMENT_HOST), port,
        management);
    return node.vertx().deployVerticle(server).map(id -> {
      management.port = server.actualPort();
      LOG.info("Management server on port {} ({}, {}, {})", management.port, LIVE_PATH, READY_PATH, METRICS_PATH);
      return management;
    });
  }

  /** A management side with no server (for tests): the checks only. */
  public static Management checksOnly(Vertx vertx) {
    return new Management(vertx);
  }

  /** Adds a readiness condition: a succeeded future is up, a failed one down (its message says why). */
  public Management readiness(String name, Supplier<Future<?>> check) {
    ready.register(name, CHECK_TIMEOUT.toMillis(), promise -> {
      Future<?> result;
      try {
        result = check.get();
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(outcome -> promise.tryComplete(outcome.succeeded() ? Status.OK()
          : Status.KO(new JsonObject().put("reason", String.valueOf(outcome.cause().getMessage())))));
    });
    return this;
  }

  /** The service has finished starting: it may turn ready. */
  public void started() {
    started.set(true);
  }

  /** The port the server listens on, or -1 when it is off. */
  public int port() {
    return port;
  }

  /** Whether the readiness checks pass now (what {@code GET /health/ready} answers with 200). */
  public Future<Boolean> isReady() {
    return ready.checkStatus().map(CheckResult::isUp);
  }

  HealthChecks live() {
    return live;
  }

  HealthChecks ready() {
    return ready;
  }
}
