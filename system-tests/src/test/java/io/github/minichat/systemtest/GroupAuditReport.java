package io.github.minichat.systemtest;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
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
 *   <li>the store: every acknowledged cid stored exactly once, as the acked row; nothing stored unacknowledged;
 *   each group's seqs gapless from 1 and its counter at the last; every inbox dense;</li>
 *   <li>membership: each user holds exactly the messages of each group stored while a member, from the system
 *   message of their joining to that of their leaving, both included, as the group's own system messages tell it;
 *   </li>
 *   <li>each device (its connections one after the other): every message it got is one its user holds at that
 *   cursor (so none to a non-member); on a connection nothing twice, pushes in cursor and seq order, sync pages in
 *   cursor order after their {@code since}; nothing repeated from an earlier connection that the catch-up sync did
 *   not ask for again; and by the end it has every position of its user's inbox, pushed, synced or acked;</li>
 *   <li>no send refused, no non-retryable error, no connection closed by the server.</li>
 * </ul>
 */
final class GroupAuditReport {

  private static final int EXAMPLES = 5;

  private record ConnectionFigures(String label, long userId, String gateway, String end, int pushes, int synced,
                                   int acks, int duplicates, int disorder, int notHeld) {
  }

  private record DeviceFigures(String device, long userId, int connections, int required, int missing,
                               int repeated, int askedAgain) {
  }

  private final String parameters;
  private final List<String> timeline;
  private final List<String> notes;
  private final List<String> failures = new ArrayList<>();
  private final List<ConnectionFigures> connectionRows = new ArrayList<>();
  private final List<DeviceFigures> deviceRows = new ArrayList<>();
  private final Map<String, Integer> retryableErrors;
  private final Map<String, Integer> nonRetryableErrors;
  private final List<String> storeFigures = new ArrayList<>();
  private final long withdrawn;

  private GroupAuditReport(String parameters, GroupAuditLedger ledger, List<String> notes) {
    this.parameters = parameters;
    this.timeline = ledger.timeline();
    this.notes = new ArrayList<>(notes);
    this.retryableErrors = ledger.errorsByCode(true);
    this.nonRetryableErrors = ledger.errorsByCode(false);
    this.withdrawn = ledger.withdrawn();
  }

  static GroupAuditReport audit(String parameters, GroupAuditLedger ledger, GroupAuditDatabase.Contents database,
                                Collection<Long> users, List<String> notes) {
    GroupAuditReport report = new GroupAuditReport(parameters, ledger, notes);
    List<GroupAuditConnection.Snapshot> connections = ledger.connections().stream()
        .map(GroupAuditConnection::snapshot).toList();
    report.checkStore(ledger.sends(), database, users);
    report.checkSeqs(database);
    report.checkInboxes(database, users);
    report.checkMembership(database, users);
    report.checkDevices(connections, database);
    report.checkErrors(ledger.errors(), connections);
    return report;
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  void failure(String failure) {
    failures.add(failure);
  }

  // ---- the store ----

  private void checkStore(List<GroupAuditLedger.SendRecord> sends, GroupAuditDatabase.Contents database,
                          Collection<Long> users) {
    Map<String, List<GroupAuditDatabase.Message>> stored = new HashMap<>();
    database.groups().values().forEach(group -> group.values().stream()
        .filter(message -> !message.system() && users.contains(message.fromId()))
        .forEach(message -> stored.computeIfAbsent(message.fromId() + "/" + message.cid(), k -> new ArrayList<>())
            .add(message)));
    Set<String> ackedKeys = new HashSet<>();
    long acked = 0;
    long transmissions = 0;
    List<String> unsettled = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    for (GroupAuditLedger.SendRecord send : sends) {
      transmissions += send.transmissions();
      if (send.refusedWith() != null) {
        failures.add("send " + send.cid() + " to group " + send.groupId() + " refused with " + send.refusedWith());
        continue;
      }
      if (send.ack() == null) {
        unsettled.add(send.cid());
        continue;
      }
      acked++;
      String key = send.fromId() + "/" + send.cid();
      ackedKeys.add(key);
      List<GroupAuditDatabase.Message> rows = stored.getOrDefault(key, List.of());
      GroupAuditDatabase.Message row = rows.size() == 1 ? rows.get(0) : null;
      boolean sameIdEachAck = send.ackIds().stream().allMatch(id -> id == send.ack().id());
      if (row == null || row.id() != send.ack().id() || row.groupId() != send.groupId()
          || row.seq() != send.ack().seq() || !sameIdEachAck) {
        mismatched.add(send.cid() + " acked as " + send.ackIds() + " seq " + send.ack().seq() + ", stored as "
            + rows.stream().map(r -> "id " + r.id() + " in " + r.groupId() + " seq " + r.seq()).toList());
      }
    }
    List<String> storedUnacked = stored.keySet().stream().filter(key -> !ackedKeys.contains(key)).sorted().toList();
    storeFigures.add(String.format("sends: %d acked of %d (%d transmissions, %d resent), never acked %d, not yet"
            + " sent when the traffic stopped (dropped) %d", acked, sends.size(), transmissions,
        transmissions - sends.size(), unsettled.size(), withdrawn));
    storeFigures.add(String.format("database: acks not matching exactly one stored row %d; stored but never acked"
        + " %d", mismatched.size(), storedUnacked.size()));
    failIfAny(unsettled, "sends never acknowledged");
    failIfAny(mismatched, "acks not matching exactly one stored row");
    failIfAny(storedUnacked, "messages stored but never acknowledged");
  }

  private void checkSeqs(GroupAuditDatabase.Contents database) {
    database.groups().forEach((group, messages) -> {
      long last = messages.isEmpty() ? 0 : messages.lastKey();
      long lastSeq = database.lastSeqs().getOrDefault(group, -1L);
      storeFigures.add(String.format("group %d: %d messages, seqs up to %d, last_seq %d", group, messages.size(),
          last, lastSeq));
      if (messages.size() != last || (!messages.isEmpty() && messages.firstKey() != 1) || lastSeq != last) {
        failures.add("group " + group + " seqs not gapless: " + messages.size() + " messages up to seq " + last
            + ", last_seq " + lastSeq);
      }
    });
  }

  private void checkInboxes(GroupAuditDatabase.Contents database, Collection<Long> users) {
    for (long user : users) {
      TreeMap<Long, GroupAuditDatabase.Slot> inbox = database.inbox(user);
      long head = inbox.isEmpty() ? 0 : inbox.lastKey();
      long counter = database.inboxCounters().getOrDefault(user, 0L);
      int clashes = database.clashes().getOrDefault(user, 0);
      if (inbox.size() != head || clashes > 0 || counter != head) {
        failures.add("inbox of " + user + " not dense: " + inbox.size() + " positions up to " + head + ", "
            + clashes + " taken twice, counter " + counter);
      }
      inbox.forEach((cursor, slot) -> {
        if (slot.groupId() == 0) {
          failures.add("inbox of " + user + " holds a one-to-one message at " + cursor + " (nobody sent one)");
        }
      });
    }
  }

  // ---- membership ----

  private void checkMembership(GroupAuditDatabase.Contents database, Collection<Long> users) {
    for (Map.Entry<Long, TreeMap<Long, GroupAuditDatabase.Message>> group : database.groups().entrySet()) {
      for (long user : users) {
        Set<Long> expected = heldWhileMember(group.getKey(), group.getValue(), user);
        Set<Long> held = new TreeSet<>();
        database.inbox(user).values().stream().filter(slot -> slot.groupId() == group.getKey())
            .forEach(slot -> held.add(slot.seq()));
        Set<Long> extra = new TreeSet<>(held);
        extra.removeAll(expected);
        Set<Long> lacking = new TreeSet<>(expected);
        lacking.removeAll(held);
        if (!extra.isEmpty()) {
          failures.add(user + " holds " + extra.size() + " messages of group " + group.getKey()
              + " stored while not a member, e.g. seqs " + first(extra));
        }
        if (!lacking.isEmpty()) {
          failures.add(user + " lacks " + lacking.size() + " messages of group " + group.getKey()
              + " stored while a member, e.g. seqs " + first(lacking));
        }
        if (!expected.isEmpty()) {
          notes.add(String.format("%d in group %d: holds %d messages (%s)", user, group.getKey(), held.size(),
              ranges(expected)));
        }
      }
    }
  }

  /** The seqs a user must hold: from each joining (or the creation) to the next leaving, both included. */
  private Set<Long> heldWhileMember(long groupId, TreeMap<Long, GroupAuditDatabase.Message> messages, long user) {
    Set<Long> held = new TreeSet<>();
    boolean member = false;
    for (GroupAuditDatabase.Message message : messages.values()) {
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

  private JsonObject change(long groupId, GroupAuditDatabase.Message message) {
    try {
      return new JsonObject(message.body());
    } catch (DecodeException e) {
      failures.add("system message " + message.seq() + " of group " + groupId + " is not a JSON object: "
          + message.body());
      return null;
    }
  }

  // ---- devices ----

  private void checkDevices(List<GroupAuditConnection.Snapshot> connections, GroupAuditDatabase.Contents database) {
    Map<String, List<GroupAuditConnection.Snapshot>> byDevice = new LinkedHashMap<>();
    connections.forEach(c -> byDevice.computeIfAbsent(c.device(), k -> new ArrayList<>()).add(c));
    byDevice.forEach((device, generations) -> checkDevice(device, generations, database));
  }

  private void checkDevice(String device, List<GroupAuditConnection.Snapshot> generations,
                           GroupAuditDatabase.Contents database) {
    long user = generations.get(0).userId();
    TreeMap<Long, GroupAuditDatabase.Slot> inbox = database.inbox(user);
    Set<Long> receivedBefore = new HashSet<>();
    Set<Long> covered = new HashSet<>();
    int repeated = 0;
    int askedAgain = 0;
    List<String> repeatExamples = new ArrayList<>();
    for (GroupAuditConnection.Snapshot connection : generations) {
      checkConnection(connection, inbox);
      Set<Long> here = new HashSet<>();
      for (GroupAuditConnection.Received message : connection.received()) {
        if (!here.add(message.cursor())) {
          continue; // counted by checkConnection
        }
        if (receivedBefore.contains(message.cursor())) {
          // a catch-up sync starts at the last cursor below which the device had everything: above it, a message
          // seen before may come again because the device asked for it
          if (connection.syncSince() >= 0 && message.cursor() > connection.syncSince()) {
            askedAgain++;
          } else {
            repeated++;
            addExample(repeatExamples, connection.label() + " cursor " + message.cursor() + " (sync since "
                + connection.syncSince() + ")");
          }
        }
      }
      receivedBefore.addAll(here);
      covered.addAll(here);
      connection.acks().forEach(ack -> covered.add(ack.cursor()));
    }
    if (repeated > 0) {
      failures.add(device + ": " + repeated + " messages delivered again on a later connection without being asked"
          + " for, e.g. " + repeatExamples);
    }
    GroupAuditConnection.Snapshot last = generations.get(generations.size() - 1);
    int missing = 0;
    if (!last.aliveAtEnd()) {
      failures.add(device + ": not connected at the end (" + last.endReason() + ")");
    } else {
      List<Long> absent = inbox.keySet().stream().filter(cursor -> !covered.contains(cursor)).toList();
      missing = absent.size();
      if (missing > 0) {
        failures.add(device + ": " + missing + " of the " + inbox.size() + " positions of " + user
            + "'s inbox never reached it, e.g. cursors " + absent.subList(0, Math.min(EXAMPLES, missing)));
      }
    }
    deviceRows.add(new DeviceFigures(device, user, generations.size(), inbox.size(), missing, repeated, askedAgain));
  }

  /** One connection: each message one its user holds there; nothing twice; pushes and sync pages in order. */
  private void checkConnection(GroupAuditConnection.Snapshot connection, TreeMap<Long, GroupAuditDatabase.Slot> inbox) {
    int duplicates = 0;
    int disorder = 0;
    int notHeld = 0;
    List<String> examples = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    Set<Long> ownAcks = new HashSet<>();
    connection.acks().forEach(ack -> ownAcks.add(ack.cursor()));
    long lastPushCursor = 0;
    long lastSyncCursor = Math.max(0, connection.syncSince());
    Map<Long, Long> lastPushSeq = new HashMap<>();
    int pushes = 0;
    int synced = 0;
    for (GroupAuditConnection.Received message : connection.received()) {
      GroupAuditDatabase.Slot slot = inbox.get(message.cursor());
      if (!"group_text".equals(message.type()) || slot == null || slot.groupId() != message.groupId()
          || slot.seq() != message.seq() || slot.id() != message.id()) {
        notHeld++;
        addExample(examples, message.via() + " " + message.type() + " id " + message.id() + " group "
            + message.groupId() + " seq " + message.seq() + " at cursor " + message.cursor() + ", the inbox holds "
            + slot);
      }
      if (!seen.add(message.cursor())) {
        duplicates++;
        addExample(examples, "cursor " + message.cursor() + " twice");
        continue;
      }
      if (message.via() == GroupAuditConnection.Via.PUSH) {
        pushes++;
        if (ownAcks.contains(message.cursor())) {
          duplicates++;
          addExample(examples, "own message at " + message.cursor() + " pushed to the connection that sent it");
        }
        if (message.cursor() <= lastPushCursor) {
          disorder++;
          addExample(examples, "push at cursor " + message.cursor() + " after " + lastPushCursor);
        }
        Long previousSeq = lastPushSeq.get(message.groupId());
        if (previousSeq != null && message.seq() <= previousSeq) {
          disorder++;
          addExample(examples, "push of seq " + message.seq() + " after " + previousSeq + " in " + message.groupId());
        }
        lastPushCursor = Math.max(lastPushCursor, message.cursor());
        lastPushSeq.merge(message.groupId(), message.seq(), Math::max);
      } else {
        synced++;
        if (message.cursor() <= lastSyncCursor) {
          disorder++;
          addExample(examples, "synced cursor " + message.cursor() + " after " + lastSyncCursor);
        }
        lastSyncCursor = Math.max(lastSyncCursor, message.cursor());
      }
    }
    if (duplicates + disorder + notHeld > 0) {
      failures.add(connection.label() + ": " + duplicates + " twice, " + disorder + " out of order, " + notHeld
          + " not as its user holds them (to a non-member, or mismatched), e.g. " + examples);
    }
    connectionRows.add(new ConnectionFigures(connection.label(), connection.userId(), connection.gateway(),
        !connection.bound() ? "never bound" : connection.endReason() == null ? "alive" : connection.endReason(),
        pushes, synced, connection.acks().size(), duplicates, disorder, notHeld));
  }

  // ---- errors and closes ----

  private void checkErrors(List<GroupAuditLedger.ErrorRecord> errors, List<GroupAuditConnection.Snapshot> connections) {
    List<String> examples = errors.stream().filter(error -> !error.retryable()).limit(EXAMPLES)
        .map(error -> error.connection() + " " + error.code() + " (ref " + error.ref() + "): " + error.message())
        .toList();
    if (!nonRetryableErrors.isEmpty()) {
      failures.add("clients got non-retryable errors " + nonRetryableErrors + ", e.g. " + examples);
    }
    List<String> closes = new ArrayList<>();
    for (GroupAuditConnection.Snapshot connection : connections) {
      String reason = connection.endReason();
      if (reason == null || !reason.startsWith("closed ")) {
        continue;
      }
      // "try again later" to a bind that presence could not answer in time: the client reconnects, as told
      if (!connection.bound() && reason.equals("closed 1013")) {
        continue;
      }
      closes.add(connection.label() + " " + reason);
    }
    if (!closes.isEmpty()) {
      failures.add("connections closed by the server: " + closes);
    }
  }

  // ---- printing ----

  String table() {
    StringBuilder out = new StringBuilder();
    out.append("Group delivery audit: ").append(parameters).append('\n');
    timeline.forEach(event -> out.append("  ").append(event).append('\n'));
    storeFigures.forEach(line -> out.append(line).append('\n'));
    out.append(String.format("%-10s %-6s %-6s %-26s %6s %6s %5s %5s %5s %7s%n", "conn", "user", "gw", "end", "pushed",
        "synced", "acks", "dup", "order", "notheld"));
    connectionRows.forEach(row -> out.append(String.format("%-10s %-6d %-6s %-26s %6d %6d %5d %5d %5d %7d%n",
        row.label(), row.userId(), row.gateway(), row.end().length() > 26 ? row.end().substring(0, 26) : row.end(),
        row.pushes(), row.synced(), row.acks(), row.duplicates(), row.disorder(), row.notHeld())));
    out.append(String.format("%-10s %-6s %5s %8s %7s %8s %10s%n", "device", "user", "conns", "required", "missing",
        "repeated", "askedagain"));
    deviceRows.forEach(row -> out.append(String.format("%-10s %-6d %5d %8d %7d %8d %10d%n", row.device(),
        row.userId(), row.connections(), row.required(), row.missing(), row.repeated(), row.askedAgain())));
    out.append("errors: non-retryable ").append(nonRetryableErrors).append("; retryable ").append(retryableErrors)
        .append('\n');
    notes.forEach(note -> out.append(note).append('\n'));
    out.append(failures.isEmpty() ? "verdict: PASS" : "verdict: FAIL (" + failures.size() + ")").append('\n');
    failures.forEach(failure -> out.append("  - ").append(failure).append('\n'));
    return out.toString();
  }

  private void failIfAny(List<String> faults, String what) {
    if (!faults.isEmpty()) {
      failures.add(faults.size() + " " + what + ", e.g. " + faults.subList(0, Math.min(EXAMPLES, faults.size())));
    }
  }

  private static List<Long> first(Set<Long> seqs) {
    return seqs.stream().limit(EXAMPLES).toList();
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

  private static void addExample(List<String> examples, String example) {
    if (examples.size() < EXAMPLES) {
      examples.add(example);
    }
  }
}
