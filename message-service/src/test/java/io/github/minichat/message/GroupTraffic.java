package io.github.minichat.message;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * What the other write paths do to a group's rows, in plain SQL as the schema and its comments define it: a
 * member's message (one unread for every other member, in their total unless they muted the group) and a mute (the
 * group's unread leaves the total). Each is one transaction in the global lock order, the group row first, so that
 * tests can run them beside the store's changes.
 */
final class GroupTraffic {

  private final Pool pool;

  GroupTraffic(Pool pool) {
    this.pool = pool;
  }

  /** A message from {@code from} (who must be a member); its seq. */
  Future<Long> send(long groupId, long from, String text, List<Long> mentions) {
    return pool.withTransaction(connection -> connection
        .preparedQuery("SELECT last_seq FROM groups WHERE id = $1 AND dissolved_at IS NULL FOR UPDATE")
        .execute(Tuple.of(groupId))
        .compose(group -> {
          if (group.size() == 0) {
            return Future.failedFuture(new IllegalStateException("no group " + groupId));
          }
          long seq = group.iterator().next().getLong(0) + 1;
          return connection.preparedQuery("SELECT user_id, muted FROM group_members WHERE group_id = $1"
                  + " ORDER BY user_id").execute(Tuple.of(groupId))
              .compose(members -> {
                List<Long> users = new ArrayList<>();
                List<Long> unread = new ArrayList<>();
                List<Boolean> counts = new ArrayList<>();
                List<Boolean> mentioned = new ArrayList<>();
                for (Row member : members) {
                  long user = member.getLong("user_id");
                  boolean counted = user != from;
                  users.add(user);
                  counts.add(counted);
                  mentioned.add(counted && mentions.contains(user));
                  unread.add(counted && !member.getBoolean("muted") ? 1L : 0L);
                }
                if (!users.contains(from)) {
                  return Future.failedFuture(new IllegalStateException(from + " is not a member of " + groupId));
                }
                Long[] ids = users.toArray(Long[]::new);
                return connection.preparedQuery("SELECT user_id FROM inboxes WHERE user_id = ANY($1)"
                        + " ORDER BY user_id FOR UPDATE").execute(Tuple.of(ids))
                    .compose(locked -> connection.preparedQuery("INSERT INTO group_messages"
                            + " (group_id, seq, from_id, body, origin, mention_ids) VALUES ($1, $2, $3, $4, 'W', $5)")
                        .execute(Tuple.of(groupId, seq, from, text, mentions.toArray(Long[]::new))))
                    .compose(inserted -> connection.preparedQuery("UPDATE groups SET last_seq = $2 WHERE id = $1")
                        .execute(Tuple.of(groupId, seq)))
                    .compose(moved -> connection.preparedQuery("WITH bumped AS (UPDATE inboxes b"
                            + " SET last_cursor = b.last_cursor + 1, unread = b.unread + u.n,"
                            + " unread_version = b.unread_version + u.n"
                            + " FROM unnest($1::int8[], $2::int8[]) AS u(id, n) WHERE b.user_id = u.id"
                            + " RETURNING b.user_id, b.last_cursor)"
                            + " INSERT INTO group_inbox (user_id, cursor, group_id, seq, counts, mentioned)"
                            + " SELECT b.user_id, b.last_cursor, $3, $4, f.c, f.m FROM bumped b"
                            + " JOIN unnest($1::int8[], $5::bool[], $6::bool[]) AS f(id, c, m) ON f.id = b.user_id")
                        .execute(Tuple.of(ids, unread.toArray(Long[]::new), groupId, seq,
                            counts.toArray(Boolean[]::new), mentioned.toArray(Boolean[]::new))))
                    .map(held -> seq);
              });
        }));
  }

  /** Mutes the group for a member: their unread of it stays counted in rows, and leaves their total. */
  Future<Void> mute(long groupId, long userId) {
    return pool.withTransaction(connection -> connection
        .preparedQuery("SELECT id FROM groups WHERE id = $1 FOR UPDATE").execute(Tuple.of(groupId))
        .compose(group -> connection.preparedQuery("SELECT read_seq FROM group_members"
            + " WHERE group_id = $1 AND user_id = $2 AND NOT muted FOR UPDATE").execute(Tuple.of(groupId, userId)))
        .compose(member -> {
          if (member.size() == 0) {
            return Future.failedFuture(new IllegalStateException(userId + " is no unmuted member of " + groupId));
          }
          long readSeq = member.iterator().next().getLong(0);
          return connection.preparedQuery("SELECT user_id FROM inboxes WHERE user_id = $1 FOR UPDATE")
              .execute(Tuple.of(userId))
              .compose(locked -> connection.preparedQuery("UPDATE group_members SET muted = true"
                  + " WHERE group_id = $1 AND user_id = $2").execute(Tuple.of(groupId, userId)))
              .compose(muted -> connection.preparedQuery("UPDATE inboxes b SET unread = b.unread - n.c,"
                  + " unread_version = b.unread_version + 1 FROM (SELECT count(*) AS c FROM group_inbox"
                  + " WHERE user_id = $1 AND group_id = $2 AND seq > $3 AND counts) n"
                  + " WHERE b.user_id = $1 AND n.c > 0").execute(Tuple.of(userId, groupId, readSeq)))
              .mapEmpty();
        }));
  }
}
