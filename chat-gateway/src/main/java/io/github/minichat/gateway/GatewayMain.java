package io.github.minichat.gateway;

import io.github.minichat.common.Env;
import io.github.minichat.common.cluster.ClusterSettings;
import io.github.minichat.common.cluster.Node;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a gateway node: its push verticle, then one socket verticle per event loop sharing the HTTP port. */
public final class GatewayMain {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayMain.class);

  private GatewayMain() {
  }

  /** Deploys a gateway node into {@code vertx} (used by this main, the all-in-one launcher and tests). */
  public static Future<String> deploy(Vertx vertx, GatewayConfig config) {
    if (GatewayConfig.DEV_SECRET.equals(config.jwtSecret())) {
      LOG.warn("CHAT_JWT_SECRET is not set: using the development secret. Never run like this in production.");
    }
    LocalConnections connections = new LocalConnections();
    return vertx.deployVerticle(new PushVerticle(config.gatewayId(), connections))
        .compose(ignored -> vertx.deployVerticle(() -> new GatewayVerticle(config, connections),
            new DeploymentOptions().setInstances(config.instances())))
        .onSuccess(ignored -> LOG.info("Gateway {} listening on {}:{} (WebSocket /ws, HTTP /api)",
            config.gatewayId(), config.host(), config.port()));
  }

  public static void main(String[] args) {
    Env env = Env.system();
    Node.start(ClusterSettings.from(env, ClusterSettings.TCP), new VertxOptions())
        .compose(node -> deploy(node.vertx(), GatewayConfig.from(env, node.nodeId())))
        .onFailure(failure -> {
          LOG.error("Gateway failed to start", failure);
          System.exit(1);
        });
  }
}
