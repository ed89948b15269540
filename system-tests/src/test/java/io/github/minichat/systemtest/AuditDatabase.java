package io.github.minichat.systemtest;

import io.github.minichat.message.testing.TestDatabase;
import io.vertx.pgclient.PgConnectOptions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What the database holds for an audit's users, read over JDBC: the truth the clients are checked by. The one-to-one
 * messages touching them, the audited groups' messages by seq, and each user's inbox by cursor (one-to-one rows and
 * group copies alike), with the counters.
 */
final class AuditDatabase {

  /** A stored one-to-one message touching an audited user. */
  record Row(long id, long fromId, long toId, long seq, long senderCursor, long recipientCursor, String cid) {

    /** Its position in the inbox of one of its two users. */
    long cursorFor(long userId) {
      return userId == toId ? recipientCursor : senderCursor;
    }
  }

  /** One stored group message; {@code body} is the JSON of a membership change when {@code system}. */
  record GroupMessage(long groupId, long seq, long id, long fromId, String cid, boolean system, String body) {
  }

  /** One position of a user's inbox: a group copy, or a one-to-one row ({@code groupId} 0). */
  record Slot(long groupId, long seq, long id, long fromId, String cid) {
  }

  /** A message an audited user sent, as stored: to compare with the ack of that send. */
  record Stored(long id, long fromId, String cid, long seq, AuditRecipient to) {

    /** What identifies a send: its sender and cid. */
    String key() {
      return fromId + "/" + cid;
    }
  }

  /**
   * The one-to-one rows by id; the groups' messages (group to seq to message) and last_seq counters; each user's
   * inbox (cursor to slot); how many positions of each inbox are taken twice (none in a dense inbox); each user's
   * inbox counter.
   */
  record Contents(Map<Long, Row> rows, Map<Long, TreeMap<Long, GroupMessage>> groups, Map<Long, Long> lastSeqs,
                  Map<Long, TreeMap<Long, Slot>> inboxes, Map<Long, Integer> clashes, Map<Long, Long> inboxCounters) {

    TreeMap<Long, Slot> inbox(long user) {
      return inboxes.getOrDefault(user, new TreeMap<>());
    }

    long head(long user) {
      TreeMap<Long, Slot> inbox = inbox(user);
      return inbox.isEmpty() ? 0 : inbox.lastKey();
    }

    Slot at(long user, long cursor) {
      return inbox(user).get(cursor);
    }

    /** What {@code senders} stored: their one-to-one rows and their (not system) group messages. */
    List<Stored> storedBy(Collection<Long> senders) {
      List<Stored> stored = new ArrayList<>();
      rows.values().stream().filter(row -> senders.contains(row.fromId())).forEach(row -> stored.add(
          new Stored(row.id(), row.fromId(), row.cid(), row.seq(), AuditRecipient.user(row.toId()))));
      groups.values().forEach(group -> group.values().stream()
          .filter(message -> !message.system() && senders.contains(message.fromId()))
          .forEach(message -> stored.add(new Stored(message.id(), message.fromId(), message.cid(), message.seq(),
              AuditRecipient.group(message.groupId())))));
      return stored;
    }
  }

  private final PgConnectOptions database;

  AuditDatabase(PgConnectOptions database) {
    this.database = database;
  }

  /** Everything the audit checks, for the groups {@code groupIds} (none in a one-to-one audit) and {@code users}. */
  Contents read(Collection<Long> groupIds, Collection<Long> users) {
    String userList = join(users);
    Map<Long, TreeMap<Long, Slot>> inboxes = new HashMap<>();
    Map<Long, Integer> clashes = new HashMap<>();
    users.forEach(user -> inboxes.put(user, new TreeMap<>()));
    Placer place = (user, cursor, slot) -> {
      TreeMap<Long, Slot> inbox = inboxes.get(user);
      if (inbox != null && inbox.put(cursor, slot) != null) {
        clashes.merge(user, 1, Integer::sum);
      }
    };

    Map<Long, Row> rows = new HashMap<>();
    query("SELECT id, from_id, to_id, seq, sender_cursor, recipient_cursor, cid FROM messages WHERE from_id IN ("
        + userList + ") OR to_id IN (" + userList + ")", result -> {
          Row row = new Row(result.getLong(1), result.getLong(2), result.getLong(3), result.getLong(4),
              result.getLong(5), result.getLong(6), result.getString(7));
          rows.put(row.id(), row);
          Slot slot = new Slot(0, row.seq(), row.id(), row.fromId(), row.cid());
          place.at(row.toId(), row.recipientCursor(), slot);
          place.at(row.fromId(), row.senderCursor(), slot);
        });
    query("SELECT i.user_id, i.cursor, i.group_id, i.seq, m.id, m.from_id, m.cid FROM group_inbox i"
        + " LEFT JOIN group_messages m ON m.group_id = i.group_id AND m.seq = i.seq WHERE i.user_id IN (" + userList
        + ")", result -> place.at(result.getLong(1), result.getLong(2), new Slot(result.getLong(3),
        result.getLong(4), result.getLong(5), result.getLong(6), result.getString(7))));

    Map<Long, TreeMap<Long, GroupMessage>> groups = new HashMap<>();
    Map<Long, Long> lastSeqs = new HashMap<>();
    groupIds.forEach(group -> groups.put(group, new TreeMap<>()));
    if (!groupIds.isEmpty()) {
      String groupList = join(groupIds);
      query("SELECT group_id, seq, id, from_id, cid, system, body FROM group_messages WHERE group_id IN ("
          + groupList + ")", result -> groups.get(result.getLong(1)).put(result.getLong(2), new GroupMessage(
          result.getLong(1), result.getLong(2), result.getLong(3), result.getLong(4), result.getString(5),
          result.getBoolean(6), result.getString(7))));
      query("SELECT id, last_seq FROM groups WHERE id IN (" + groupList + ")",
          result -> lastSeqs.put(result.getLong(1), result.getLong(2)));
    }
    return new Contents(rows, groups, lastSeqs, inboxes, clashes, inboxCounters(users));
  }

  /** Each user's inbox counter alone: cheap enough to poll while waiting for the inboxes to settle. */
  Map<Long, Long> inboxCounters(Collection<Long> users) {
    Map<Long, Long> counters = new HashMap<>();
    query("SELECT user_id, last_cursor FROM inboxes WHERE user_id IN (" + join(users) + ")",
        result -> counters.put(result.getLong(1), result.getLong(2)));
    return counters;
  }

  private interface Placer {
    void at(long user, long cursor, Slot slot);
  }

  private interface RowReader {
    void read(ResultSet row) throws SQLException;
  }

  private void query(String sql, RowReader reader) {
    try (Connection connection = TestDatabase.connect(database); Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery(sql)) {
      while (rows.next()) {
        reader.read(rows);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  private static String join(Collection<Long> ids) {
    return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
  }
}
