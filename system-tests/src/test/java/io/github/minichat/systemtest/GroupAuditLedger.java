package io.github.minichat.systemtest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the clients of the group audit did and got: each send to a group (its first transmission, the
 * connections it went out on, its ack or refusal), each connection, every error frame, and a timeline of the
 * faults and membership changes. Shared by the clients' event loops and the test thread: every method is
 * synchronized.
 */
final class GroupAuditLedger {

  /** One message to a group, identified by its sender and cid. */
  static final class Send {
    final String cid;
    final long fromId;
    final long groupId;
    final String text;
    long firstSentAtNanos = -1;
    final List<String> sentOn = new ArrayList<>();
    GroupAuditConnection.Ack ack;
    /** Ids of every ack for this cid: a retried send must be acked with the message stored first. */
    final List<Long> ackIds = new ArrayList<>();
    String refusedWith;
    int transmissions;

    Send(String cid, long fromId, long groupId, String text) {
      this.cid = cid;
      this.fromId = fromId;
      this.groupId = groupId;
      this.text = text;
    }

    boolean settled() {
      return ack != null || refusedWith != null;
    }
  }

  /** A copy of one send for the audit. */
  record SendRecord(String cid, long fromId, long groupId, List<String> sentOn, GroupAuditConnection.Ack ack,
                    List<Long> ackIds, String refusedWith, int transmissions) {
  }

  /** An error frame a client got. */
  record ErrorRecord(String connection, String code, boolean retryable, Object ref, String message) {
  }

  final long startedAtNanos = System.nanoTime();
  private final Map<String, Send> sends = new LinkedHashMap<>();
  private final List<GroupAuditConnection> connections = new ArrayList<>();
  private final List<ErrorRecord> errors = new ArrayList<>();
  private final List<String> timeline = new ArrayList<>();
  private long withdrawn;

  synchronized Send newSend(String cid, long fromId, long groupId, String text) {
    Send send = new Send(cid, fromId, groupId, text);
    if (sends.putIfAbsent(cid, send) != null) {
      throw new IllegalStateException("cid used twice by the audit: " + cid);
    }
    return send;
  }

  synchronized void transmitted(Send send, GroupAuditConnection on) {
    if (send.firstSentAtNanos < 0) {
      send.firstSentAtNanos = System.nanoTime();
    }
    if (!send.sentOn.contains(on.label)) {
      send.sentOn.add(on.label);
    }
    send.transmissions++;
    on.sent(send.cid);
  }

  synchronized void acked(Send send, GroupAuditConnection.Ack ack) {
    send.ackIds.add(ack.id());
    if (send.ack == null) {
      send.ack = ack;
    }
  }

  /** A message made but never put on a socket before the traffic stopped: it promised nothing, so it leaves. */
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

  synchronized GroupAuditConnection newConnection(long userId, String device, String gateway) {
    long generation = connections.stream().filter(c -> c.device.equals(device)).count() + 1;
    GroupAuditConnection connection = new GroupAuditConnection(device + "#" + generation, device, userId, gateway);
    connections.add(connection);
    return connection;
  }

  synchronized void error(GroupAuditConnection on, String code, boolean retryable, Object ref, String message) {
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

  synchronized long ackedSends() {
    return sends.values().stream().filter(send -> send.ack != null).count();
  }

  synchronized List<SendRecord> sends() {
    return sends.values().stream().map(s -> new SendRecord(s.cid, s.fromId, s.groupId, List.copyOf(s.sentOn), s.ack,
        List.copyOf(s.ackIds), s.refusedWith, s.transmissions)).toList();
  }

  synchronized List<GroupAuditConnection> connections() {
    return List.copyOf(connections);
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
