package io.github.minichat.systemtest;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What one WebSocket connection of an audit saw, in arrival order: the messages it got, pushed live or in a sync page
 * (kept apart by {@link Via}: only a push counts as a live delivery), the acks of its own sends, the {@code since} of
 * its catch-up sync, and when it was bound (its {@code heart} answer after {@code bind} arrived) and ended. Written
 * from the socket's handlers, read by the audit: every method is synchronized.
 */
final class AuditConnection {

  enum Via { PUSH, SYNC }

  /**
   * A message as this connection got it: {@code type} is the frame's ({@code text} or {@code group_text});
   * {@code groupId} is 0 for a one-to-one message, {@code toId} 0 for a group one.
   */
  record Received(Via via, String type, long groupId, long id, long seq, long cursor, long fromId, long toId,
                  long createdAtMillis, long receivedAtMillis) {

    static Received of(Via via, JsonObject message) {
      return new Received(via, message.getString("type"), message.getLong("group_id", 0L), message.getLong("id"),
          message.getLong("seq"), message.getLong("cursor"), message.getLong("from_id"), message.getLong("to_id", 0L),
          message.getLong("created_at", 0L), System.currentTimeMillis());
    }

    boolean pushed() {
      return via == Via.PUSH;
    }

    /** The conversation whose seqs it is numbered in: its group, or its two users, lower first. */
    String conversation() {
      return groupId != 0 ? "group " + groupId : Math.min(fromId, toId) + "-" + Math.max(fromId, toId);
    }

    /** Its identity: ids are unique among one-to-one messages and among group messages, not across both. */
    String identity() {
      return (groupId != 0 ? "group message " : "message ") + id;
    }
  }

  /** The ack of one of this connection's sends ({@code groupId} 0 for a one-to-one send). */
  record Ack(String cid, long groupId, long id, long seq, long cursor) {

    static Ack of(JsonObject ack) {
      return new Ack(ack.getString("cid"), ack.getLong("group_id", 0L), ack.getLong("id"), ack.getLong("seq"),
          ack.getLong("cursor"));
    }
  }

  final String label;
  final String device;
  final long userId;
  final String gateway;
  private long boundAtNanos = -1;
  private long endedAtNanos = -1;
  private String endReason;
  private long syncSince = -1;
  private final List<Received> received = new ArrayList<>();
  private final List<Ack> acks = new ArrayList<>();
  private final Set<String> sentCids = new LinkedHashSet<>();

  AuditConnection(String label, String device, long userId, String gateway) {
    this.label = label;
    this.device = device;
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

  /** The cursor its catch-up sync started from (the first sync request on this connection). */
  synchronized void syncing(long since) {
    if (syncSince < 0) {
      syncSince = since;
    }
  }

  synchronized void received(Received message) {
    received.add(message);
  }

  synchronized void acked(Ack ack) {
    acks.add(ack);
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
    return new Snapshot(label, device, userId, gateway, boundAtNanos, endedAtNanos, endReason, syncSince,
        List.copyOf(received), List.copyOf(acks), Set.copyOf(sentCids));
  }

  /** A copy for the audit, taken once traffic has settled. */
  record Snapshot(String label, String device, long userId, String gateway, long boundAtNanos, long endedAtNanos,
                  String endReason, long syncSince, List<Received> received, List<Ack> acks, Set<String> sentCids) {

    boolean bound() {
      return boundAtNanos >= 0;
    }

    boolean aliveAtEnd() {
      return boundAtNanos >= 0 && endedAtNanos < 0;
    }

    /** The live pushes, in arrival order. */
    List<Received> pushes() {
      return received.stream().filter(Received::pushed).toList();
    }
  }
}
