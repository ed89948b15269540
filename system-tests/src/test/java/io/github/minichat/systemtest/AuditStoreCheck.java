package io.github.minichat.systemtest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The database against the acks: no send refused, none left unanswered; every acknowledged cid stored exactly once,
 * as the message its acks named (id, seq, recipient); nothing of the audited senders stored that was never
 * acknowledged; every audited inbox dense, its counter at its head.
 */
final class AuditStoreCheck {

  /** What the sends came to, and how many of each fault the database showed. */
  record Figures(int sends, long acked, long transmissions, long refused, int unsettled, long withdrawn,
                 String ackLatency, int mismatched, int storedUnacked, int inboxFaults) {

    String lines() {
      return String.format("sends: %d acked of %d (%d transmissions, %d resent); refused %d; never acked %d; not yet"
              + " sent when the traffic stopped (dropped) %d%n", acked, sends, transmissions, transmissions - sends,
          refused, unsettled, withdrawn)
          + "ack latency (first transmission to ack): " + ackLatency + '\n'
          + String.format("database: acks not matching exactly one stored row %d; stored but never acknowledged %d;"
          + " inboxes not dense %d%n", mismatched, storedUnacked, inboxFaults);
    }
  }

  private AuditStoreCheck() {
  }

  static Figures check(List<AuditLedger.SendRecord> sends, AuditDatabase.Contents database, Collection<Long> users,
                       long withdrawn, AuditFindings findings) {
    Map<String, List<AuditDatabase.Stored>> stored = new HashMap<>();
    database.storedBy(users).forEach(row -> stored.computeIfAbsent(row.key(), k -> new ArrayList<>()).add(row));
    Set<String> ackedKeys = new HashSet<>();
    long acked = 0;
    long transmissions = 0;
    long refused = 0;
    List<String> unsettled = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    for (AuditLedger.SendRecord send : sends) {
      transmissions += send.transmissions();
      if (send.refusedWith() != null) {
        refused++;
        findings.fail("send " + send.cid() + " to " + send.to() + " refused with " + send.refusedWith());
      }
      if (send.ack() == null) {
        if (send.refusedWith() == null) {
          unsettled.add(send.cid());
        }
        continue;
      }
      acked++;
      String key = send.fromId() + "/" + send.cid();
      ackedKeys.add(key);
      List<AuditDatabase.Stored> rows = stored.getOrDefault(key, List.of());
      AuditDatabase.Stored row = rows.size() == 1 ? rows.get(0) : null;
      boolean sameIdEachAck = send.ackIds().stream().allMatch(id -> id == send.ack().id());
      if (row == null || row.id() != send.ack().id() || !row.to().equals(send.to()) || row.seq() != send.ack().seq()
          || !sameIdEachAck) {
        mismatched.add(send.cid() + " to " + send.to() + " acked as " + send.ackIds() + " seq " + send.ack().seq()
            + ", stored as " + rows.stream().map(r -> "id " + r.id() + " to " + r.to() + " seq " + r.seq()).toList());
      }
    }
    // one entry per stored row: a cid stored twice without an ack counts twice
    List<String> storedUnacked = stored.entrySet().stream().filter(entry -> !ackedKeys.contains(entry.getKey()))
        .flatMap(entry -> entry.getValue().stream().map(AuditDatabase.Stored::key)).sorted().toList();
    findings.failIfAny(unsettled, "sends never acknowledged");
    findings.failIfAny(mismatched, "acks not matching exactly one stored row");
    findings.failIfAny(storedUnacked, "messages stored but never acknowledged");
    int inboxFaults = checkDense(database, users, findings);
    return new Figures(sends.size(), acked, transmissions, refused, unsettled.size(), withdrawn, latencies(sends),
        mismatched.size(), storedUnacked.size(), inboxFaults);
  }

  /** Each inbox holds every position from 1 to its head once, and its counter is at the head. */
  private static int checkDense(AuditDatabase.Contents database, Collection<Long> users, AuditFindings findings) {
    int faults = 0;
    for (long user : users) {
      long head = database.head(user);
      int positions = database.inbox(user).size();
      int clashes = database.clashes().getOrDefault(user, 0);
      long counter = database.inboxCounters().getOrDefault(user, 0L);
      if (positions != head || clashes > 0 || counter != head) {
        faults++;
        findings.fail("inbox of " + user + " not dense: " + positions + " positions up to " + head + ", " + clashes
            + " taken twice, counter " + counter);
      }
    }
    return faults;
  }

  /** First transmission to ack, over the acknowledged sends. */
  private static String latencies(List<AuditLedger.SendRecord> sends) {
    long[] millis = sends.stream().filter(send -> send.ack() != null)
        .mapToLong(send -> (send.ackedAtNanos() - send.firstSentAtNanos()) / 1_000_000).sorted().toArray();
    if (millis.length == 0) {
      return "none";
    }
    return String.format("p50 %d ms, p99 %d ms, max %d ms", millis[millis.length / 2],
        millis[(int) Math.min(millis.length - 1, Math.round(millis.length * 0.99))], millis[millis.length - 1]);
  }
}
