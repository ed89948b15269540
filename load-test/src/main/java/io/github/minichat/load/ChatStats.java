package io.github.minichat.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The accounting of a chat run, written by every loop and read by the reporting thread. A message is sent once
 * written to its socket; then acknowledged, refused (an error frame: counted by code) or unanswered (its socket
 * closed first); and, at its recipient, delivered once, or again (a duplicate).
 */
final class ChatStats {

  final LongAdder connected = new LongAdder();
  final LongAdder connectFailed = new LongAdder();
  final LongAdder sent = new LongAdder();
  final LongAdder acked = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder unanswered = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder duplicated = new LongAdder();
  /** Pushed {@code text} frames that are no message of this run (no cid, or one that was never sent). */
  final LongAdder unexpected = new LongAdder();
  /** Sends that found their connection's window full and waited for an earlier ack: the server fell behind. */
  final LongAdder late = new LongAdder();
  /** Sends still waiting for the window when the drain ended. */
  final LongAdder unsent = new LongAdder();
  final LongAdder measuredSent = new LongAdder();
  final LongAdder measuredDelivered = new LongAdder();

  /** Intended send time → ack (µs). */
  final LatencyTrack ack = new LatencyTrack();
  /** Intended send time → delivered to the recipient (µs). */
  final LatencyTrack delivery = new LatencyTrack();

  /** Sends intended before this are warm-up: accounted for, not in the latency figures. Set before sending. */
  volatile long measureStartNanos = Long.MAX_VALUE;

  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> incidents = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> connectFailures = new ConcurrentHashMap<>();

  boolean measured(long intendedNanos) {
    return intendedNanos - measureStartNanos >= 0;
  }

  void error(String code) {
    errors.computeIfAbsent(code, ignored -> new LongAdder()).increment();
  }

  void incident(String what) {
    incidents.computeIfAbsent(what, ignored -> new LongAdder()).increment();
  }

  void connectFailed(String reason) {
    connectFailed.increment();
    connectFailures.computeIfAbsent(reason, ignored -> new LongAdder()).increment();
  }

  long errorCount() {
    return refused.sum() + unanswered.sum();
  }

  /** Sent, not refused, and not delivered (yet, or ever). */
  long undelivered() {
    return Math.max(0, sent.sum() - refused.sum() - delivered.sum());
  }

  /** Every send answered and every accepted one delivered. */
  boolean settled() {
    return acked.sum() + refused.sum() + unanswered.sum() == sent.sum() && undelivered() == 0;
  }

  Map<String, Long> errors() {
    return snapshot(errors);
  }

  Map<String, Long> incidents() {
    return snapshot(incidents);
  }

  Map<String, Long> connectFailures() {
    return snapshot(connectFailures);
  }

  static Map<String, Long> snapshot(Map<String, LongAdder> counts) {
    Map<String, Long> sorted = new TreeMap<>();
    counts.forEach((what, count) -> sorted.put(what, count.sum()));
    return sorted;
  }
}
