package io.github.minichat.message;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message service's schema, the versioned migrations in {@code db/migration}. Either the service brings it up
 * to date as it starts ({@code CHAT_MIGRATE=start}, the quick start's way), or a migration job does, as a user with
 * DDL rights ({@code CHAT_MIGRATE=only}), granting the service's own user DML rights alone; the service then only
 * waits for the schema its code expects ({@code CHAT_MIGRATE=check}). Every step blocks, on a worker thread.
 */
public final class Schema {

  /** How {@code CHAT_MIGRATE} names the three ways. */
  public static final String START = "start";
  public static final String CHECK = "check";
  public static final String ONLY = "only";

  private static final Logger LOG = LoggerFactory.getLogger(Schema.class);
  private static final long CHECK_EVERY_MILLIS = 2_000;

  private Schema() {
  }

  /**
   * Applies the pending migrations (Flyway takes a database lock, so concurrent starts are safe); then, when
   * {@code runtimeRole} is set, grants it DML on every table and sequence, and nothing else.
   */
  public static Future<Void> migrate(Vertx vertx, PgConnectOptions options, String runtimeRole) {
    return vertx.executeBlocking(() -> {
      Flyway flyway = flyway(options, runtimeRole);
      int applied = flyway.migrate().migrationsExecuted;
      LOG.info("Database schema at version {} ({} migrations applied now{})", flyway.info().current().getVersion(),
          applied, runtimeRole == null ? "" : "; DML granted to " + runtimeRole);
      return null;
    });
  }

  /**
   * Waits until no migration of this build is pending (a migration job is running, or has yet to run), checking
   * every 2 s; fails after {@code within}, naming how far behind the schema is.
   */
  public static Future<Void> awaitCurrent(Vertx vertx, PgConnectOptions options, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    return check(vertx, options, deadline);
  }

  private static Future<Void> check(Vertx vertx, PgConnectOptions options, long deadlineNanos) {
    return vertx.executeBlocking(() -> flyway(options, null).info().pending().length).compose(pending -> {
      if (pending == 0) {
        LOG.info("Database schema is current");
        return Future.succeededFuture();
      }
      if (System.nanoTime() > deadlineNanos) {
        return Future.failedFuture(new IllegalStateException("The database schema is " + pending
            + " migration(s) behind this build: run the migration job (CHAT_MIGRATE=only) first"));
      }
      LOG.info("Waiting for the database schema: {} migration(s) pending", pending);
      return vertx.timer(CHECK_EVERY_MILLIS).compose(ignored -> check(vertx, options, deadlineNanos));
    });
  }

  /** The migrations in this build, by version, as the database has them. */
  static MigrationInfo[] info(PgConnectOptions options) {
    return flyway(options, null).info().all();
  }

  private static Flyway flyway(PgConnectOptions options, String runtimeRole) {
    return Flyway.configure()
        .dataSource(Postgres.jdbcUrl(options), options.getUser(), options.getPassword())
        .locations("classpath:db/migration")
        .placeholders(Map.of("runtime_role", runtimeRole == null ? "" : runtimeRole))
        .load();
  }
}
