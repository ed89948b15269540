package io.github.minichat.gateway;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Every open socket of this gateway process, so that a graceful shutdown can refuse new handshakes, ask each
 * client to reconnect elsewhere (close code 1012) once its sends in flight are answered, and wait for all of them
 * to close, within a bound.
 */
final class GatewayDrain {

  private final Set<ChatConnection> open = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final Promise<Void> allClosed = Promise.promise();

  boolean draining() {
    return draining.get();
  }

  void opened(ChatConnection connection) {
    open.add(connection);
  }

  void closed(ChatConnection connection) {
    open.remove(connection);
    if (draining.get() && open.isEmpty()) {
      allClosed.tryComplete();
    }
  }

  int openSockets() {
    return open.size();
  }

  /** Starts draining; completes when every socket has closed or {@code within} has passed. */
  Future<Void> drain(Vertx vertx, Duration within) {
    if (draining.compareAndSet(false, true)) {
      open.forEach(connection -> connection.onContext(connection::drain));
      if (open.isEmpty()) {
        allClosed.tryComplete();
      }
    }
    Promise<Void> timeout = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, within.toMillis()), id -> timeout.tryComplete());
    return Future.any(allClosed.future(), timeout.future())
        .onComplete(ignored -> vertx.cancelTimer(timer))
        .mapEmpty();
  }
}
