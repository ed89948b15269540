package io.github.minichat.systemtest;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The group audit over what the clients recorded and what the database holds:
 * <ul>
 *   <li>the store ({@link AuditStoreCheck}): every acknowledged cid stored exactly once, as the acked row; nothing
 *   stored unacknowledged; every inbox dense; and here, each group's seqs gapless from 1 and its counter at the
 *   last, no one-to-one message in any inbox (nobody sent one);</li>
 *   <li>membership: each user holds exactly the messages of each group stored while a member, from the system
 *   message of their joining to that of their leaving, both included, as the group's own system messages tell it;
 *   </li>
 *   <li>each device (its connections one after the other): on each connection ({@link AuditArrivalCheck}) every
 *   message one its user holds at that cursor (so none to a non-member), nothing twice, pushes in cursor and seq
 *   order, sync pages in cursor order after their {@code since}; nothing repeated from an earlier connection that
 *   the catch-up sync did not ask for again; and by the end it has every position of its user's inbox, pushed,
 *   synced or acked;</li>
 *   <li>no send refused, no non-retryable error, no connection closed by the server ({@link AuditErrorCheck}).</li>
 * </ul>
 */
final class GroupAuditReport {

  private record DeviceFigures(String device, long userId, int connections, int required, int missing,
                               int repeated, int askedAgain) {
  }

  private final AuditFindings findings;
  private final List<String> groupFigures = new ArrayList<>();
  private final List<String> connectionRows = new ArrayList<>();
  private final List<DeviceFigures> deviceRows = new ArrayList<>();
  private AuditStoreCheck.Figures store;
  private AuditErrorCheck.Figures errors;

  private GroupAuditReport(String parameters, AuditLedger ledger, List<String> notes) {
    this.findings = new AuditFindings("Group delivery audit", parameters, ledger, notes);
  }

  static GroupAuditReport audit(String parameters, AuditLedger ledger, AuditDatabase.Contents database,
                                Collection<Long> users, List<String> notes) {
    GroupAuditReport report = new GroupAuditReport(parameters, ledger, notes);
    List<AuditConnection.Snapshot> connections = ledger.snapshots();
    report.store = AuditStoreCheck.check(ledger.sends(), database, users, ledger.withdrawn(), report.findings);
    report.checkSeqs(database);
    report.checkNoOneToOne(database, users);
    report.checkMembership(database, users);
    report.checkDevices(connections, database);
    report.errors = AuditErrorCheck.check(ledger, connections, report.findings);
    return report;
  }

  List<String> failures() {
    return findings.failures();
  }

  void failure(String failure) {
    findings.fail(failure);
  }

  // ---- the store, as only groups have it ----

  private void checkSeqs(AuditDatabase.Contents database) {
    database.groups().forEach((group, messages) -> {
      long last = messages.isEmpty() ? 0 : messages.lastKey();
      long lastSeq = database.lastSeqs().getOrDefault(group, -1L);
      groupFigures.add(String.format("group %d: %d messages, seqs up to %d, last_seq %d", group, messages.size(),
          last, lastSeq));
      if (messages.size() != last || (!messages.isEmpty() && messages.firstKey() != 1) || lastSeq != last) {
        findings.fail("group " + group + " seqs not gapless: " + messages.size() + " messages up to seq " + last
            + ", last_seq " + lastSeq);
      }
    });
  }

  private void checkNoOneToOne(AuditDatabase.Contents database, Collection<Long> users) {
    for (long user : users) {
      database.inbox(user).forEach((cursor, slot) -> {
        if (slot.groupId() == 0) {
          findings.fail("inbox of " + user + " holds a one-to-one message at " + cursor + " (nobody sent one)");
        }
      });
    }
  }

  // ---- membership ----

  private void checkMembership(AuditDatabase.Contents database, Collection<Long> users) {
    for (Map.Entry<Long, TreeMap<Long, AuditDatabase.GroupMessage>> group : database.groups().entrySet()) {
      for (long user : users) {
        Set<Long> expected = heldWhileMember(group.getKey(), group.getValue(), user);
        Set<Long> held = new TreeSet<>();
        database.inbox(user).values().stream().filter(slot -> slot.groupId() == group.getKey())
            .forEach(slot -> held.add(slot.seq()));
        Set<Long> extra = new TreeSet<>(held);
        extra.removeAll(expected);
        Set<Long> lacking = new TreeSet<>(expected);
        lacking.removeAll(held);
        findings.failIfAny(extra, "messages of group " + group.getKey() + " held by " + user
            + " though stored while not a member (seqs)");
        findings.failIfAny(lacking, "messages of group " + group.getKey() + " lacking from " + user
            + " though stored while a member (seqs)");
        if (!expected.isEmpty()) {
          findings.note(String.format("%d in group %d: holds %d messages (%s)", user, group.getKey(), held.size(),
              ranges(expected)));
        }
      }
    }
  }

  /** The seqs a user must hold: from each joining (or the creation) to the next leaving, both included. */
  private Set<Long> heldWhileMember(long groupId, TreeMap<Long, AuditDatabase.GroupMessage> messages, long user) {
    Set<Long> held = new TreeSet<>();
    boolean member = false;
    for (AuditDatabase.GroupMessage message : messages.values()) {
      JsonObject change = message.system() ? change(groupId, message) : null;
      String event = change == null ? "" : change.getString("event", "");
      boolean named = change != null && (names(change.getJsonArray("users", new JsonArray()), user)
          || ("created".equals(event) && change.getLong("by", 0L) == user));
      if (named && ("created".equals(event) || "joined".equals(event))) {
        member = true;
      }
      if (member) {
        held.add(message.seq());
      }
      if ((named && ("removed".equals(event) || "left".equals(event))) || "dissolved".equals(event)) {
        member = false;
      }
    }
    return held;
  }

  /** JSON numbers decode as Integer or Long, so compare their values. */
  private static boolean names(JsonArray users, long user) {
    return users.stream().anyMatch(id -> id instanceof Number number && number.longValue() == user);
  }

  private JsonObject change(long groupId, AuditDatabase.GroupMessage message) {
    try {
      return new JsonObject(message.body());
    } catch (DecodeException e) {
      findings.fail("system message " + message.seq() + " of group " + groupId + " is not a JSON object: "
          + message.body());
      return null;
    }
  }

  // ---- devices ----

  private void checkDevices(List<AuditConnection.Snapshot> connections, AuditDatabase.Contents database) {
    Map<String, List<AuditConnection.Snapshot>> byDevice = new LinkedHashMap<>();
    connections.forEach(c -> byDevice.computeIfAbsent(c.device(), k -> new ArrayList<>()).add(c));
    byDevice.forEach((device, generations) -> checkDevice(device, generations, database));
  }

  private void checkDevice(String device, List<AuditConnection.Snapshot> generations,
                           AuditDatabase.Contents database) {
    long user = generations.get(0).userId();
    TreeMap<Long, AuditDatabase.Slot> inbox = database.inbox(user);
    Set<Long> receivedBefore = new HashSet<>();
    Set<Long> covered = new HashSet<>();
    int askedAgain = 0;
    List<String> repeated = new ArrayList<>();
    for (AuditConnection.Snapshot connection : generations) {
      connectionRows.add(AuditArrivalCheck.line(connection, findings.startedAtNanos(),
          AuditArrivalCheck.check(connection, inbox, findings)));
      Set<Long> here = new HashSet<>();
      for (AuditConnection.Received message : connection.received()) {
        if (!here.add(message.cursor())) {
          continue; // counted by the connection's own check
        }
        if (receivedBefore.contains(message.cursor())) {
          // a catch-up sync starts at the last cursor below which the device had everything: above it, a message
          // seen before may come again because the device asked for it
          if (connection.syncSince() >= 0 && message.cursor() > connection.syncSince()) {
            askedAgain++;
          } else {
            repeated.add(connection.label() + " cursor " + message.cursor() + " (sync since "
                + connection.syncSince() + ")");
          }
        }
      }
      receivedBefore.addAll(here);
      covered.addAll(here);
      connection.acks().forEach(ack -> covered.add(ack.cursor()));
    }
    findings.failIfAny(repeated, "messages delivered again to " + device
        + " on a later connection without being asked for");
    AuditConnection.Snapshot last = generations.get(generations.size() - 1);
    int missing = 0;
    if (!last.aliveAtEnd()) {
      findings.fail(device + ": not connected at the end (" + last.endReason() + ")");
    } else {
      List<Long> absent = inbox.keySet().stream().filter(cursor -> !covered.contains(cursor)).toList();
      missing = absent.size();
      findings.failIfAny(absent, "of the " + inbox.size() + " positions of " + user + "'s inbox never reached "
          + device + " (cursors)");
    }
    deviceRows.add(new DeviceFigures(device, user, generations.size(), inbox.size(), missing, repeated.size(),
        askedAgain));
  }

  // ---- printing ----

  String table() {
    StringBuilder figures = new StringBuilder(store.lines());
    groupFigures.forEach(line -> figures.append(line).append('\n'));
    figures.append(AuditArrivalCheck.header()).append('\n');
    connectionRows.forEach(row -> figures.append(row).append('\n'));
    figures.append(String.format("%-10s %-6s %5s %8s %7s %8s %10s%n", "device", "user", "conns", "required",
        "missing", "repeated", "askedagain"));
    deviceRows.forEach(row -> figures.append(String.format("%-10s %-6d %5d %8d %7d %8d %10d%n", row.device(),
        row.userId(), row.connections(), row.required(), row.missing(), row.repeated(), row.askedAgain())));
    figures.append(errors.lines());
    return findings.table(figures.toString());
  }

  /** Seqs as ranges: "1-40, 52-90". */
  private static String ranges(Set<Long> seqs) {
    List<String> ranges = new ArrayList<>();
    long start = -1;
    long previous = -1;
    for (long seq : new TreeSet<>(seqs)) {
      if (seq != previous + 1) {
        if (start >= 0) {
          ranges.add(start == previous ? "" + start : start + "-" + previous);
        }
        start = seq;
      }
      previous = seq;
    }
    if (start >= 0) {
      ranges.add(start == previous ? "" + start : start + "-" + previous);
    }
    return "seqs " + String.join(", ", ranges);
  }
}
