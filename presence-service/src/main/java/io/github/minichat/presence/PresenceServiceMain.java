package io.github.minichat.presence;

import io.github.minichat.presence.api.PresenceMap;
import io.github.minichat.platform.Env;
import io.github.minichat.platform.ClusterSettings;
import io.github.minichat.platform.Node;
import io.github.minichat.platform.Management;
import io.github.minichat.platform.Observability;
import io.vertx.core.Future;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a presence-service process, joined to the cluster. */
public final class PresenceServiceMain {

  private static final Logger LOG = LoggerFactory.getLogger(PresenceServiceMain.class);

  private PresenceServiceMain() {
  }

  /** Deploys the presence service on {@code node} (used by this main and by the all-in-one launcher). */
  public static Future<String> deploy(Node node, Env env) {
    PresenceConfig config = PresenceConfig.from(env);
    return node.vertx().executeBlocking(node::hazelcastForState)
        .compose(hazelcast -> node.vertx().deployVerticle(new PresenceVerticle(config, hazelcast, node.clustered())));
  }

  public static void main(String[] args) {
    Env env = Env.system();
    Node.start(ClusterSettings.from(env, ClusterSettings.TCP), Observability.vertxOptions(), PresenceMap::configure)
        .compose(node -> Management.start(node, env, Management.PRESENCE_SERVICE_PORT)
            .compose(management -> deploy(node, env)
                .onSuccess(id -> {
                  management.started();
                  node.closeOnShutdown(Future::succeededFuture, Duration.ZERO);
                })))
        .onSuccess(id -> LOG.info("Presence service started"))
        .onFailure(failure -> {
          LOG.error("Presence service failed to start", failure);
          System.exit(1);
        });
  }
}
