package io.github.minichat.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters and latencies of a storm, written by every verticle's event loop and read by the reporting thread. */
final class StormStats {

  final LongAdder started = new LongAdder();
  final LongAdder ready = new LongAdder();
  final LongAdder failed = new LongAdder();
  /** Ready sockets the server closed before we did (idle timeout, drain, presence unavailable…). */
  final LongAdder dropped = new LongAdder();
  final LongAdder closedByUs = new LongAdder();
  final LongAdder heartsSent = new LongAdder();

  /** Handshake start → {@code heart} answered after {@code bind}: the connection is usable. */
  final LatencyTrack connect = new LatencyTrack();
  /** Handshake start → HTTP upgrade done (token checked). */
  final LatencyTrack handshake = new LatencyTrack();
  /** Heartbeats of ready connections, sent → answered. */
  final LatencyTrack heartbeat = new LatencyTrack();
  /** The same, once the ramp is over: the steady state of idle connections, without the connects' load. */
  final LatencyTrack heldHeartbeat = new LatencyTrack();
  volatile boolean holding;

  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> incidents = new ConcurrentHashMap<>();
  private final AtomicLong lastSettledNanos = new AtomicLong();

  void failed(String reason) {
    failed.increment();
    failures.computeIfAbsent(reason, ignored -> new LongAdder()).increment();
    settledAt(System.nanoTime());
  }

  void ready(long startNanos, long handshakeNanos, long readyNanos) {
    ready.increment();
    handshake.recordNanos(handshakeNanos - startNanos);
    connect.recordNanos(readyNanos - startNanos);
    settledAt(readyNanos);
  }

  /** Something that went wrong with a connection after it was ready. */
  void incident(String what) {
    incidents.computeIfAbsent(what, ignored -> new LongAdder()).increment();
  }

  long lastSettledNanos() {
    return lastSettledNanos.get();
  }

  Map<String, Long> failures() {
    return snapshot(failures);
  }

  Map<String, Long> incidents() {
    return snapshot(incidents);
  }

  private void settledAt(long nanos) {
    lastSettledNanos.accumulateAndGet(nanos, Math::max);
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> counts) {
    Map<String, Long> sorted = new TreeMap<>();
    counts.forEach((reason, count) -> sorted.put(reason, count.sum()));
    return sorted;
  }
}
