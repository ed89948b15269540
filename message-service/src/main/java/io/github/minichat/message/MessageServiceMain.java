package io.github.minichat.message;

import io.github.minichat.presence.api.PresenceMap;
import io.github.minichat.platform.Env;
import io.github.minichat.platform.ClusterSettings;
import io.github.minichat.platform.Node;
import io.github.minichat.presence.api.RouteTable;
import io.github.minichat.platform.Management;
import io.github.minichat.platform.Observability;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the message service on its own: database, migrations, then the store verticle. */
public final class MessageServiceMain {

  private static final Logger LOG = LoggerFactory.getLogger(MessageServiceMain.class);

  private MessageServiceMain() {
  }

  /** Deploys the message service on {@code node} (used by this main and by the all-in-one launcher). */
  public static Future<String> deploy(Node node, Env env) {
    return deploy(node, env, Management.checksOnly(node.vertx()));
  }

  /** As {@link #deploy(Node, Env)}, and the service is ready in {@code management} only while PostgreSQL answers. */
  public static Future<String> deploy(Node node, Env env, Management management) {
    return Future.succeededFuture(env).map(Postgres::required)
        .compose(database -> deploy(node, env, database, management));
  }

  /**
   * As {@link #deploy(Node, Env, Management)}, on the server {@code database} (the launcher's own one, say) rather
   * than the one the environment names. The route table is loaded before the store starts, so that the first
   * messages are pushed.
   */
  public static Future<String> deploy(Node node, Env env, PgConnectOptions database, Management management) {
    Vertx vertx = node.vertx();
    MessageServiceConfig config = MessageServiceConfig.from(env);
    PgConnectOptions options = Postgres.tuned(database);
    Future<RouteTable> routes = vertx.executeBlocking(node::hazelcastForState)
        .compose(hazelcast -> RouteTable.open(vertx, hazelcast, node.clustered()));
    return schema(vertx, env, options)
        .compose(ignored -> routes)
        .compose(table -> vertx.deployVerticle(() -> new MessageStoreVerticle(options, config, table),
            new DeploymentOptions()))
        .onSuccess(ignored -> management.readiness("postgres", new PostgresCheck(vertx, options)::check));
  }

  /** The schema as {@code CHAT_MIGRATE} says: brought up to date now, or waited for (a migration job owns it). */
  private static Future<Void> schema(Vertx vertx, Env env, PgConnectOptions options) {
    return Schema.CHECK.equals(env.get(MessageSettings.MIGRATE))
        ? Schema.awaitCurrent(vertx, options, env.get(MessageSettings.MIGRATE_WAIT))
        : Schema.migrate(vertx, options, null);
  }

  /**
   * The migration job ({@code CHAT_MIGRATE=only}): brings the schema up to date as the user it is given, grants
   * the service's role its DML, and exits: 0 when done, 1 when not. It joins no cluster.
   */
  private static void migrateAndExit(Env env) {
    Vertx vertx = Vertx.vertx();
    Schema.migrate(vertx, Postgres.required(env), env.get(MessageSettings.DB_RUNTIME_ROLE))
        .onComplete(done -> {
          if (done.failed()) {
            LOG.error("Migration failed", done.cause());
          }
          vertx.close().onComplete(ignored -> System.exit(done.succeeded() ? 0 : 1));
        });
  }

  public static void main(String[] args) {
    Env env = Env.system();
    if (Schema.ONLY.equals(env.get(MessageSettings.MIGRATE))) {
      migrateAndExit(env);
      return;
    }
    Node.start(ClusterSettings.from(env, ClusterSettings.TCP), Observability.vertxOptions(), PresenceMap::configure)
        .compose(node -> Management.start(node, env, Management.MESSAGE_SERVICE_PORT)
            .compose(management -> deploy(node, env, management)
                .onSuccess(id -> {
                  management.started();
                  node.closeOnShutdown(Future::succeededFuture, Duration.ZERO);
                })))
        .onSuccess(id -> LOG.info("Message service started"))
        .onFailure(failure -> {
          LOG.error("Message service failed to start", failure);
          System.exit(1);
        });
  }
}
