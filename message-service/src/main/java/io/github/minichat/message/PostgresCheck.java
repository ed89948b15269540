package io.github.minichat.message;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/**
 * Whether PostgreSQL answers, for the readiness probe: a {@code SELECT 1} over a connection of its own (so that a
 * busy store pool can't make it lie either way), bounded in time, its answer kept for a short while so that
 * frequent probes cost the database nothing.
 */
final class PostgresCheck {

  static final long TIMEOUT_MS = 1_500;
  static final long CACHE_MS = 2_000;

  private final Vertx vertx;
  private final Pool pool;
  private Future<?> last;
  private long lastAt;

  PostgresCheck(Vertx vertx, PgConnectOptions options) {
    this.vertx = vertx;
    this.pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(1).setMaxWaitQueueSize(4).setName("minichat-readiness"))
        .connectingTo(new PgConnectOptions(options)
            .setReconnectAttempts(0).setPipeliningLimit(1))
        .using(vertx)
        .build();
  }

  /** Succeeds while the database answers. */
  synchronized Future<?> check() {
    long now = System.currentTimeMillis();
    if (last != null && (!last.isComplete() || now - lastAt < CACHE_MS)) {
      return last;
    }
    lastAt = now;
    last = pool.query("SELECT 1").execute()
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .recover(failure -> Future.failedFuture("PostgreSQL does not answer: " + failure.getMessage()));
    return last;
  }
}
