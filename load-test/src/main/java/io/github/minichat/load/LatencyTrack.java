package io.github.minichat.load;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A latency histogram written from any event loop without locks (a {@link Recorder}) and read once a second by the
 * progress line (the last interval) and at the end (the whole run). Values are kept in microseconds.
 */
final class LatencyTrack {

  private final Recorder recorder = new Recorder(3);
  private final Histogram total = new Histogram(3);
  private Histogram interval;

  void recordNanos(long nanos) {
    recorder.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos)));
  }

  /** What was recorded since the previous call (also added to the total). */
  synchronized Histogram interval() {
    interval = recorder.getIntervalHistogram(interval);
    total.add(interval);
    return interval.copy();
  }

  /** Everything recorded so far. */
  synchronized Histogram total() {
    interval();
    return total.copy();
  }

  /** {@code p50 1.23 ms  p90 …  p99 …  max …}, or "none" without samples. */
  static String describe(Histogram histogram) {
    if (histogram.getTotalCount() == 0) {
      return "none";
    }
    return String.format("p50 %s  p90 %s  p99 %s  max %s  (n=%d)",
        millis(histogram.getValueAtPercentile(50)), millis(histogram.getValueAtPercentile(90)),
        millis(histogram.getValueAtPercentile(99)), millis(histogram.getMaxValue()), histogram.getTotalCount());
  }

  static String millis(long micros) {
    return micros < 10_000 ? String.format("%.2f ms", micros / 1000.0) : String.format("%.1f ms", micros / 1000.0);
  }
}
