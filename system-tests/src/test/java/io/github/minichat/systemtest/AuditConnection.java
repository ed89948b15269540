package io.github.minichat.systemtest;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What one WebSocket connection of the delivery audit saw, in arrival order: its live {@code text} pushes, the acks
 * of its own sends, the messages of its sync pages (kept apart: they do not count as deliveries), and when it was
 * bound (its {@code heart} answer after {@code bind} arrived) and ended. Written from the socket's handlers, read by
 * the audit: every method is synchronized.
 */
final class AuditConnection {

  /** A live {@code text} push as it arrived. */
  record Push(long id, long seq, long cursor, long fromId, long toId, String cid, long createdAtMillis,
              long receivedAtMillis) {

    static Push of(JsonObject text) {
      return new Push(text.getLong("id"), text.getLong("seq"), text.getLong("cursor"), text.getLong("from_id"),
          text.getLong("to_id"), text.getValue("cid") instanceof String cid ? cid : null,
          text.getLong("created_at"), System.currentTimeMillis());
    }

    /** The conversation: the two users, lower first. */
    String conversation() {
      return Math.min(fromId, toId) + "-" + Math.max(fromId, toId);
    }
  }

  /** The ack of one of this connection's sends. */
  record Ack(String cid, long id, long seq, long cursor) {

    static Ack of(JsonObject ack) {
      return new Ack(ack.getString("cid"), ack.getLong("id"), ack.getLong("seq"), ack.getLong("cursor"));
    }
  }

  final String label;
  final long userId;
  final String gateway;
  private long boundAtNanos = -1;
  private long endedAtNanos = -1;
  private String endReason;
  private final List<Push> pushes = new ArrayList<>();
  private final List<Ack> acks = new ArrayList<>();
  private final List<Long> syncedCursors = new ArrayList<>();
  private final Set<String> sentCids = new LinkedHashSet<>();

  AuditConnection(String label, long userId, String gateway) {
    this.label = label;
    this.userId = userId;
    this.gateway = gateway;
  }

  synchronized void bound() {
    if (boundAtNanos < 0 && endedAtNanos < 0) {
      boundAtNanos = System.nanoTime();
    }
  }

  /** The first end wins: a socket of a killed gateway may report its close after the kill was recorded. */
  synchronized void ended(long atNanos, String reason) {
    if (endedAtNanos < 0) {
      endedAtNanos = atNanos;
      endReason = reason;
    }
  }

  synchronized void pushed(Push push) {
    pushes.add(push);
  }

  synchronized void acked(Ack ack) {
    acks.add(ack);
  }

  synchronized void synced(long cursor) {
    syncedCursors.add(cursor);
  }

  synchronized void sent(String cid) {
    sentCids.add(cid);
  }

  synchronized boolean isBound() {
    return boundAtNanos >= 0;
  }

  /** Bound and not ended: every message stored from its bind on must reach it. */
  synchronized boolean isLive() {
    return boundAtNanos >= 0 && endedAtNanos < 0;
  }

  synchronized Snapshot snapshot() {
    return new Snapshot(label, userId, gateway, boundAtNanos, endedAtNanos, endReason, List.copyOf(pushes),
        List.copyOf(acks), List.copyOf(syncedCursors), Set.copyOf(sentCids));
  }

  /** A copy for the audit, taken once traffic has settled. */
  record Snapshot(String label, long userId, String gateway, long boundAtNanos, long endedAtNanos, String endReason,
                  List<Push> pushes, List<Ack> acks, List<Long> syncedCursors, Set<String> sentCids) {

    boolean bound() {
      return boundAtNanos >= 0;
    }

    boolean aliveAtEnd() {
      return boundAtNanos >= 0 && endedAtNanos < 0;
    }
  }
}
