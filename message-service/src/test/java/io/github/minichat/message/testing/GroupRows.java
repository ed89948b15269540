package io.github.minichat.message.testing;

import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * Groups written as plain rows, the way the schema's comments describe them, for tests of what reads and changes
 * them: a group and its members, a message fanned out to every member's inbox at the next dense cursor (counted in
 * the unread total of the members who did not mute the group), a read mark. Each takes the locks in the global
 * order (the group row, then member rows, then inbox rows by ascending user), so they may run beside the store's
 * own transactions.
 */
public final class GroupRows {

  private static final String CREATE_GROUP =
      "INSERT INTO groups (name, owner_id, created_by, member_count) VALUES ($1, $2, $2, $3) RETURNING id";
  private static final String ADD_MEMBERS =
      "INSERT INTO group_members (group_id, user_id, role, joined_seq, read_seq)"
          + " SELECT $1, u, CASE WHEN u = $2 THEN 'owner' ELSE 'member' END, 0, 0 FROM unnest($3::int8[]) u";
  private static final String CREATE_INBOXES =
      "INSERT INTO inboxes (user_id) SELECT unnest($1::int8[]) ON CONFLICT DO NOTHING";

  private static final String NUMBER =
      "UPDATE groups SET last_seq = last_seq + 1 WHERE id = $1 AND dissolved_at IS NULL RETURNING last_seq";
  private static final String LOCK_HOLDER_INBOXES =
      "SELECT i.user_id FROM inboxes i JOIN group_members gm ON gm.user_id = i.user_id"
          + " WHERE gm.group_id = $1 ORDER BY i.user_id FOR UPDATE OF i";
  // Run once the locks are held, so that it reads the members and their mutes as they are at the commit.
  private static final String DELIVER =
      "WITH m AS (INSERT INTO group_messages (group_id, seq, from_id, body, origin, system, mention_ids)"
          + "   VALUES ($1, $2, $3, $4, (CASE WHEN $5::bool THEN 'S' ELSE 'W' END)::\"char\", $5::bool, $6::int8[])"
          + "   RETURNING id, created_at),"
          + " h AS (SELECT gm.user_id, gm.user_id <> $3 AND NOT $5::bool AS counts,"
          + "   gm.user_id = ANY($6::int8[]) AS mentioned, gm.muted FROM group_members gm WHERE gm.group_id = $1),"
          + " b AS (UPDATE inboxes i SET last_cursor = i.last_cursor + 1,"
          + "   unread = i.unread + CASE WHEN h.counts AND NOT h.muted THEN 1 ELSE 0 END,"
          + "   unread_version = i.unread_version + CASE WHEN h.counts AND NOT h.muted THEN 1 ELSE 0 END"
          + "   FROM h WHERE i.user_id = h.user_id"
          + "   RETURNING i.user_id, i.last_cursor, i.unread, i.unread_version, h.counts AND NOT h.muted AS changed),"
          + " g AS (INSERT INTO group_inbox (user_id, cursor, group_id, seq, counts, mentioned)"
          + "   SELECT h.user_id, b.last_cursor, $1, $2, h.counts, h.mentioned FROM h JOIN b ON b.user_id = h.user_id)"
          + " SELECT b.user_id, b.last_cursor, b.unread, b.unread_version, b.changed, m.id, m.created_at FROM b, m";

  private static final String LOCK_MEMBER =
      "SELECT muted, read_seq FROM group_members WHERE group_id = $1 AND user_id = $2 FOR UPDATE";
  private static final String LOCK_INBOX = "SELECT unread FROM inboxes WHERE user_id = $1 FOR UPDATE";
  private static final String NEWLY_READ =
      "SELECT count(*) FROM group_inbox WHERE user_id = $2 AND group_id = $1 AND seq > $3 AND seq <= $4 AND counts";
  private static final String MOVE_READ_SEQ =
      "UPDATE group_members SET read_seq = $3 WHERE group_id = $1 AND user_id = $2";
  private static final String LOWER_TOTAL =
      "UPDATE inboxes SET unread = unread - $2, unread_version = unread_version + 1 WHERE user_id = $1"
          + " RETURNING unread, unread_version";

  /** A stored group message: where it is, and the unread totals it changed. */
  public record Posted(long id, long seq, long createdAt, Map<Long, Long> cursors, List<UnreadCount> unread) {
  }

  private final Pool pool;

  public GroupRows(Pool pool) {
    this.pool = pool;
  }

  /** A group of {@code members} owned by the first, with no message yet; every member has an inbox row. */
  public Future<Long> create(String name, long... members) {
    Long[] ids = LongStream.of(members).boxed().toArray(Long[]::new);
    return pool.withTransaction(connection -> connection.preparedQuery(CREATE_GROUP)
        .execute(Tuple.of(name, members[0], members.length))
        .compose(rows -> {
          long group = rows.iterator().next().getLong(0);
          return connection.preparedQuery(ADD_MEMBERS).execute(Tuple.of(group, members[0], ids))
              .compose(added -> connection.preparedQuery(CREATE_INBOXES).execute(Tuple.of((Object) ids)))
              .map(group);
        }));
  }

  /** A message from {@code from} to every member: counts toward the others' unread unless a system message. */
  public Future<Posted> post(long group, long from, String text, boolean system, long... mentioned) {
    Long[] mentions = LongStream.of(mentioned).boxed().toArray(Long[]::new);
    return pool.withTransaction(connection -> connection.preparedQuery(NUMBER).execute(Tuple.of(group))
        .compose(numbered -> {
          long seq = numbered.iterator().next().getLong(0);
          return connection.preparedQuery(LOCK_HOLDER_INBOXES).execute(Tuple.of(group))
              .compose(locked -> connection.preparedQuery(DELIVER)
                  .execute(Tuple.of(group, seq, from, text, system, mentions)))
              .map(rows -> {
                Map<Long, Long> cursors = new HashMap<>();
                List<UnreadCount> unread = new ArrayList<>();
                long id = 0;
                long createdAt = 0;
                for (Row row : rows) {
                  cursors.put(row.getLong("user_id"), row.getLong("last_cursor"));
                  if (row.getBoolean("changed")) {
                    unread.add(new UnreadCount(row.getLong("user_id"), row.getLong("unread"),
                        row.getLong("unread_version")));
                  }
                  id = row.getLong("id");
                  createdAt = row.getOffsetDateTime("created_at").toInstant().toEpochMilli();
                }
                return new Posted(id, seq, createdAt, cursors, unread);
              });
        }));
  }

  /** {@code user} has read the group up to {@code upTo}; their total drops unless they muted it (version 0). */
  public Future<UnreadCount> markRead(long group, long user, long upTo) {
    return pool.withTransaction(connection -> connection.preparedQuery(LOCK_MEMBER).execute(Tuple.of(group, user))
        .compose(members -> {
          Row member = members.iterator().next();
          long readSeq = member.getLong("read_seq");
          boolean muted = member.getBoolean("muted");
          return connection.preparedQuery(LOCK_INBOX).execute(Tuple.of(user))
              .compose(inbox -> {
                long total = inbox.iterator().next().getLong(0);
                return connection.preparedQuery(NEWLY_READ).execute(Tuple.of(group, user, readSeq, upTo))
                    .compose(counted -> {
                      long read = counted.iterator().next().getLong(0);
                      Future<?> moved = upTo > readSeq
                          ? connection.preparedQuery(MOVE_READ_SEQ).execute(Tuple.of(group, user, upTo))
                          : Future.succeededFuture();
                      return moved.compose(ignored -> lowerTotal(connection, user, total, muted ? 0 : read));
                    });
              });
        }));
  }

  private static Future<UnreadCount> lowerTotal(SqlConnection connection, long user, long total, long by) {
    if (by == 0) {
      return Future.succeededFuture(new UnreadCount(user, total, 0));
    }
    return connection.preparedQuery(LOWER_TOTAL).execute(Tuple.of(user, by)).map(rows -> {
      Row row = rows.iterator().next();
      return new UnreadCount(user, row.getLong(0), row.getLong(1));
    });
  }

  /** {@code user} is no longer a member (the row is deleted, as leaving does); what they hold stays. */
  public Future<Void> remove(long group, long user) {
    return pool.withTransaction(connection -> connection
        .preparedQuery("SELECT id FROM groups WHERE id = $1 FOR UPDATE").execute(Tuple.of(group))
        .compose(locked -> connection.preparedQuery("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
            .execute(Tuple.of(group, user)))
        .mapEmpty());
  }

  public Future<Void> dissolve(long group) {
    return pool.preparedQuery("UPDATE groups SET dissolved_at = clock_timestamp() WHERE id = $1")
        .execute(Tuple.of(group)).mapEmpty();
  }

  /** When {@code user} joined, epoch milliseconds. */
  public Future<Long> joinedAt(long group, long user) {
    return pool.preparedQuery("SELECT joined_at FROM group_members WHERE group_id = $1 AND user_id = $2")
        .execute(Tuple.of(group, user))
        .map(rows -> rows.iterator().next().getOffsetDateTime(0).toInstant().toEpochMilli());
  }
}
