package io.github.minichat.gateway;

import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * The settle read-backs of one gateway event loop, a few at a time. Sockets bind in bursts (a gateway starting, a
 * reconnect storm), and ten thousand reads sent at once would fill the store's bounded queue: the live sends behind
 * them would be refused, and the reads refused would be safety nets lost. A read waiting here only comes later.
 * Used from its event loop only.
 */
final class SettleReads {

  private final int maxInFlight;
  /** At most one read per connection of this event loop: bounded by the gateway's connection limit. */
  private final ArrayDeque<Supplier<Future<?>>> waiting = new ArrayDeque<>();
  private int inFlight;

  SettleReads(int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be positive: " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
  }

  /** Starts {@code read} once fewer than the limit are in flight, after those submitted before it. */
  void submit(Supplier<Future<?>> read) {
    waiting.add(read);
    startDue();
  }

  int inFlight() {
    return inFlight;
  }

  int waiting() {
    return waiting.size();
  }

  private void startDue() {
    while (inFlight < maxInFlight && !waiting.isEmpty()) {
      Future<?> read = start(waiting.poll());
      if (read.isComplete()) {
        continue; // nothing to wait for (its connection closed meanwhile): the next one, without recursing
      }
      inFlight++;
      read.onComplete(done -> {
        inFlight--;
        startDue();
      });
    }
  }

  private static Future<?> start(Supplier<Future<?>> read) {
    try {
      return read.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
