package io.github.minichat.systemtest;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** How the audits wait on the test thread: for a condition, a future, a process started, or an instant. */
final class AuditWaits {

  private static final Duration POLL = Duration.ofMillis(20);

  private AuditWaits() {
  }

  /** Fails the test if the condition is not true in time. */
  static void await(String what, Duration within, BooleanSupplier condition) {
    Awaitility.await(what).atMost(within).pollInterval(POLL).until(condition::getAsBoolean);
  }

  /** Whether the condition came true before the deadline (the audit then reports what did not). */
  static boolean within(Duration within, BooleanSupplier condition) {
    try {
      Awaitility.await().atMost(within).pollInterval(POLL).until(condition::getAsBoolean);
      return true;
    } catch (ConditionTimeoutException notYet) {
      return false;
    }
  }

  static <T> T awaitFuture(Future<T> future, Duration within, String what) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError(what + " did not complete within " + within + ": " + e, e);
    }
  }

  /** A service JVM started in the background: on a busy 2-core machine that takes a while. */
  static <T> T awaitStarted(CompletableFuture<T> starting, String what) {
    return awaitFuture(Future.fromCompletionStage(starting), LocalCluster.START_TIMEOUT.plusSeconds(30), what);
  }

  /**
   * Waits for an instant of the schedule: the traffic runs for a set time and the faults come at set points, so
   * here the clock itself is the condition.
   */
  static void waitUntil(long nanos) {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      Awaitility.await().atMost(Duration.ofNanos(left).plusSeconds(1)).pollInterval(POLL)
          .until(() -> System.nanoTime() >= nanos);
    }
  }
}
