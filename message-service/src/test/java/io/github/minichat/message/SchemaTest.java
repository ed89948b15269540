package io.github.minichat.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The two ways of owning the schema, on a real PostgreSQL: a migration job that runs as the owner and leaves the
 * service's role DML rights alone, and a service that waits for the schema its code expects, failing, not
 * migrating, when no job comes.
 */
class SchemaTest {

  private final Vertx vertx = Vertx.vertx();
  private PgConnectOptions database;
  private final String runtimeRole = "minichat_rt_" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void createDatabase() {
    database = TestDatabase.create("schema");
  }

  @AfterEach
  void dropAll() throws Exception {
    TestDatabase.drop(database);
    TestDatabase.execute(new PgConnectOptions(database).setDatabase("postgres"), "DROP ROLE IF EXISTS " + runtimeRole);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a service that checks the schema waits for the migration job, and fails, naming it, when none comes")
  void checkWaitsForTheJob() throws Exception {
    assertThatThrownBy(() -> Schema.awaitCurrent(vertx, database, Duration.ZERO).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("migration(s) behind").hasMessageContaining("CHAT_MIGRATE=only");
    assertThat(TestDatabase.queryLong(database,
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'messages'"))
        .as("checking never migrates").isZero();

    Future<Void> waiting = Schema.awaitCurrent(vertx, database, Duration.ofSeconds(60));
    Schema.migrate(vertx, database, null).await(60, TimeUnit.SECONDS);
    waiting.await(60, TimeUnit.SECONDS);
    assertThat(waiting.succeeded()).isTrue();
  }

  @Test
  @DisplayName("the job grants the service's role reading and writing rows, and no creating, altering or dropping")
  void runtimeRoleHasDmlOnly() throws Exception {
    TestDatabase.execute(database, "CREATE ROLE " + runtimeRole + " LOGIN");
    Schema.migrate(vertx, database, runtimeRole).await(60, TimeUnit.SECONDS);
    String url = Postgres.jdbcUrl(database);
    try (var connection = DriverManager.getConnection(url, runtimeRole, null);
         var statement = connection.createStatement()) {
      statement.execute("SELECT count(*) FROM messages");
      statement.execute("DELETE FROM messages WHERE id < 0");
      statement.execute("UPDATE inboxes SET unread = unread WHERE user_id < 0");
      for (String ddl : new String[] {"CREATE TABLE intruder (id int)", "DROP TABLE messages",
          "ALTER TABLE messages ADD COLUMN intruder int", "TRUNCATE messages"}) {
        assertThatThrownBy(() -> statement.execute(ddl)).as(ddl).isInstanceOf(SQLException.class).satisfiesAnyOf(
                refusal -> assertThat(refusal).hasMessageContaining("permission denied"),
                refusal -> assertThat(refusal).hasMessageContaining("must be owner"));
      }
    }
  }
}
