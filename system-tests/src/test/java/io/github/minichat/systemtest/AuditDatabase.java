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

/** What the database holds for the audit's honest users, read over JDBC: the truth the clients are checked by. */
final class AuditDatabase {

  /** A stored message touching an honest user. */
  record Row(long id, long fromId, long toId, long seq, long senderCursor, long recipientCursor, String cid) {

    /** Its position in the inbox of one of its two users. */
    long cursorFor(long userId) {
      return userId == toId ? recipientCursor : senderCursor;
    }
  }

  /**
   * The rows; each honest user's inbox (cursor to row); how many rows of each inbox share a position with another
   * (none in a dense inbox); and the inbox counter of each user's row.
   */
  record Contents(Map<Long, Row> byId, Map<Long, TreeMap<Long, Row>> inboxes, Map<Long, Integer> clashes,
                  Map<Long, Long> inboxCounters) {

    long head(long userId) {
      TreeMap<Long, Row> inbox = inboxes.get(userId);
      return inbox == null || inbox.isEmpty() ? 0 : inbox.lastKey();
    }

    Row at(long userId, long cursor) {
      TreeMap<Long, Row> inbox = inboxes.get(userId);
      return inbox == null ? null : inbox.get(cursor);
    }
  }

  private final PgConnectOptions database;

  AuditDatabase(PgConnectOptions database) {
    this.database = database;
  }

  Contents read(Collection<Long> users) {
    String ids = users.stream().map(String::valueOf).collect(Collectors.joining(","));
    Map<Long, Row> byId = new HashMap<>();
    Map<Long, TreeMap<Long, Row>> inboxes = new HashMap<>();
    Map<Long, Integer> clashes = new HashMap<>();
    users.forEach(user -> inboxes.put(user, new TreeMap<>()));
    for (Row row : rows("SELECT id, from_id, to_id, seq, sender_cursor, recipient_cursor, cid FROM messages"
        + " WHERE from_id IN (" + ids + ") OR to_id IN (" + ids + ")")) {
      byId.put(row.id(), row);
      for (long user : List.of(row.fromId(), row.toId())) {
        TreeMap<Long, Row> inbox = inboxes.get(user);
        if (inbox != null && inbox.put(row.cursorFor(user), row) != null) {
          clashes.merge(user, 1, Integer::sum);
        }
      }
    }
    return new Contents(byId, inboxes, clashes, counters("SELECT user_id, last_cursor FROM inboxes WHERE user_id IN ("
        + ids + ")"));
  }

  /** Each honest user's inbox counter alone: cheap enough to poll while waiting for the inboxes to settle. */
  Map<Long, Long> inboxCounters(Collection<Long> users) {
    String ids = users.stream().map(String::valueOf).collect(Collectors.joining(","));
    return counters("SELECT user_id, last_cursor FROM inboxes WHERE user_id IN (" + ids + ")");
  }

  private List<Row> rows(String sql) {
    try (Connection connection = TestDatabase.connect(database); Statement statement = connection.createStatement();
         ResultSet result = statement.executeQuery(sql)) {
      List<Row> rows = new ArrayList<>();
      while (result.next()) {
        rows.add(new Row(result.getLong(1), result.getLong(2), result.getLong(3), result.getLong(4),
            result.getLong(5), result.getLong(6), result.getString(7)));
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  private Map<Long, Long> counters(String sql) {
    try (Connection connection = TestDatabase.connect(database); Statement statement = connection.createStatement();
         ResultSet result = statement.executeQuery(sql)) {
      Map<Long, Long> counters = new HashMap<>();
      while (result.next()) {
        counters.put(result.getLong(1), result.getLong(2));
      }
      return counters;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
