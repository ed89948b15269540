package io.github.minichat.message;

import io.github.minichat.common.GroupReceipts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coalesces read receipts per group: the seqs members marked read since a group's last flush are remembered as one
 * range, and each group that has some is flushed (its counts read, then pushed to the senders) at most once per
 * period, however many members read in between. One timer, set only while some group waits. Used on one event loop
 * only (the verticle's: read marks complete there and the timer fires there).
 *
 * <p>Bounded: at most {@code maxWaiting} groups wait at once; beyond, the group that has waited longest is dropped
 * (its senders miss that receipt; the next read of the group pushes fresh counts), and at most
 * {@link #MAX_FLUSHING} reads of counts are out at once (the others wait for the next tick). Receipts are a hint:
 * a lost one costs a sender a late count, never a wrong one.
 */
final class ReceiptFlusher {

  /** Reads the counts of a group's messages with a seq in after..upTo, the newest {@code max} at most. */
  @FunctionalInterface
  interface ReceiptQuery {
    Future<List<GroupReceipts>> receipts(long groupId, long after, long upTo, int max);
  }

  /** Messages whose counts one flush pushes at most: a reader catching up on thousands moves the newest only. */
  static final int MAX_SEQS = 200;
  static final int MAX_WAITING = 10_000;
  static final int MAX_FLUSHING = 32;

  private static final Logger LOG = LoggerFactory.getLogger(ReceiptFlusher.class);

  /**
   * The seqs marked read since the last flush, as one range after..upTo: the hull of the marks, which re-reads the
   * seqs between two marks (their counts only grow, so pushing them again is harmless).
   */
  private record Range(long after, long upTo) {
    Range union(Range other) {
      return new Range(Math.min(after, other.after), Math.max(upTo, other.upTo));
    }
  }

  private final Vertx vertx;
  private final long periodMillis;
  private final int maxWaiting;
  private final ReceiptQuery query;
  private final Consumer<List<GroupReceipts>> push;
  /** Groups with marks not flushed yet, the one waiting longest first. */
  private final LinkedHashMap<Long, Range> waiting = new LinkedHashMap<>();
  /** Groups whose counts are being read: they wait for the next tick, so that their pushes never overtake. */
  private final Set<Long> flushing = new HashSet<>();
  private long timer = -1;
  private boolean closed;

  ReceiptFlusher(Vertx vertx, Duration period, ReceiptQuery query, Consumer<List<GroupReceipts>> push) {
    this(vertx, period, MAX_WAITING, query, push);
  }

  ReceiptFlusher(Vertx vertx, Duration period, int maxWaiting, ReceiptQuery query,
                 Consumer<List<GroupReceipts>> push) {
    this.vertx = vertx;
    this.periodMillis = Math.max(1, period.toMillis());
    this.maxWaiting = maxWaiting;
    this.query = query;
    this.push = push;
  }

  /** A member marked the seqs after..upTo of a group read. */
  void marked(long groupId, long after, long upTo) {
    if (closed || upTo <= after) {
      return;
    }
    waiting.merge(groupId, new Range(after, upTo), Range::union);
    if (waiting.size() > maxWaiting) {
      Iterator<Long> oldest = waiting.keySet().iterator();
      LOG.debug("Receipts of group {} dropped: {} groups wait already", oldest.next(), maxWaiting);
      oldest.remove();
    }
    schedule();
  }

  /** Groups whose receipts wait for a flush. */
  int waiting() {
    return waiting.size();
  }

  void close() {
    closed = true;
    waiting.clear();
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void schedule() {
    if (timer < 0 && !waiting.isEmpty() && !closed) {
      timer = vertx.setTimer(periodMillis, fired -> flush());
    }
  }

  private void flush() {
    timer = -1;
    Iterator<Map.Entry<Long, Range>> groups = waiting.entrySet().iterator();
    while (groups.hasNext() && flushing.size() < MAX_FLUSHING) {
      Map.Entry<Long, Range> group = groups.next();
      long groupId = group.getKey();
      if (flushing.add(groupId)) {
        groups.remove();
        Range range = group.getValue();
        read(groupId, range).onComplete(read -> {
          flushing.remove(groupId);
          if (read.failed()) {
            LOG.debug("Receipts of group {} not read: {}", groupId, read.cause().toString());
          } else if (!read.result().isEmpty() && !closed) {
            push.accept(read.result());
          }
        });
      }
    }
    schedule();
  }

  private Future<List<GroupReceipts>> read(long groupId, Range range) {
    try {
      return query.receipts(groupId, range.after(), range.upTo(), MAX_SEQS);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
