package io.github.minichat.launcher;

import io.github.minichat.presence.api.PresenceMap;
import io.github.minichat.platform.Env;
import io.github.minichat.gateway.GatewayConfig;
import io.github.minichat.gateway.GatewayMain;
import io.github.minichat.gateway.GatewaySettings;
import io.github.minichat.message.MessageServiceMain;
import io.github.minichat.message.Postgres;
import io.github.minichat.presence.PresenceServiceMain;
import io.github.minichat.platform.ClusterSettings;
import io.github.minichat.platform.Node;
import io.github.minichat.platform.Management;
import io.github.minichat.platform.Observability;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgConnectOptions;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quick start: presence, message service and a gateway in one process on one local event bus; its main starts
 * an embedded PostgreSQL when no database is configured ({@link QuickStartDatabase}).
 */
public final class AllInOneMain {

  private static final Logger LOG = LoggerFactory.getLogger(AllInOneMain.class);

  private AllInOneMain() {
  }

  /** Deploys the whole system on {@code node}: presence first, then storage, then the gateway that uses both. */
  public static Future<GatewayMain.Drainable> deploy(Node node, Env env) {
    return deploy(node, env, Management.checksOnly(node.vertx()));
  }

  /** As {@link #deploy(Node, Env)}, with the services' readiness conditions added to {@code management}. */
  public static Future<GatewayMain.Drainable> deploy(Node node, Env env, Management management) {
    return Future.succeededFuture(env).map(Postgres::required)
        .compose(database -> deploy(node, env, database, management));
  }

  /** As {@link #deploy(Node, Env, Management)}, the message service on the server {@code database}. */
  public static Future<GatewayMain.Drainable> deploy(Node node, Env env, PgConnectOptions database,
                                                    Management management) {
    return PresenceServiceMain.deploy(node, env)
        .compose(ignored -> MessageServiceMain.deploy(node, env, database, management))
        .compose(ignored -> GatewayMain.deploy(node.vertx(),
            GatewayConfig.from(env, node.nodeId(), defaultGatewayInstances()), management));
  }

  /**
   * One socket verticle per core but one: this process also runs the message and presence services, whose event
   * loops would otherwise compete with the sockets' for every core. On two cores shared with PostgreSQL, one socket
   * loop took 44-48 µs of server CPU per message at 14,000-15,000 messages/s, two took 51-53 µs.
   */
  static int defaultGatewayInstances() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
  }

  /**
   * Without a bound of its own the JVM lets the heap grow to a quarter of the machine's memory, far past what is
   * live: the README starts the all-in-one with {@code -Xmx1g}, and a start without any bound is told so.
   */
  static boolean warnIfHeapUnbounded(List<String> jvmArguments) {
    boolean bounded = jvmArguments.stream().anyMatch(argument -> argument.startsWith("-Xmx")
        || argument.startsWith("-XX:MaxHeapSize") || argument.startsWith("-XX:MaxRAMPercentage")
        || argument.startsWith("-XX:MaxRAM="));
    if (!bounded) {
      LOG.warn("No heap bound given (-Xmx or -XX:MaxRAMPercentage): the heap may grow to {} MiB; start with -Xmx1g",
          Runtime.getRuntime().maxMemory() >> 20);
    }
    return !bounded;
  }

  /** The running system: its node and its gateway. */
  public record Running(Node node, GatewayMain.Drainable gateway) {
  }

  /** Starts a node (not clustered unless CHAT_CLUSTER says so) and deploys everything on it (database: env's). */
  public static Future<Running> start(Env env, VertxOptions options) {
    return Node.start(ClusterSettings.from(env, ClusterSettings.OFF), options, PresenceMap::configure)
        .compose(node -> deploy(node, env).map(gateway -> new Running(node, gateway)));
  }

  /** The quick start: the configured database, else an embedded one, stopped after the services. */
  public static void main(String[] args) {
    warnIfHeapUnbounded(ManagementFactory.getRuntimeMXBean().getInputArguments());
    Env env = Env.system();
    Duration drainTime = env.get(GatewaySettings.DRAIN);
    QuickStartDatabase database;
    try {
      database = QuickStartDatabase.open(env);
    } catch (Exception e) {
      LOG.error("minichat failed to start", e);
      System.exit(1);
      return;
    }
    Node.start(ClusterSettings.from(env, ClusterSettings.OFF), Observability.vertxOptions(), PresenceMap::configure)
        .compose(node -> database.stopWith(node.vertx())
            .compose(ignored -> Management.start(node, env, Management.ALL_IN_ONE_PORT))
            .compose(management -> deploy(node, env, database.server(), management)
                .onSuccess(gateway -> {
                  management.started();
                  node.closeOnShutdown(() -> gateway.drain(drainTime), drainTime);
                })))
        .onSuccess(ignored -> LOG.info("minichat is up"))
        .onFailure(failure -> {
          LOG.error("minichat failed to start", failure);
          database.close();
          System.exit(1);
        });
  }
}
