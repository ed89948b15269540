package io.github.minichat.message;

import io.github.minichat.common.Env;
import io.github.minichat.common.Profile;
import io.github.minichat.message.db.EmbeddedPostgres;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the database (configured, or an embedded one started on demand) and brings its schema up to date.
 * Both are start-up steps that block, so both run on a worker thread.
 */
public final class Postgres {

  private static final Logger LOG = LoggerFactory.getLogger(Postgres.class);

  private Postgres() {
  }

  /** Whether {@code PG_URL} or the standard {@code PGHOST} variable names a server. */
  public static boolean isConfigured(Env env) {
    return env.stringOrNull("PG_URL") != null || env.stringOrNull("PGHOST") != null;
  }

  /**
   * The configured server: {@code PG_URL} (postgresql://user:password@host:port/db) or the {@code PG*} variables,
   * with the password overridden by {@code PG_PASSWORD} or the file named by {@code PG_PASSWORD_FILE}.
   */
  public static PgConnectOptions configured(Env env) {
    String url = env.stringOrNull("PG_URL");
    PgConnectOptions options = url != null
        ? PgConnectOptions.fromUri(url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url)
        : PgConnectOptions.fromEnv();
    // The password may come on its own, from a mounted secret file, so that it never sits in a URL or a manifest.
    String password = env.secret("PG_PASSWORD");
    if (password != null) {
      options.setPassword(password);
    }
    return tuned(options);
  }

  /**
   * Statements prepared once per connection and pipelined, and planned as the key lookups they all are: no sequential
   * scans, hash or merge joins. Left to its estimates, PostgreSQL hashes the whole of {@code inboxes} and
   * {@code conversations} for a batch of a few dozen keys (their hot rows carry many dead versions that the
   * estimates do not see), which made the store's database time grow with the number of users.
   */
  private static PgConnectOptions tuned(PgConnectOptions options) {
    return options.setCachePreparedStatements(true).setPipeliningLimit(256)
        .addProperty("enable_seqscan", "off")
        .addProperty("enable_hashjoin", "off")
        .addProperty("enable_mergejoin", "off")
        .addProperty("plan_cache_mode", "force_generic_plan");
  }

  /**
   * The configured server if there is one, else an embedded PostgreSQL kept in {@code CHAT_DATA_DIR}/postgres
   * (default ./data/postgres) and listening on {@code CHAT_EMBEDDED_PG_PORT} (default 54329).
   */
  public static Future<PgConnectOptions> resolve(Vertx vertx, Env env) {
    if (isConfigured(env)) {
      return Future.succeededFuture(configured(env));
    }
    if (Profile.from(env).isProduction()) {
      return Future.failedFuture(new IllegalArgumentException(
          "CHAT_PROFILE=prod needs PG_URL or PGHOST: the embedded PostgreSQL is for development only"));
    }
    Path dir = Path.of(env.string("CHAT_DATA_DIR", "data")).resolve("postgres").toAbsolutePath();
    int port = env.integer("CHAT_EMBEDDED_PG_PORT", 54329);
    LOG.info("No PG_URL or PGHOST set: starting an embedded PostgreSQL in {}", dir);
    return vertx.executeBlocking(() -> EmbeddedPostgres.start(dir, port).managedByCaller())
        .compose(server -> vertx.deployVerticle(new EmbeddedServerOwner(server)).map(server))
        .map(server -> tuned(new PgConnectOptions()
            .setHost(server.host()).setPort(server.port())
            .setUser(server.user()).setDatabase(server.database())));
  }

  /** Stops the embedded server when Vert.x closes: after a graceful shutdown has drained the clients. */
  private static final class EmbeddedServerOwner extends VerticleBase {
    private final EmbeddedPostgres server;

    EmbeddedServerOwner(EmbeddedPostgres server) {
      this.server = server;
    }

    @Override
    public Future<?> stop() {
      return vertx.executeBlocking(() -> {
        server.close();
        return null;
      });
    }
  }

  /** Runs the versioned migrations in db/migration (Flyway takes a database lock, so concurrent starts are safe). */
  public static Future<Void> migrate(Vertx vertx, PgConnectOptions options) {
    return vertx.executeBlocking(() -> {
      String jdbcUrl = "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
      Flyway flyway = Flyway.configure()
          .dataSource(jdbcUrl, options.getUser(), options.getPassword())
          .locations("classpath:db/migration")
          .load();
      int applied = flyway.migrate().migrationsExecuted;
      LOG.info("Database schema at version {} ({} migrations applied now)", flyway.info().current().getVersion(),
          applied);
      return null;
    });
  }
}
