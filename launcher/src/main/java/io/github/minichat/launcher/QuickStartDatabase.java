package io.github.minichat.launcher;

import io.github.minichat.message.Postgres;
import io.github.minichat.platform.Env;
import io.github.minichat.platform.Profile;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database of the quick start: the one configured (PG_URL or the PG* variables), else an {@link EmbeddedDatabase}
 * kept in {@code CHAT_DATA_DIR}/postgres (default ./data/postgres) on loopback port {@code CHAT_EMBEDDED_PG_PORT}
 * (default 54329; 0: a free one). Production never gets the embedded one.
 */
final class QuickStartDatabase implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(QuickStartDatabase.class);

  private final PgConnectOptions server;
  private final EmbeddedDatabase embedded;

  private QuickStartDatabase(PgConnectOptions server, EmbeddedDatabase embedded) {
    this.server = server;
    this.embedded = embedded;
  }

  /** Blocking: starts the embedded server when no database is configured. */
  static QuickStartDatabase open(Env env) throws IOException {
    if (Postgres.isConfigured(env)) {
      return new QuickStartDatabase(Postgres.configured(env), null);
    }
    if (Profile.from(env).isProduction()) {
      throw new IllegalArgumentException(
          "CHAT_PROFILE=prod needs PG_URL or PGHOST: the embedded PostgreSQL is for development only");
    }
    Path dir = Path.of(env.get(LauncherSettings.DATA_DIR)).resolve("postgres").toAbsolutePath();
    LOG.info("No PG_URL or PGHOST set: starting an embedded PostgreSQL in {}", dir);
    EmbeddedDatabase database = EmbeddedDatabase.start(dir, env.get(LauncherSettings.EMBEDDED_PG_PORT));
    return new QuickStartDatabase(new PgConnectOptions().setHost(database.host()).setPort(database.port())
        .setUser(database.user()).setDatabase(database.database()), database);
  }

  /** Where the services connect to. */
  PgConnectOptions server() {
    return server;
  }

  /**
   * Has {@code vertx} stop the embedded server (if any) when it closes: after a graceful shutdown has drained the
   * services that use it.
   */
  Future<?> stopWith(Vertx vertx) {
    return embedded == null ? Future.succeededFuture() : vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> stop() {
        return vertx.executeBlocking(() -> {
          close();
          return null;
        });
      }
    });
  }

  /** Stops the embedded server, if any. Idempotent. */
  @Override
  public void close() {
    if (embedded != null) {
      embedded.close();
    }
  }
}
