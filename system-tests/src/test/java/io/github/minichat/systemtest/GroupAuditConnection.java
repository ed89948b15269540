package io.github.minichat.systemtest;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What one WebSocket connection of the group audit saw, in arrival order: the group messages it got, pushed live or
 * in a sync page (kept apart by {@link Via}), the acks of its own sends, the {@code since} of its catch-up sync, and
 * when it was bound and ended. Written from the socket's handlers, read by the audit: every method is synchronized.
 */
final class GroupAuditConnection {

  enum Via { PUSH, SYNC }

  /** A message as this connection got it; {@code type} is the frame's ({@code group_text}, or anything else). */
  record Received(Via via, String type, long groupId, long id, long seq, long cursor, long fromId) {

    static Received of(Via via, JsonObject message) {
      return new Received(via, message.getString("type"), message.getLong("group_id", 0L), message.getLong("id"),
          message.getLong("seq"), message.getLong("cursor"), message.getLong("from_id"));
    }
  }

  /** The ack of one of this connection's sends. */
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

  GroupAuditConnection(String label, String device, long userId, String gateway) {
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
  }
}
