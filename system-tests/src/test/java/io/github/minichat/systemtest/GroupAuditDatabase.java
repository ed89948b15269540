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
 * What the database holds for the group audit, read over JDBC: the truth the clients are checked by. Each group's
 * messages by seq, each audited user's inbox by cursor (group copies and any one-to-one row), and the counters.
 */
final class GroupAuditDatabase {

  /** One stored group message; {@code body} is the JSON of a membership change when {@code system}. */
  record Message(long groupId, long seq, long id, long fromId, String cid, boolean system, String body) {
  }

  /** One position of a user's inbox: a group copy, or a one-to-one row ({@code groupId} 0). */
  record Slot(long groupId, long seq, long id) {
  }

  /**
   * The groups' messages (group to seq to message) and last_seq counters; each user's inbox (cursor to slot); how
   * many positions of each inbox are taken twice; each user's inbox counter.
   */
  record Contents(Map<Long, TreeMap<Long, Message>> groups, Map<Long, Long> lastSeqs,
                  Map<Long, TreeMap<Long, Slot>> inboxes, Map<Long, Integer> clashes, Map<Long, Long> inboxCounters) {

    TreeMap<Long, Slot> inbox(long user) {
      return inboxes.getOrDefault(user, new TreeMap<>());
    }
  }

  private final PgConnectOptions database;

  GroupAuditDatabase(PgConnectOptions database) {
    this.database = database;
  }

  Contents read(Collection<Long> groupIds, Collection<Long> users) {
    String groupList = join(groupIds);
    String userList = join(users);
    Map<Long, TreeMap<Long, Message>> groups = new HashMap<>();
    groupIds.forEach(group -> groups.put(group, new TreeMap<>()));
    query("SELECT group_id, seq, id, from_id, cid, system, body FROM group_messages WHERE group_id IN (" + groupList
        + ")", row -> groups.get(row.getLong(1)).put(row.getLong(2), new Message(row.getLong(1), row.getLong(2),
        row.getLong(3), row.getLong(4), row.getString(5), row.getBoolean(6), row.getString(7))));
    Map<Long, Long> lastSeqs = new HashMap<>();
    query("SELECT id, last_seq FROM groups WHERE id IN (" + groupList + ")",
        row -> lastSeqs.put(row.getLong(1), row.getLong(2)));

    Map<Long, TreeMap<Long, Slot>> inboxes = new HashMap<>();
    Map<Long, Integer> clashes = new HashMap<>();
    users.forEach(user -> inboxes.put(user, new TreeMap<>()));
    RowReader place = row -> {
      if (inboxes.get(row.getLong(1)).put(row.getLong(2), new Slot(row.getLong(3), row.getLong(4), row.getLong(5)))
          != null) {
        clashes.merge(row.getLong(1), 1, Integer::sum);
      }
    };
    query("SELECT i.user_id, i.cursor, i.group_id, i.seq, m.id FROM group_inbox i LEFT JOIN group_messages m"
        + " ON m.group_id = i.group_id AND m.seq = i.seq WHERE i.user_id IN (" + userList + ")", place);
    query("SELECT to_id, recipient_cursor, 0, seq, id FROM messages WHERE to_id IN (" + userList + ")", place);
    query("SELECT from_id, sender_cursor, 0, seq, id FROM messages WHERE from_id IN (" + userList + ")", place);
    return new Contents(groups, lastSeqs, inboxes, clashes, inboxCounters(users));
  }

  /** Each user's inbox counter alone: cheap enough to poll while waiting for the inboxes to settle. */
  Map<Long, Long> inboxCounters(Collection<Long> users) {
    Map<Long, Long> counters = new HashMap<>();
    query("SELECT user_id, last_cursor FROM inboxes WHERE user_id IN (" + join(users) + ")",
        row -> counters.put(row.getLong(1), row.getLong(2)));
    return counters;
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
    List<Long> list = new ArrayList<>(ids);
    return list.stream().map(String::valueOf).collect(Collectors.joining(","));
  }
}
