package io.github.minichat.allinone;

import io.github.minichat.common.Env;
import io.github.minichat.gateway.GatewayConfig;
import io.github.minichat.gateway.GatewayMain;
import io.github.minichat.message.MessageServiceMain;
import io.github.minichat.presence.PresenceServiceMain;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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

  /** Deploys the whole system into {@code vertx}: presence first, then storage, then the gateway that uses both. */
  public static Future<Void> deploy(Vertx vertx, Env env) {
    return PresenceServiceMain.deploy(vertx, env)
        .compose(ignored -> MessageServiceMain.deploy(vertx, env))
        .compose(ignored -> GatewayMain.deploy(vertx, GatewayConfig.from(env)))
        .mapEmpty();
  }

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    deploy(vertx, Env.system())
        .onSuccess(ignored -> LOG.info("minichat is up"))
        .onFailure(failure -> {
          LOG.error("minichat failed to start", failure);
          vertx.close();
          System.exit(1);
        });
  }
}
