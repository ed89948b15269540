package io.github.minichat.load;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Prints one line a second while a storm runs, from its own thread so that no event loop ever waits on stdout. */
final class ProgressLine implements AutoCloseable {

  private final StormStats stats;
  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "progress");
    thread.setDaemon(true);
    return thread;
  });
  private volatile String phase = "ramp";
  private long lastReady;

  ProgressLine(StormStats stats) {
    this.stats = stats;
    timer.scheduleAtFixedRate(this::print, 1, 1, TimeUnit.SECONDS);
  }

  void phase(String phase) {
    this.phase = phase;
  }

  private void print() {
    // one read of each counter, so that the figures of a line agree with each other
    long started = stats.started.sum();
    long ready = stats.ready.sum();
    long failed = stats.failed.sum();
    long gone = stats.dropped.sum() + stats.closedByUs.sum();
    Histogram lastSecond = stats.connect.interval();
    Histogram heartbeats = stats.heartbeat.interval();
    System.out.printf("[%4ds] %-5s started %d  ready %d (+%d/s)  failed %d  in flight %d  open %d  dropped %d"
            + "  | connect p99 %s  heartbeat p99 %s%n",
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos), phase, started, ready, ready - lastReady,
        failed, Math.max(0, started - ready - failed), Math.max(0, ready - gone), stats.dropped.sum(),
        p99(lastSecond), p99(heartbeats));
    lastReady = ready;
  }

  private static String p99(Histogram histogram) {
    return histogram.getTotalCount() == 0 ? "-" : LatencyTrack.millis(histogram.getValueAtPercentile(99));
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
