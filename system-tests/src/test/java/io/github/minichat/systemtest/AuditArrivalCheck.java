package io.github.minichat.systemtest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;

/**
 * What one connection got, in arrival order, against its user's inbox: every message the one the inbox holds at its
 * cursor (so none to a non-member, none mismatched); nothing twice, and no push of a message the connection sent
 * itself (it got the ack); pushes in cursor order and in seq order per conversation; sync pages in cursor order after
 * their {@code since}. Also the figures of the connection's line in the audit's table.
 */
final class AuditArrivalCheck {

  /** What a connection got, and how many of each fault. */
  record Figures(int pushes, int synced, int acks, int duplicates, int cursorDisorder, int seqDisorder, int notHeld) {

    static final Figures NONE = new Figures(0, 0, 0, 0, 0, 0, 0);

    Figures plus(Figures other) {
      return new Figures(pushes + other.pushes, synced + other.synced, acks + other.acks,
          duplicates + other.duplicates, cursorDisorder + other.cursorDisorder, seqDisorder + other.seqDisorder,
          notHeld + other.notHeld);
    }
  }

  private static final String LINE = "%-10s %-6s %-6s %7s %-28s %6s %6s %5s %5s %5s %5s %7s";

  private AuditArrivalCheck() {
  }

  static Figures check(AuditConnection.Snapshot connection, NavigableMap<Long, AuditDatabase.Slot> inbox,
                       AuditFindings findings) {
    int duplicates = 0;
    int cursorDisorder = 0;
    int seqDisorder = 0;
    int notHeld = 0;
    List<String> examples = new ArrayList<>();
    Set<Long> cursors = new HashSet<>();
    Set<String> messages = new HashSet<>();
    Set<Long> ownAcks = new HashSet<>();
    connection.acks().forEach(ack -> ownAcks.add(ack.cursor()));
    long lastPushCursor = 0;
    long lastSyncCursor = Math.max(0, connection.syncSince());
    Map<String, Long> lastPushSeq = new HashMap<>();
    int pushes = 0;
    for (AuditConnection.Received message : connection.received()) {
      pushes += message.pushed() ? 1 : 0;
      AuditDatabase.Slot slot = inbox.get(message.cursor());
      if (!holds(slot, message)) {
        notHeld++;
        AuditFindings.addExample(examples, message.via() + " " + message.type() + " " + message.identity() + " seq "
            + message.seq() + " at cursor " + message.cursor() + ", the inbox holds " + slot);
      }
      // both: a message twice, or two messages at one position
      boolean firstTime = cursors.add(message.cursor()) & messages.add(message.identity());
      if (!firstTime) {
        duplicates++;
        AuditFindings.addExample(examples, message.identity() + " at cursor " + message.cursor() + " twice");
        continue;
      }
      if (message.pushed()) {
        if (ownAcks.contains(message.cursor())) {
          duplicates++;
          AuditFindings.addExample(examples, "own message at " + message.cursor()
              + " pushed to the connection that sent it");
        }
        if (message.cursor() <= lastPushCursor) {
          cursorDisorder++;
          AuditFindings.addExample(examples, "push at cursor " + message.cursor() + " after " + lastPushCursor);
        }
        Long previousSeq = lastPushSeq.get(message.conversation());
        if (previousSeq != null && message.seq() <= previousSeq) {
          seqDisorder++;
          AuditFindings.addExample(examples, "push of seq " + message.seq() + " after " + previousSeq + " in "
              + message.conversation());
        }
        lastPushCursor = Math.max(lastPushCursor, message.cursor());
        lastPushSeq.merge(message.conversation(), message.seq(), Math::max);
      } else {
        if (message.cursor() <= lastSyncCursor) {
          cursorDisorder++;
          AuditFindings.addExample(examples, "synced cursor " + message.cursor() + " after " + lastSyncCursor);
        }
        lastSyncCursor = Math.max(lastSyncCursor, message.cursor());
      }
    }
    if (duplicates + cursorDisorder + seqDisorder + notHeld > 0) {
      findings.fail(connection.label() + ": " + duplicates + " twice, " + cursorDisorder + " out of cursor order, "
          + seqDisorder + " out of seq order, " + notHeld + " not as its user's inbox holds them (to a non-member,"
          + " or mismatched), e.g. " + examples);
    }
    return new Figures(pushes, connection.received().size() - pushes, connection.acks().size(), duplicates,
        cursorDisorder, seqDisorder, notHeld);
  }

  /** The inbox holds this very message at its cursor, as a frame of its kind. */
  private static boolean holds(AuditDatabase.Slot slot, AuditConnection.Received message) {
    return slot != null && slot.groupId() == message.groupId() && slot.seq() == message.seq()
        && slot.id() == message.id() && (slot.groupId() == 0 ? "text" : "group_text").equals(message.type());
  }

  // ---- the connection's line in the table ----

  static String header() {
    return String.format(LINE, "conn", "user", "gw", "bound", "end", "pushed", "synced", "acks", "dup", "order", "seq",
        "notheld");
  }

  /** The line of {@code connection}, its bind in seconds since {@code startedAtNanos}. */
  static String line(AuditConnection.Snapshot connection, long startedAtNanos, Figures figures) {
    String bound = connection.bound() ? String.format("%.1fs", (connection.boundAtNanos() - startedAtNanos) / 1e9)
        : "never";
    String end = connection.endReason() == null ? "alive" : connection.endReason();
    return line(connection.label(), Long.toString(connection.userId()), connection.gateway(), bound, end, figures);
  }

  static String line(String label, String user, String gateway, String bound, String end, Figures figures) {
    return String.format(LINE, label, user, gateway, bound, end.length() > 28 ? end.substring(0, 28) : end,
        figures.pushes(), figures.synced(), figures.acks(), figures.duplicates(), figures.cursorDisorder(),
        figures.seqDisorder(), figures.notHeld());
  }
}
