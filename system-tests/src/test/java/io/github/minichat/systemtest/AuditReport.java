package io.github.minichat.systemtest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one-to-one delivery audit over what the honest clients recorded and what the database holds:
 * <ul>
 *   <li>the store ({@link AuditStoreCheck}): every acknowledged cid stored once as the acked row, nothing honest
 *   stored unacknowledged, every inbox dense;</li>
 *   <li>every acknowledged message reached, as a live {@code text} push, every connection of its sender and
 *   recipient (the sending one excepted: it got the ack) that was bound before the send was made and still bound at
 *   the end;</li>
 *   <li>on every connection ({@link AuditArrivalCheck}) nothing twice, each message as stored, pushes in cursor
 *   order and in seq order per conversation; and its pushes and own acks leave no hole in the user's inbox from the
 *   first message sent after its bind up to the inbox head (alive at the end) or up to the last one it got (died
 *   early);</li>
 *   <li>no honest send refused, no honest connection closed by the server ({@link AuditErrorCheck}), presence right
 *   at the end.</li>
 * </ul>
 * {@link #table()} prints the figures; {@link #failures()} names what broke a promise.
 */
final class AuditReport {

  /** A push arriving this long after its message was stored counts as late (reported, not a failure). */
  static final long LATE_MILLIS = 1_000;

  /** The live-delivery figures of one connection. */
  private record Live(int required, int missing, int holes, int late) {

    static final Live NONE = new Live(0, 0, 0, 0);

    Live plus(Live other) {
      return new Live(required + other.required, missing + other.missing, holes + other.holes, late + other.late);
    }

    String columns() {
      return String.format(" %8d %7d %5d %7d%n", required, missing, holes, late);
    }
  }

  private final AuditFindings findings;
  private final List<String> rows = new ArrayList<>();
  private AuditArrivalCheck.Figures totalArrivals = AuditArrivalCheck.Figures.NONE;
  private Live totalLive = Live.NONE;
  private AuditStoreCheck.Figures store;
  private AuditErrorCheck.Figures errors;

  private AuditReport(String parameters, AuditLedger ledger, List<String> notes) {
    this.findings = new AuditFindings("Delivery audit", parameters, ledger, notes);
  }

  /** Audits the ledger against the database; {@code notes} are printed as they are, below the figures. */
  static AuditReport audit(String parameters, AuditLedger ledger, AuditDatabase.Contents database,
                           Collection<Long> honestUsers, List<String> notes) {
    AuditReport report = new AuditReport(parameters, ledger, notes);
    List<AuditLedger.SendRecord> sends = ledger.sends();
    List<AuditConnection.Snapshot> connections = ledger.snapshots();
    report.store = AuditStoreCheck.check(sends, database, honestUsers, ledger.withdrawn(), report.findings);
    connections.forEach(connection -> report.checkConnection(connection, sends, database));
    report.errors = AuditErrorCheck.check(ledger, connections, report.findings);
    return report;
  }

  void note(String note) {
    findings.note(note);
  }

  /** Adds the presence check made after the audit: users shown wrong, each described. */
  void presence(String summary, List<String> faults) {
    findings.note(summary);
    faults.forEach(fault -> findings.fail("presence: " + fault));
  }

  /** A failure found outside the audit proper (by the test while it ran). */
  void failure(String failure) {
    findings.fail(failure);
  }

  List<String> failures() {
    return findings.failures();
  }

  // ---- what each connection got ----

  private void checkConnection(AuditConnection.Snapshot connection, List<AuditLedger.SendRecord> sends,
                               AuditDatabase.Contents database) {
    AuditArrivalCheck.Figures arrivals = AuditArrivalCheck.check(connection, database.inbox(connection.userId()),
        findings);
    Live live = Live.NONE;
    if (connection.bound()) {
      List<AuditConnection.Received> pushes = connection.pushes();
      int late = (int) pushes.stream()
          .filter(push -> push.receivedAtMillis() - push.createdAtMillis() > LATE_MILLIS).count();
      live = requiredDeliveries(connection, pushes, sends).plus(new Live(0, 0, holes(connection, sends, database),
          late));
    }
    rows.add(AuditArrivalCheck.line(connection, findings.startedAtNanos(), arrivals) + live.columns());
    totalArrivals = totalArrivals.plus(arrivals);
    totalLive = totalLive.plus(live);
  }

  /** The acked messages this connection had to get live, and how many it did not get. */
  private Live requiredDeliveries(AuditConnection.Snapshot connection, List<AuditConnection.Received> pushes,
                                  List<AuditLedger.SendRecord> sends) {
    if (!connection.aliveAtEnd()) {
      return Live.NONE;
    }
    Set<Long> pushedIds = new HashSet<>();
    pushes.forEach(push -> pushedIds.add(push.id()));
    long user = connection.userId();
    int required = 0;
    List<String> missing = new ArrayList<>();
    for (AuditLedger.SendRecord send : sends) {
      boolean concerned = send.fromId() == user || send.to().userId() == user;
      if (send.ack() == null || !concerned || send.sentOn().contains(connection.label())
          || send.firstSentAtNanos() <= connection.boundAtNanos()) {
        continue;
      }
      required++;
      if (!pushedIds.contains(send.ack().id())) {
        missing.add(send.cid() + " (id " + send.ack().id() + ", cursor " + (send.to().userId() == user
            ? "of recipient" : "of sender") + ")");
      }
    }
    findings.failIfAny(missing, "of " + required + " acknowledged messages never pushed live to "
        + connection.label());
    return new Live(required, missing.size(), 0, 0);
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
      if (send.ack() != null && (send.fromId() == user || send.to().userId() == user)
          && send.firstSentAtNanos() > connection.boundAtNanos()) {
        AuditDatabase.Row row = database.rows().get(send.ack().id());
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
    List<Long> holes = new ArrayList<>();
    for (long cursor = start; cursor <= end; cursor++) {
      if (got.contains(cursor)) {
        continue;
      }
      AuditDatabase.Slot slot = database.at(user, cursor);
      boolean ownInFlight = slot != null && slot.fromId() == user && connection.sentCids().contains(slot.cid());
      if (connection.aliveAtEnd() || !ownInFlight) {
        holes.add(cursor);
      }
    }
    findings.failIfAny(holes, "holes in inbox positions " + start + ".." + end + " of " + connection.label());
    return holes.size();
  }

  // ---- printing ----

  String table() {
    StringBuilder figures = new StringBuilder(store.lines());
    figures.append(AuditArrivalCheck.header()).append(String.format(" %8s %7s %5s %7s%n", "required", "missing",
        "holes", "late>1s"));
    rows.forEach(figures::append);
    figures.append(AuditArrivalCheck.line("total", "", "", "", "", totalArrivals)).append(totalLive.columns());
    figures.append(errors.lines());
    return findings.table(figures.toString());
  }
}
