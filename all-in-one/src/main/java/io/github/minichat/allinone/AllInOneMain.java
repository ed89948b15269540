package io.github.minichat.allinone;

import io.github.minichat.common.Env;
import io.github.minichat.gateway.GatewayConfig;
import io.github.minichat.gateway.GatewayMain;
import io.github.minichat.message.MessageServiceMain;
import io.github.minichat.presence.PresenceServiceMain;
import io.github.minichat.common.cluster.ClusterSettings;
import io.github.minichat.common.cluster.Node;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quick start: presence, message service and a gateway in one process on one local event bus, with an
 * embedded PostgreSQL when no database is configured.
 */
public final class AllInOneMain {

  private static final Logger LOG = LoggerFactory.getLogger(AllInOneMain.class);

  private AllInOneMain() {
  }

  /** Deploys the whole system on {@code node}: presence first, then storage, then the gateway that uses both. */
  public static Future<Void> deploy(Node node, Env env) {
    return PresenceServiceMain.deploy(node, env)
        .compose(ignored -> MessageServiceMain.deploy(node.vertx(), env))
        .compose(ignored -> GatewayMain.deploy(node.vertx(), GatewayConfig.from(env, node.nodeId())))
        .mapEmpty();
  }

  /** Starts a node (not clustered unless CHAT_CLUSTER says so) and deploys everything on it. */
  public static Future<Node> start(Env env, VertxOptions options) {
    return Node.start(ClusterSettings.from(env, ClusterSettings.OFF), options)
        .compose(node -> deploy(node, env).map(node));
  }

  public static void main(String[] args) {
    start(Env.system(), new VertxOptions())
        .onSuccess(ignored -> LOG.info("minichat is up"))
        .onFailure(failure -> {
          LOG.error("minichat failed to start", failure);
          System.exit(1);
        });
  }
}
