package io.github.minichat.presence;

import io.github.minichat.common.Codecs;
import io.github.minichat.common.Env;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the presence service on its own. */
public final class PresenceServiceMain {

  private static final Logger LOG = LoggerFactory.getLogger(PresenceServiceMain.class);

  private PresenceServiceMain() {
  }

  /** Deploys the presence service into {@code vertx} (used by this main and by the all-in-one launcher). */
  public static Future<String> deploy(Vertx vertx, Env env) {
    Codecs.register(vertx);
    return vertx.deployVerticle(new PresenceVerticle(PresenceConfig.from(env)));
  }

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    deploy(vertx, Env.system())
        .onSuccess(id -> LOG.info("Presence service started"))
        .onFailure(failure -> {
          LOG.error("Presence service failed to start", failure);
          vertx.close();
          System.exit(1);
        });
  }
}
