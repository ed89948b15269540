package io.github.minichat.message;

import io.github.minichat.common.Codecs;
import io.github.minichat.common.Env;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the message service on its own: database, migrations, then the store verticle. */
public final class MessageServiceMain {

  private static final Logger LOG = LoggerFactory.getLogger(MessageServiceMain.class);

  private MessageServiceMain() {
  }

  /** Deploys the message service into {@code vertx} (used by this main and by the all-in-one launcher). */
  public static Future<String> deploy(Vertx vertx, Env env) {
    Codecs.register(vertx);
    MessageServiceConfig config = MessageServiceConfig.from(env);
    return Postgres.resolve(vertx, env)
        .compose(options -> Postgres.migrate(vertx, options)
            .compose(ignored -> vertx.deployVerticle(() -> new MessageStoreVerticle(options, config),
                new DeploymentOptions())));
  }

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    deploy(vertx, Env.system())
        .onSuccess(id -> LOG.info("Message service started"))
        .onFailure(failure -> {
          LOG.error("Message service failed to start", failure);
          vertx.close();
          System.exit(1);
        });
  }
}
