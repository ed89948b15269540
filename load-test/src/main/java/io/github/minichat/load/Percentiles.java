package io.github.minichat.load;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

/** The percentiles a report gives of a latency histogram (µs). */
record Percentiles(long count, double mean, long p50, long p90, long p99, long p999, long max) {

  static Percentiles of(Histogram h) {
    if (h.getTotalCount() == 0) {
      return new Percentiles(0, 0, 0, 0, 0, 0, 0);
    }
    return new Percentiles(h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50), h.getValueAtPercentile(90),
        h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue());
  }

  JsonObject toJson() {
    return new JsonObject().put("count", count).put("mean", Math.round(mean)).put("p50", p50).put("p90", p90)
        .put("p99", p99).put("p99_9", p999).put("max", max);
  }

  @Override
  public String toString() {
    if (count == 0) {
      return "none";
    }
    return String.format("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (n=%d)", LatencyTrack.millis(p50),
        LatencyTrack.millis(p90), LatencyTrack.millis(p99), LatencyTrack.millis(p999), LatencyTrack.millis(max),
        count);
  }
}
