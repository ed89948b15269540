package io.github.minichat.systemtest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything the honest clients of an audit did and got: each send (its first transmission, the connections it went
 * out on, its ack or refusal), each connection, every error frame, and a timeline of the faults and changes. Shared
 * by the clients' event loops and the test thread: every method is synchronized.
 */
final class AuditLedger {

  /** One honest message, identified by its sender and cid. */
  static final class Send {
    final String cid;
    final long fromId;
    final AuditRecipient to;
    final String text;
    /** When it first went out on a socket ({@link System#nanoTime()}), -1 before. */
    long firstSentAtNanos = -1;
    final List<String> sentOn = new ArrayList<>();
    AuditConnection.Ack ack;
    long ackedAtNanos = -1;
    /** Ids of every ack for this cid: a retried send must be acked with the message stored first. */
    final List<Long> ackIds = new ArrayList<>();
    String refusedWith;
    int transmissions;

    Send(String cid, long fromId, AuditRecipient to, String text) {
      this.cid = cid;
      this.fromId = fromId;
      this.to = to;
      this.text = text;
    }

    boolean settled() {
      return ack != null || refusedWith != null;
    }
  }

  /** A copy of one send for the audit. */
  record SendRecord(String cid, long fromId, AuditRecipient to, long firstSentAtNanos, List<String> sentOn,
                    AuditConnection.Ack ack, long ackedAtNanos, List<Long> ackIds, String refusedWith,
                    int transmissions) {
  }

  /** An error frame an honest client got: its code, whether it said retryable, and what it answered. */
  record ErrorRecord(String connection, String code, boolean retryable, Object ref, String message) {
  }

  final long startedAtNanos = System.nanoTime();
  private final Map<String, Send> sends = new LinkedHashMap<>();
  private final List<AuditConnection> connections = new ArrayList<>();
  private final List<ErrorRecord> errors = new ArrayList<>();
  private final List<String> timeline = new ArrayList<>();
  private long withdrawn;

  synchronized Send newSend(String cid, long fromId, AuditRecipient to, String text) {
    Send send = new Send(cid, fromId, to, text);
    if (sends.putIfAbsent(cid, send) != null) {
      throw new IllegalStateException("cid used twice by the audit: " + cid);
    }
    return send;
  }

  synchronized void transmitted(Send send, AuditConnection on) {
    if (send.firstSentAtNanos < 0) {
      send.firstSentAtNanos = System.nanoTime();
    }
    if (!send.sentOn.contains(on.label)) {
      send.sentOn.add(on.label);
    }
    send.transmissions++;
    on.sent(send.cid);
  }

  synchronized void acked(Send send, AuditConnection.Ack ack) {
    send.ackIds.add(ack.id());
    if (send.ack == null) {
      send.ack = ack;
      send.ackedAtNanos = System.nanoTime();
    }
  }

  /**
   * A message the client made but never put on a socket before the traffic stopped (a server slower than the
   * schedule leaves a backlog): it promised nothing, so it leaves the ledger.
   */
  synchronized void withdraw(Send send) {
    if (send.firstSentAtNanos < 0 && sends.remove(send.cid) != null) {
      withdrawn++;
    }
  }

  synchronized long withdrawn() {
    return withdrawn;
  }

  synchronized void refused(Send send, String code) {
    if (send.ack == null && send.refusedWith == null) {
      send.refusedWith = code;
    }
  }

  /** A new connection of {@code device}, labelled with the device and its generation ({@code u1#2}). */
  synchronized AuditConnection newConnection(long userId, String device, String gateway) {
    long generation = connections.stream().filter(c -> c.device.equals(device)).count() + 1;
    AuditConnection connection = new AuditConnection(device + "#" + generation, device, userId, gateway);
    connections.add(connection);
    return connection;
  }

  synchronized void error(AuditConnection on, String code, boolean retryable, Object ref, String message) {
    errors.add(new ErrorRecord(on.label, code, retryable, ref, message));
  }

  /** The gateway died now: its connections stop counting as bound from this instant, whenever their close shows. */
  synchronized void gatewayKilled(String gateway) {
    long now = System.nanoTime();
    connections.stream().filter(c -> c.gateway.equals(gateway)).forEach(c -> c.ended(now, "gateway killed"));
    event("gateway " + gateway + " killed (SIGKILL)");
  }

  synchronized void event(String what) {
    timeline.add(String.format("%6.1f s  %s", (System.nanoTime() - startedAtNanos) / 1e9, what));
  }

  synchronized long unsettledSends() {
    return sends.values().stream().filter(send -> !send.settled()).count();
  }

  /** The users with an acknowledged send first made after {@code nanos}. */
  synchronized Set<Long> sendersAckedSince(long nanos) {
    Set<Long> users = new HashSet<>();
    sends.values().stream().filter(send -> send.ack != null && send.firstSentAtNanos > nanos)
        .forEach(send -> users.add(send.fromId));
    return users;
  }

  synchronized long ackedSends() {
    return sends.values().stream().filter(send -> send.ack != null).count();
  }

  synchronized List<SendRecord> sends() {
    return sends.values().stream().map(s -> new SendRecord(s.cid, s.fromId, s.to, s.firstSentAtNanos,
        List.copyOf(s.sentOn), s.ack, s.ackedAtNanos, List.copyOf(s.ackIds), s.refusedWith, s.transmissions)).toList();
  }

  synchronized List<AuditConnection> connections() {
    return List.copyOf(connections);
  }

  /** Copies of every connection, for the audit once traffic has settled. */
  synchronized List<AuditConnection.Snapshot> snapshots() {
    return connections.stream().map(AuditConnection::snapshot).toList();
  }

  synchronized List<ErrorRecord> errors() {
    return List.copyOf(errors);
  }

  synchronized Map<String, Integer> errorsByCode(boolean retryable) {
    Map<String, Integer> byCode = new TreeMap<>();
    errors.stream().filter(e -> e.retryable() == retryable).forEach(e -> byCode.merge(e.code(), 1, Integer::sum));
    return byCode;
  }

  synchronized List<String> timeline() {
    return List.copyOf(timeline);
  }
}
