package io.github.minichat.message;

import static io.github.minichat.message.testing.StoreDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

/**
 * The invariants of the rows that every write path must keep, checked with SQL on the rows themselves: seqs gapless
 * per group, cursors dense per inbox (one-to-one and group messages together), each current member holding every
 * message since their joining, and every unread total equal to what the rows count.
 */
final class GroupRowChecks {

  private final Pool pool;

  GroupRowChecks(Pool pool) {
    this.pool = pool;
  }

  /** The group's messages are seqs 1..last_seq, each once. */
  void assertGapless(long groupId) {
    Row row = rows("SELECT g.last_seq, count(m.seq) AS n, count(DISTINCT m.seq) AS distinct_n,"
        + " coalesce(min(m.seq), 0) AS lo, coalesce(max(m.seq), 0) AS hi FROM groups g"
        + " LEFT JOIN group_messages m ON m.group_id = g.id WHERE g.id = $1 GROUP BY g.last_seq",
        Tuple.of(groupId)).get(0);
    long last = row.getLong("last_seq");
    assertThat(List.of(row.getLong("n"), row.getLong("distinct_n"), row.getLong("hi")))
        .as("messages, distinct seqs and highest seq of group %d", groupId).containsOnly(last);
    assertThat(row.getLong("lo")).as("lowest seq of group %d", groupId).isEqualTo(last == 0 ? 0 : 1);
  }

  /** Every position in each user's inbox, one-to-one or group, is 1..last_cursor, each once. */
  void assertDenseCursors(long... users) {
    List<Row> inboxes = rows("WITH positions AS ("
        + " SELECT user_id, cursor FROM group_inbox WHERE user_id = ANY($1)"
        + " UNION ALL SELECT from_id, sender_cursor FROM messages WHERE from_id = ANY($1)"
        + " UNION ALL SELECT to_id, recipient_cursor FROM messages WHERE to_id = ANY($1))"
        + " SELECT i.user_id, i.last_cursor, count(p.cursor) AS n, count(DISTINCT p.cursor) AS distinct_n,"
        + " coalesce(min(p.cursor), 0) AS lo, coalesce(max(p.cursor), 0) AS hi"
        + " FROM inboxes i LEFT JOIN positions p ON p.user_id = i.user_id WHERE i.user_id = ANY($1)"
        + " GROUP BY i.user_id, i.last_cursor", Tuple.of(ids(users)));
    assertThat(inboxes).isNotEmpty().allSatisfy(row -> {
      long last = row.getLong("last_cursor");
      assertThat(List.of(row.getLong("n"), row.getLong("distinct_n"), row.getLong("hi")))
          .as("positions, distinct cursors and highest cursor of %s", row.deepToString()).containsOnly(last);
      assertThat(row.getLong("lo")).as("lowest cursor of %s", row.deepToString()).isEqualTo(last == 0 ? 0 : 1);
    });
  }

  /** Each current member holds exactly the messages joined_seq..last_seq of the group. */
  void assertMembersHoldEverySinceJoining(long groupId) {
    List<Row> members = rows("SELECT m.user_id, m.joined_seq, g.last_seq,"
        + " (SELECT count(*) FROM group_inbox i WHERE i.user_id = m.user_id AND i.group_id = m.group_id"
        + " AND i.seq >= m.joined_seq) AS held,"
        + " (SELECT count(*) FROM group_inbox i WHERE i.user_id = m.user_id AND i.group_id = m.group_id) AS rows"
        + " FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.group_id = $1", Tuple.of(groupId));
    assertThat(members).allSatisfy(row -> assertThat(row.getLong("held"))
        .as("messages held since joining, %s", row.deepToString())
        .isEqualTo(row.getLong("last_seq") - row.getLong("joined_seq") + 1));
    long counted = rows("SELECT member_count FROM groups WHERE id = $1", Tuple.of(groupId)).get(0).getLong(0);
    assertThat(counted).as("member_count of group %d", groupId).isEqualTo(members.size());
  }

  /**
   * inboxes.unread is the sum of the unmuted conversations' unread counts, each computed from rows: one-to-one
   * messages not read, group rows after the member's read mark that count.
   */
  void assertUnreadTotals(long... users) {
    List<Row> totals = rows("SELECT i.user_id, i.unread,"
        + " (SELECT count(*) FROM messages x WHERE x.to_id = i.user_id AND NOT x.is_read AND NOT EXISTS"
        + "   (SELECT 1 FROM conversation_prefs p WHERE p.user_id = i.user_id AND p.peer_id = x.from_id AND p.muted))"
        + " + (SELECT count(*) FROM group_members m JOIN group_inbox g ON g.user_id = m.user_id"
        + "   AND g.group_id = m.group_id AND g.seq > m.read_seq AND g.counts"
        + "   WHERE m.user_id = i.user_id AND NOT m.muted) AS counted"
        + " FROM inboxes i WHERE i.user_id = ANY($1)", Tuple.of(ids(users)));
    assertThat(totals).isNotEmpty().allSatisfy(row -> assertThat(row.getLong("unread"))
        .as("unread total of user %d", row.getLong("user_id")).isEqualTo(row.getLong("counted")));
  }

  /** A member's unread of one group, computed from rows. */
  long groupUnread(long groupId, long userId) {
    return rows("SELECT count(*) FROM group_members m JOIN group_inbox g ON g.user_id = m.user_id"
        + " AND g.group_id = m.group_id AND g.seq > m.read_seq AND g.counts WHERE m.group_id = $1 AND m.user_id = $2",
        Tuple.of(groupId, userId)).get(0).getLong(0);
  }

  List<Row> rows(String sql, Tuple arguments) {
    List<Row> rows = new ArrayList<>();
    await(pool.preparedQuery(sql).execute(arguments)).forEach(rows::add);
    return rows;
  }

  long number(String sql, Object... arguments) {
    return rows(sql, Tuple.from(arguments)).get(0).getLong(0);
  }

  private static Long[] ids(long... users) {
    return LongStream.of(users).boxed().toArray(Long[]::new);
  }
}
