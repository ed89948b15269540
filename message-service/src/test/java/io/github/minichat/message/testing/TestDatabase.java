package io.github.minichat.message.testing;

import io.github.minichat.platform.Env;
import io.github.minichat.message.Postgres;
import io.vertx.pgclient.PgConnectOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A fresh, empty database per test class on the real PostgreSQL that {@code PG_URL} (or {@code PGHOST}) names, as
 * the services would be configured.
 */
public final class TestDatabase {

  private static PgConnectOptions server;

  private TestDatabase() {
  }

  /** Creates a new database and returns options to connect to it. */
  public static PgConnectOptions create(String purpose) {
    PgConnectOptions admin = server();
    String name = ("t_" + purpose + "_" + UUID.randomUUID().toString().substring(0, 8))
        .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    execute(admin, "CREATE DATABASE " + name);
    return new PgConnectOptions(admin).setDatabase(name);
  }

  public static void drop(PgConnectOptions database) {
    execute(new PgConnectOptions(database).setDatabase(server().getDatabase()),
        "DROP DATABASE IF EXISTS " + database.getDatabase() + " WITH (FORCE)");
  }

  /** A {@code PG_URL} value for the database, as the services read it. */
  public static String url(PgConnectOptions database) {
    String credentials = database.getUser() + (database.getPassword() == null ? "" : ":" + database.getPassword());
    return "postgresql://" + credentials + "@" + database.getHost() + ":" + database.getPort() + "/"
        + database.getDatabase();
  }

  /** Runs a query returning one number, for tests that check the rows themselves. */
  public static long queryLong(PgConnectOptions database, String sql) {
    try (Connection connection = connect(database); Statement statement = connection.createStatement();
         var result = statement.executeQuery(sql)) {
      result.next();
      return result.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  private static synchronized PgConnectOptions server() {
    if (server == null) {
      Env env = Env.system();
      if (!Postgres.isConfigured(env)) {
        throw new IllegalStateException("These tests need a PostgreSQL server: set PG_URL, for example"
            + " PG_URL=postgresql://postgres@127.0.0.1:5432/postgres (a user that may create databases)");
      }
      server = Postgres.configured(env);
    }
    return server;
  }

  public static void execute(PgConnectOptions database, String sql) {
    try (Connection connection = connect(database); Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** A plain JDBC connection to the database, for tests that hold locks or transactions of their own. */
  public static Connection connect(PgConnectOptions database) throws SQLException {
    String url = "jdbc:postgresql://" + database.getHost() + ":" + database.getPort() + "/" + database.getDatabase();
    return DriverManager.getConnection(url, database.getUser(), database.getPassword());
  }
}
