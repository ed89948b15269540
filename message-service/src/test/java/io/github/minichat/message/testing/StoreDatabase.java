package io.github.minichat.message.testing;

import io.github.minichat.message.Postgres;
import io.github.minichat.message.Schema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/**
 * For tests of the store below the services: a Vert.x instance and a reactive pool on a fresh database of the test
 * class's own, with the schema migrated.
 */
public final class StoreDatabase implements AutoCloseable {

  private final Vertx vertx;
  private final PgConnectOptions database;
  private final Pool pool;

  private StoreDatabase(Vertx vertx, PgConnectOptions database, Pool pool) {
    this.vertx = vertx;
    this.database = database;
    this.pool = pool;
  }

  public static StoreDatabase create(String purpose, int poolSize) {
    Vertx vertx = Vertx.vertx();
    PgConnectOptions database = TestDatabase.create(purpose);
    await(Schema.migrate(vertx, database, null));
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(poolSize))
        // the service's own connection settings: its statements are planned (and lock rows) as in production
        .connectingTo(Postgres.tuned(database))
        .using(vertx)
        .build();
    return new StoreDatabase(vertx, database, pool);
  }

  public Pool pool() {
    return pool;
  }

  @Override
  public void close() {
    await(pool.close());
    await(vertx.close());
    TestDatabase.drop(database);
  }

  /** The future's result, failing the test if it fails or takes more than 30 s. */
  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("did not complete: " + e, e);
    }
  }
}
