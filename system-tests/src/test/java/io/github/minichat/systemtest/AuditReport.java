package io.github.minichat.systemtest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The delivery audit over what the honest clients recorded and what the database holds:
 * <ul>
 *   <li>every acknowledged message reached, as a live {@code text} push and exactly once, every connection of its
 *   sender and recipient (the sending one excepted: it got the ack) that was bound before the send was made and
 *   still bound at the end;</li>
 *   <li>on every connection the live pushes came in strictly increasing cursor order, no id twice, in seq order per
 *   conversation; the pushes and own acks of a connection leave no hole in the user's inbox from the first message
 *   sent after its bind up to the inbox head (alive at the end) or up to the last one it got (died early);</li>
 *   <li>the database matches the acks: each acknowledged cid stored once as the acked row, nothing honest stored
 *   unacknowledged, every inbox dense;</li>
 *   <li>no honest send refused, no honest connection closed by the server, presence right at the end.</li>
 * </ul>
 * {@link #table()} prints the figures; {@link #failures()} names what broke a promise.
 */
final class AuditReport {

  /** A push arriving this long after its message was stored counts as late (reported, not a failure). */
  static final long LATE_MILLIS = 1_000;
  private static final int EXAMPLES = 5;

  /** The figures of one connection. */
  record ConnectionFigures(String label, long userId, String gateway, double boundAtSeconds, String end,
                           int livePushes, int synced, int required, int missing, int duplicates, int outOfOrder,
                           int seqDisorder, int holes, int mismatched, int late) {
  }

  private final String parameters;
  private final long startedAtNanos;
  private final List<String> timeline;
  private final List<ConnectionFigures> rows = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private final List<String> notes;
  private final Map<String, Integer> retryableErrors;
  private final Map<String, Integer> nonRetryableErrors;
  private long acked;
  private long sends;
  private long transmissions;
  private long refused;
  private long unsettled;
  private long ackRowMismatches;
  private long storedUnacked;
  private long inboxFaults;
  private long unexpectedCloses;
  private long bindsRefused;
  private final long withdrawn;
  private String ackLatency = "";

  private AuditReport(String parameters, AuditLedger ledger, List<String> notes) {
    this.parameters = parameters;
    this.startedAtNanos = ledger.startedAtNanos;
    this.timeline = ledger.timeline();
    this.notes = new ArrayList<>(notes);
    this.retryableErrors = ledger.errorsByCode(true);
    this.nonRetryableErrors = ledger.errorsByCode(false);
    this.withdrawn = ledger.withdrawn();
  }

  /** Audits the ledger against the database; {@code notes} are printed as they are, below the figures. */
  static AuditReport audit(String parameters, AuditLedger ledger, AuditDatabase.Contents database,
                           Collection<Long> honestUsers, List<String> notes) {
    AuditReport report = new AuditReport(parameters, ledger, notes);
    List<AuditLedger.SendRecord> sends = ledger.sends();
    List<AuditConnection.Snapshot> connections = ledger.connections().stream().map(AuditConnection::snapshot)
        .toList();
    report.checkStore(sends, database, honestUsers);
    report.checkConnections(sends, connections, database);
    report.checkErrors(ledger.errors(), connections);
    return report;
  }

  void note(String note) {
    notes.add(note);
  }

  /** Adds the presence check made after the audit: users shown wrong, each described. */
  void presence(String summary, List<String> faults) {
    notes.add(summary);
    faults.forEach(fault -> failures.add("presence: " + fault));
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  // ---- the database against the acks ----

  private void checkStore(List<AuditLedger.SendRecord> all, AuditDatabase.Contents database,
                          Collection<Long> honestUsers) {
    sends = all.size();
    Map<String, AuditDatabase.Row> storedByCid = new HashMap<>();
    Map<String, Integer> storedCount = new HashMap<>();
    database.byId().values().stream().filter(row -> honestUsers.contains(row.fromId())).forEach(row -> {
      String key = row.fromId() + "/" + row.cid();
      storedByCid.put(key, row);
      storedCount.merge(key, 1, Integer::sum);
    });
    Set<String> ackedKeys = new HashSet<>();
    List<String> mismatchExamples = new ArrayList<>();
    for (AuditLedger.SendRecord send : all) {
      transmissions += send.transmissions();
      if (send.refusedWith() != null) {
        refused++;
        failures.add("send " + send.cid() + " refused with " + send.refusedWith());
      }
      if (send.ack() == null) {
        if (send.refusedWith() == null) {
          unsettled++;
        }
        continue;
      }
      acked++;
      String key = send.fromId() + "/" + send.cid();
      ackedKeys.add(key);
      AuditDatabase.Row row = storedByCid.get(key);
      boolean sameIdEachAck = send.ackIds().stream().allMatch(id -> id == send.ack().id());
      if (row == null || storedCount.get(key) != 1 || row.id() != send.ack().id() || row.toId() != send.toId()
          || !sameIdEachAck) {
        ackRowMismatches++;
        if (mismatchExamples.size() < EXAMPLES) {
          mismatchExamples.add(send.cid() + " acked as " + send.ackIds() + ", stored as "
              + (row == null ? "nothing" : row.id() + " (" + storedCount.get(key) + " rows)"));
        }
      }
    }
    ackLatency = latencies(all);
    if (unsettled > 0) {
      failures.add(unsettled + " honest sends never acknowledged");
    }
    if (ackRowMismatches > 0) {
      failures.add(ackRowMismatches + " acks not matching exactly one stored row, e.g. " + mismatchExamples);
    }
    List<String> unackedExamples = new ArrayList<>();
    for (Map.Entry<String, AuditDatabase.Row> stored : storedByCid.entrySet()) {
      if (!ackedKeys.contains(stored.getKey())) {
        storedUnacked += storedCount.get(stored.getKey());
        if (unackedExamples.size() < EXAMPLES) {
          unackedExamples.add(stored.getKey());
        }
      }
    }
    if (storedUnacked > 0) {
      failures.add(storedUnacked + " honest messages stored but never acknowledged, e.g. " + unackedExamples);
    }
    for (long user : honestUsers) {
      long head = database.head(user);
      int positions = database.inboxes().get(user).size();
      int clashes = database.clashes().getOrDefault(user, 0);
      long counter = database.inboxCounters().getOrDefault(user, 0L);
      if (positions != head || clashes > 0 || counter != head) {
        inboxFaults++;
        failures.add("inbox of " + user + " not dense: " + positions + " positions up to " + head + ", " + clashes
            + " shared, counter " + counter);
      }
    }
  }

  /** First transmission to ack, over the acknowledged sends. */
  private static String latencies(List<AuditLedger.SendRecord> all) {
    long[] millis = all.stream().filter(send -> send.ack() != null)
        .mapToLong(send -> (send.ackedAtNanos() - send.firstSentAtNanos()) / 1_000_000).sorted().toArray();
    if (millis.length == 0) {
      return "none";
    }
    return String.format("p50 %d ms, p99 %d ms, max %d ms", millis[millis.length / 2],
        millis[(int) Math.min(millis.length - 1, Math.round(millis.length * 0.99))], millis[millis.length - 1]);
  }

  // ---- what each connection got ----

  private void checkConnections(List<AuditLedger.SendRecord> sends, List<AuditConnection.Snapshot> connections,
                                AuditDatabase.Contents database) {
    for (AuditConnection.Snapshot connection : connections) {
      if (!connection.bound()) {
        rows.add(new ConnectionFigures(connection.label(), connection.userId(), connection.gateway(), -1,
            connection.endReason(), connection.pushes().size(), connection.syncedCursors().size(), 0, 0, 0, 0, 0, 0,
            0, 0));
        continue;
      }
      Map<Long, Integer> pushesById = new HashMap<>();
      connection.pushes().forEach(push -> pushesById.merge(push.id(), 1, Integer::sum));
      Deliveries deliveries = requiredDeliveries(connection, sends, pushesById);
      Order order = order(connection, database);
      int holes = holes(connection, sends, database);
      int late = (int) connection.pushes().stream()
          .filter(push -> push.receivedAtMillis() - push.createdAtMillis() > LATE_MILLIS).count();
      rows.add(new ConnectionFigures(connection.label(), connection.userId(), connection.gateway(),
          seconds(connection.boundAtNanos()), connection.endReason() == null ? "alive" : connection.endReason(),
          connection.pushes().size(), connection.syncedCursors().size(), deliveries.required, deliveries.missing,
          order.duplicates, order.outOfOrder, order.seqDisorder, holes, order.mismatched, late));
    }
  }

  private record Deliveries(int required, int missing) {
  }

  /** The acked messages this connection had to get live, and how many it did not get. */
  private Deliveries requiredDeliveries(AuditConnection.Snapshot connection, List<AuditLedger.SendRecord> sends,
                                        Map<Long, Integer> pushesById) {
    if (!connection.aliveAtEnd()) {
      return new Deliveries(0, 0);
    }
    int required = 0;
    int missing = 0;
    List<String> examples = new ArrayList<>();
    for (AuditLedger.SendRecord send : sends) {
      boolean concerned = send.fromId() == connection.userId() || send.toId() == connection.userId();
      if (send.ack() == null || !concerned || send.sentOn().contains(connection.label())
          || send.firstSentAtNanos() <= connection.boundAtNanos()) {
        continue;
      }
      required++;
      if (!pushesById.containsKey(send.ack().id())) {
        missing++;
        if (examples.size() < EXAMPLES) {
          examples.add(send.cid() + " (id " + send.ack().id() + ", cursor " + (send.toId() == connection.userId()
              ? "of recipient" : "of sender") + ")");
        }
      }
    }
    if (missing > 0) {
      failures.add(connection.label() + ": " + missing + " of " + required
          + " acknowledged messages never pushed live, e.g. " + examples);
    }
    return new Deliveries(required, missing);
  }

  private static final class Order {
    int duplicates;
    int outOfOrder;
    int seqDisorder;
    int mismatched;
  }

  /** Pushes in arrival order: ids once, cursors rising, seqs rising per conversation, and as stored. */
  private Order order(AuditConnection.Snapshot connection, AuditDatabase.Contents database) {
    Order order = new Order();
    Set<Long> seen = new HashSet<>();
    Map<String, Long> lastSeq = new HashMap<>();
    long lastCursor = 0;
    List<String> examples = new ArrayList<>();
    for (AuditConnection.Push push : connection.pushes()) {
      AuditDatabase.Row row = database.byId().get(push.id());
      if (row == null || row.cursorFor(connection.userId()) != push.cursor() || row.seq() != push.seq()) {
        order.mismatched++;
      }
      if (!seen.add(push.id())) {
        order.duplicates++;
        addExample(examples, "id " + push.id() + " twice");
        continue;
      }
      if (push.cursor() <= lastCursor) {
        order.outOfOrder++;
        addExample(examples, "cursor " + push.cursor() + " after " + lastCursor);
      }
      Long previousSeq = lastSeq.get(push.conversation());
      if (previousSeq != null && push.seq() <= previousSeq) {
        order.seqDisorder++;
        addExample(examples, "seq " + push.seq() + " after " + previousSeq + " in " + push.conversation());
      }
      lastCursor = Math.max(lastCursor, push.cursor());
      lastSeq.merge(push.conversation(), push.seq(), Math::max);
    }
    if (order.duplicates + order.outOfOrder + order.seqDisorder > 0) {
      failures.add(connection.label() + ": " + order.duplicates + " pushed twice, " + order.outOfOrder
          + " out of cursor order, " + order.seqDisorder + " out of seq order, e.g. " + examples);
    }
    if (order.mismatched > 0) {
      failures.add(connection.label() + ": " + order.mismatched + " pushes not as stored (id, cursor or seq)");
    }
    return order;
  }

  /**
   * Inbox positions the connection got neither as a live push nor as an own ack, from the first message sent after
   * its bind (everything stored from then on must reach it) up to the inbox head if it is alive, else up to the
   * last position it got. A connection that died is excused its own sends in flight (stored, their ack lost).
   */
  private int holes(AuditConnection.Snapshot connection, List<AuditLedger.SendRecord> sends,
                    AuditDatabase.Contents database) {
    long user = connection.userId();
    long start = Long.MAX_VALUE;
    for (AuditLedger.SendRecord send : sends) {
      if (send.ack() != null && (send.fromId() == user || send.toId() == user)
          && send.firstSentAtNanos() > connection.boundAtNanos()) {
        AuditDatabase.Row row = database.byId().get(send.ack().id());
        if (row != null) {
          start = Math.min(start, row.cursorFor(user));
        }
      }
    }
    Set<Long> got = new HashSet<>();
    connection.pushes().forEach(push -> got.add(push.cursor()));
    connection.acks().forEach(ack -> got.add(ack.cursor()));
    long end = connection.aliveAtEnd() ? database.head(user) : got.stream().mapToLong(Long::longValue).max()
        .orElse(0);
    int holes = 0;
    List<Long> examples = new ArrayList<>();
    for (long cursor = start; cursor <= end; cursor++) {
      if (got.contains(cursor)) {
        continue;
      }
      AuditDatabase.Row row = database.at(user, cursor);
      boolean ownInFlight = row != null && row.fromId() == user && connection.sentCids().contains(row.cid());
      if (connection.aliveAtEnd() || !ownInFlight) {
        holes++;
        if (examples.size() < EXAMPLES) {
          examples.add(cursor);
        }
      }
    }
    if (holes > 0) {
      failures.add(connection.label() + ": " + holes + " holes in inbox positions " + start + ".." + end + ", e.g. "
          + examples);
    }
    return holes;
  }

  // ---- errors and closes ----

  private void checkErrors(List<AuditLedger.ErrorRecord> errors, List<AuditConnection.Snapshot> connections) {
    List<String> examples = errors.stream().filter(error -> !error.retryable()).limit(EXAMPLES)
        .map(error -> error.connection() + " " + error.code() + " (ref " + error.ref() + "): " + error.message())
        .toList();
    if (!nonRetryableErrors.isEmpty()) {
      failures.add("honest clients got non-retryable errors " + nonRetryableErrors + ", e.g. " + examples);
    }
    List<String> closes = new ArrayList<>();
    for (AuditConnection.Snapshot connection : connections) {
      String reason = connection.endReason();
      if (reason == null || !reason.startsWith("closed ") || reason.equals("closed by the client")) {
        continue;
      }
      // "try again later" to a bind that presence could not answer in time: the client reconnects, as told
      if (!connection.bound() && reason.equals("closed 1013")) {
        bindsRefused++;
      } else {
        closes.add(connection.label() + " " + reason + (connection.bound() ? "" : " before its bind was answered"));
      }
    }
    unexpectedCloses = closes.size();
    if (!closes.isEmpty()) {
      failures.add("honest connections closed by the server: " + closes);
    }
  }

  /** A failure found outside the audit proper (by the test while it ran). */
  void failure(String failure) {
    failures.add(failure);
  }

  // ---- printing ----

  String table() {
    StringBuilder out = new StringBuilder();
    out.append("Delivery audit: ").append(parameters).append('\n');
    timeline.forEach(event -> out.append("  ").append(event).append('\n'));
    out.append(String.format("messages acked %d of %d honest sends (%d transmissions, %d resent); refused %d;"
        + " never acked %d; not yet sent when the traffic stopped (dropped) %d%n", acked, sends, transmissions,
        transmissions - sends, refused, unsettled, withdrawn));
    out.append("ack latency (first transmission to ack): ").append(ackLatency).append('\n');
    out.append(String.format("%-8s %-6s %-6s %7s %-28s %6s %6s %8s %7s %5s %5s %5s %5s %5s %7s%n", "conn", "user",
        "gw", "bound", "end", "live", "synced", "required", "missing", "dup", "order", "seq", "holes", "bad",
        "late>1s"));
    ConnectionFigures total = new ConnectionFigures("total", 0, "", 0, "", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    for (ConnectionFigures row : rows) {
      out.append(line(row));
      total = new ConnectionFigures("total", 0, "", 0, "", total.livePushes() + row.livePushes(),
          total.synced() + row.synced(), total.required() + row.required(), total.missing() + row.missing(),
          total.duplicates() + row.duplicates(), total.outOfOrder() + row.outOfOrder(),
          total.seqDisorder() + row.seqDisorder(), total.holes() + row.holes(), total.mismatched() + row.mismatched(),
          total.late() + row.late());
    }
    out.append(line(total));
    out.append(String.format("database: acks not matching one stored row %d; honest rows stored unacked %d;"
        + " inboxes not dense %d%n", ackRowMismatches, storedUnacked, inboxFaults));
    out.append("errors to honest clients: non-retryable ").append(nonRetryableErrors).append("; retryable ")
        .append(retryableErrors).append('\n');
    out.append("honest connections closed by the server: ").append(unexpectedCloses)
        .append("; binds refused with 1013 (presence too slow) and retried: ").append(bindsRefused).append('\n');
    notes.forEach(note -> out.append(note).append('\n'));
    out.append(failures.isEmpty() ? "verdict: PASS" : "verdict: FAIL (" + failures.size() + ")").append('\n');
    failures.forEach(failure -> out.append("  - ").append(failure).append('\n'));
    return out.toString();
  }

  private static String line(ConnectionFigures row) {
    String bound = row.label().equals("total") ? "" : row.boundAtSeconds() < 0 ? "never"
        : String.format("%.1fs", row.boundAtSeconds());
    String end = row.end() == null ? "" : row.end().length() > 28 ? row.end().substring(0, 28) : row.end();
    return String.format("%-8s %-6s %-6s %7s %-28s %6d %6d %8d %7d %5d %5d %5d %5d %5d %7d%n", row.label(),
        row.userId() == 0 ? "" : Long.toString(row.userId()), row.gateway(), bound, end, row.livePushes(),
        row.synced(), row.required(), row.missing(), row.duplicates(), row.outOfOrder(), row.seqDisorder(),
        row.holes(), row.mismatched(), row.late());
  }

  /** Seconds since the ledger started, as in its timeline. */
  private double seconds(long nanos) {
    return nanos < 0 ? -1 : (nanos - startedAtNanos) / 1e9;
  }

  private static void addExample(List<String> examples, String example) {
    if (examples.size() < EXAMPLES) {
      examples.add(example);
    }
  }
}
