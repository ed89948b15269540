package io.github.minichat.load;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Prints a line a second from its own thread, prefixed with the seconds since it started. */
final class Ticker implements AutoCloseable {

  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "progress");
    thread.setDaemon(true);
    return thread;
  });

  Ticker(Supplier<String> line) {
    timer.scheduleAtFixedRate(() -> System.out.printf("[%4ds] %s%n",
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos), line.get()), 1, 1, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
