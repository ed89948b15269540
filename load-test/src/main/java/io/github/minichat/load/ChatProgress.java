package io.github.minichat.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Prints one line a second while a chat run goes (from its own thread: no event loop waits on stdout) and keeps
 * each second's figures for the report's latency-over-time chart.
 */
final class ChatProgress implements AutoCloseable {

  /** One second of the run: messages sent and delivered in it, and its delivery latency (µs). */
  record Second(int second, String phase, long sent, long delivered, long errors, long p50, long p99, long max,
                long samples) {
  }

  private final ChatStats stats;
  private final LongSupplier outstanding;
  private final long startNanos = System.nanoTime();
  private final List<Second> seconds = new ArrayList<>();
  private final Histogram soFar = new Histogram(3);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "progress");
    thread.setDaemon(true);
    return thread;
  });
  private volatile String phase = "connect";
  private long lastSent;
  private long lastDelivered;
  private long lastErrors;

  ChatProgress(ChatStats stats) {
    this(stats, stats::undelivered);
  }

  /** {@code outstanding}: what the line shows as still to deliver (a group message has many recipients). */
  ChatProgress(ChatStats stats, LongSupplier outstanding) {
    this.stats = stats;
    this.outstanding = outstanding;
    timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
  }

  void phase(String phase) {
    this.phase = phase;
  }

  synchronized List<Second> seconds() {
    return List.copyOf(seconds);
  }

  private synchronized void tick() {
    int second = (int) TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
    long sent = stats.sent.sum();
    long delivered = stats.delivered.sum();
    long errors = stats.errorCount();
    Histogram interval = stats.delivery.interval();
    soFar.add(interval);
    String current = phase;
    if (current.equals("connect")) {
      System.out.printf("[%4ds] connect   bound %d  failed %d%n", second, stats.connected.sum(),
          stats.connectFailed.sum());
      return;
    }
    Second s = new Second(second, current, sent - lastSent, delivered - lastDelivered, errors - lastErrors,
        interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(50),
        interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99), interval.getMaxValue(),
        interval.getTotalCount());
    seconds.add(s);
    System.out.printf("[%4ds] %-8s sent %6d/s  delivered %6d/s  outstanding %d  late %d  errors %d"
            + "  | p99 1s %s  so far %s  max %s%n",
        second, current, s.sent(), s.delivered(), outstanding.getAsLong(), stats.late.sum(), errors,
        ms(s.samples(), s.p99()), ms(soFar.getTotalCount(), soFar.getTotalCount() == 0 ? 0
            : soFar.getValueAtPercentile(99)), ms(s.samples(), s.max()));
    lastSent = sent;
    lastDelivered = delivered;
    lastErrors = errors;
  }

  private static String ms(long samples, long micros) {
    return samples == 0 ? "-" : LatencyTrack.millis(micros);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
