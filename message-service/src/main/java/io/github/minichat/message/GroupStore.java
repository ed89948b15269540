package io.github.minichat.message;

import io.github.minichat.common.Attachment;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.GroupCommand;
import io.github.minichat.common.GroupHistoryRequest;
import io.github.minichat.common.GroupInfo;
import io.github.minichat.common.GroupList;
import io.github.minichat.common.GroupMember;
import io.github.minichat.common.GroupMembers;
import io.github.minichat.common.GroupRead;
import io.github.minichat.common.GroupReceipts;
import io.github.minichat.common.HistoryPage;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * Groups: membership changes (each a system message, stored by {@link GroupChanges}), the lists, history, read
 * marks and read receipts. A member's view of a group is their own inbox rows of it, so history shows exactly what
 * was stored while they were a member, and their unread count is a count of those rows after their read mark.
 */
final class GroupStore {

  /** A membership change: the group after it, as the actor sees it, and the system message that records it. */
  record Changed(GroupInfo group, GroupStored notice) {
  }

  /** A read mark: the reader's new total (version 0: unchanged) and the seqs it newly marked read, after..upTo. */
  record Marked(UnreadCount unread, long after, long upTo) {
  }

  /** The asker's place in a group they are a member of: how far they have read. */
  private record Membership(long readSeq) {
  }

  private static final String MEMBERSHIP =
      "SELECT g.dissolved_at IS NOT NULL AS dissolved, m.role, m.read_seq FROM groups g"
          + " LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = $2 WHERE g.id = $1";
  private static final String GROUPS =
      "SELECT g.id, g.name, g.owner_id, g.member_count, m.role, g.last_seq, g.created_at"
          + " FROM group_members m JOIN groups g ON g.id = m.group_id"
          + " JOIN group_messages last ON last.group_id = g.id AND last.seq = g.last_seq"
          + " WHERE m.user_id = $1 ORDER BY last.created_at DESC, g.id DESC";
  private static final String MEMBERS =
      "SELECT g.dissolved_at IS NOT NULL AS dissolved, m.user_id, m.role, m.joined_at FROM groups g"
          + " LEFT JOIN group_members m ON m.group_id = g.id WHERE g.id = $1"
          + " ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, m.joined_seq, m.user_id";
  // The asker's own rows, newest first; the sender's row gives the sender's cursor, as a delivery carries it.
  private static final String PAGE =
      "SELECT m.id, m.seq, m.from_id, m.body, m.cid, m.system, m.created_at, i.cursor, i.mentioned, m.attachment,"
          + " m.recalled_at IS NOT NULL AS recalled,"
          + " s.cursor AS sender_cursor FROM group_inbox i"
          + " JOIN group_messages m ON m.group_id = i.group_id AND m.seq = i.seq"
          + " LEFT JOIN group_inbox s ON s.user_id = m.from_id AND s.group_id = m.group_id AND s.seq = m.seq"
          + " WHERE i.user_id = $1 AND i.group_id = $2 AND i.seq < $3 ORDER BY i.seq DESC LIMIT $4";
  // A read mark locks the reader's member row, then their inbox row (and no group row).
  private static final String LOCK_READER =
      "SELECT m.read_seq, m.muted, g.last_seq FROM group_members m JOIN groups g ON g.id = m.group_id"
          + " WHERE m.group_id = $1 AND m.user_id = $2 FOR UPDATE OF m";
  private static final String LOCK_INBOX =
      "SELECT unread, unread_version FROM inboxes WHERE user_id = $1 FOR UPDATE";
  private static final String MOVE_READ_MARK =
      "UPDATE group_members SET read_seq = $3 WHERE group_id = $1 AND user_id = $2";
  private static final String LOWER_UNREAD =
      "UPDATE inboxes b SET unread = b.unread - n.marked, unread_version = b.unread_version + 1"
          + " FROM (SELECT count(*) AS marked FROM group_inbox WHERE user_id = $2 AND group_id = $1"
          + " AND seq > $3 AND seq <= $4 AND counts) n"
          + " WHERE b.user_id = $2 AND n.marked > 0 RETURNING b.unread, b.unread_version";
  // Each current member's copy of one message (an index probe per member on group_inbox_conversation).
  private static final String HOLDERS =
      "SELECT i.user_id, i.cursor, i.mentioned FROM group_members m JOIN group_inbox i"
          + " ON i.user_id = m.user_id AND i.group_id = m.group_id AND i.seq = $2 WHERE m.group_id = $1"
          + " ORDER BY i.user_id";

  private static final String RECEIPTS =
      "SELECT m.from_id, m.seq, (SELECT count(*) FROM group_members r WHERE r.group_id = m.group_id"
          + " AND r.user_id <> m.from_id AND r.read_seq >= m.seq AND r.joined_seq < m.seq) AS readers"
          + " FROM (SELECT group_id, seq, from_id FROM group_messages WHERE group_id = $1 AND seq > $2 AND seq <= $3"
          + " AND NOT system ORDER BY seq DESC LIMIT $4) m ORDER BY m.seq";

  private final Pool pool;
  private final GroupChanges changes;

  GroupStore(Pool pool, GroupLimits limits) {
    this.pool = pool;
    this.changes = new GroupChanges(pool, limits);
  }

  Future<Changed> change(GroupCommand command) {
    return changes.change(command);
  }

  Future<GroupList> groups(long userId) {
    return pool.preparedQuery(GROUPS).execute(Tuple.of(userId))
        .recover(ChatStore::translate)
        .map(rows -> {
          List<GroupInfo> groups = new ArrayList<>(rows.size());
          for (Row row : rows) {
            groups.add(new GroupInfo(row.getLong("id"), row.getString("name"), row.getLong("owner_id"),
                row.getInteger("member_count"), row.getString("role"), row.getLong("last_seq"),
                GroupChanges.millis(row, "created_at"), false));
          }
          return new GroupList(groups);
        });
  }

  /** {@code online}: whether a user has a connection (the route table's view). */
  Future<GroupMembers> members(long userId, long groupId, LongPredicate online) {
    return pool.preparedQuery(MEMBERS).execute(Tuple.of(groupId))
        .recover(ChatStore::translate)
        .map(rows -> {
          if (rows.size() == 0 || rows.iterator().next().getBoolean("dissolved")) {
            throw GroupRules.notFound(groupId);
          }
          List<GroupMember> members = new ArrayList<>(rows.size());
          boolean asked = false;
          for (Row row : rows) {
            long member = row.getLong("user_id");
            asked |= member == userId;
            members.add(new GroupMember(member, row.getString("role"), GroupChanges.millis(row, "joined_at"),
                online.test(member)));
          }
          if (!asked) {
            throw GroupRules.notMember(groupId);
          }
          return new GroupMembers(groupId, members);
        });
  }

  Future<HistoryPage> history(GroupHistoryRequest request) {
    if (request.limit() < 1) {
      return Future.failedFuture(new ChatException(ChatError.INVALID_FIELD, "limit must be at least 1"));
    }
    Future<?> marked = request.markRead()
        ? markRead(new GroupRead(request.userId(), request.groupId(), null)) : Future.succeededFuture();
    return marked.compose(ignored -> page(request));
  }

  Future<Marked> markRead(GroupRead request) {
    return pool.withConnection(connection -> mark(connection, request)
            .recover(failure -> connection.query("ROLLBACK").execute()
                .transform(ignored -> Future.failedFuture(failure))))
        .recover(ChatStore::translate);
  }

  /**
   * How many members (the sender not counted) have read each message of a group with a seq in after..upTo (at most
   * the newest {@code max} of them), grouped by sender.
   */
  /**
   * A repeated send, as its current members hold it: pushed to them again, since the push of the first attempt may
   * have been lost with a message service that died between its commit and its push.
   */
  Future<GroupStored> holders(GroupStored repeat) {
    ChatMessage message = repeat.message();
    return pool.preparedQuery(HOLDERS).execute(Tuple.of(message.groupId(), message.seq()))
        .recover(ChatStore::translate)
        .map(rows -> {
          List<Long> holders = new ArrayList<>(rows.size());
          List<Long> cursors = new ArrayList<>(rows.size());
          List<Long> mentioned = new ArrayList<>();
          for (Row row : rows) {
            holders.add(row.getLong(0));
            cursors.add(row.getLong(1));
            if (row.getBoolean(2)) {
              mentioned.add(row.getLong(0));
            }
          }
          return new GroupStored(message, holders, cursors, Set.copyOf(mentioned), true, List.of());
        });
  }

  Future<List<GroupReceipts>> receipts(long groupId, long after, long upTo, int max) {
    if (max < 1 || upTo <= after) {
      return Future.succeededFuture(List.of());
    }
    return pool.preparedQuery(RECEIPTS).execute(Tuple.of(groupId, after, upTo, max))
        .recover(ChatStore::translate)
        .map(rows -> {
          Map<Long, List<Long>> seqs = new LinkedHashMap<>();
          Map<Long, List<Long>> counts = new LinkedHashMap<>();
          for (Row row : rows) {
            long sender = row.getLong("from_id");
            seqs.computeIfAbsent(sender, key -> new ArrayList<>()).add(row.getLong("seq"));
            counts.computeIfAbsent(sender, key -> new ArrayList<>()).add(row.getLong("readers"));
          }
          return seqs.keySet().stream()
              .map(sender -> new GroupReceipts(groupId, sender, seqs.get(sender), counts.get(sender)))
              .toList();
        });
  }

  /** One transaction in at most two round trips: lock and read, then move the mark and the total and commit. */
  private Future<Marked> mark(SqlConnection connection, GroupRead request) {
    long user = request.userId();
    long groupId = request.groupId();
    Future<RowSet<Row>> begun = connection.query("BEGIN").execute();
    Future<RowSet<Row>> reader = connection.preparedQuery(LOCK_READER).execute(Tuple.of(groupId, user));
    Future<RowSet<Row>> inbox = connection.preparedQuery(LOCK_INBOX).execute(Tuple.of(user));
    return Future.all(begun, reader, inbox).compose(ignored -> {
      if (reader.result().size() == 0) {
        // not a member: say why (no such group, or not one of its members); the failure rolls back
        return membership(connection, user, groupId)
            .compose(member -> Future.failedFuture(GroupRules.notMember(groupId)));
      }
      Row row = reader.result().iterator().next();
      long readSeq = row.getLong("read_seq");
      long total = inbox.result().size() == 0 ? 0 : inbox.result().iterator().next().getLong("unread");
      long upTo = Math.min(request.upTo() == null ? Long.MAX_VALUE : request.upTo(), row.getLong("last_seq"));
      if (upTo <= readSeq) {
        return connection.query("ROLLBACK").execute()
            .map(done -> new Marked(new UnreadCount(user, total, 0), readSeq, readSeq));
      }
      Future<RowSet<Row>> moved = connection.preparedQuery(MOVE_READ_MARK).execute(Tuple.of(groupId, user, upTo));
      // a muted group's unread is not in the total: only the mark moves
      Future<RowSet<Row>> lowered = row.getBoolean("muted") ? Future.succeededFuture()
          : connection.preparedQuery(LOWER_UNREAD).execute(Tuple.of(groupId, user, readSeq, upTo));
      Future<RowSet<Row>> committed = connection.query("COMMIT").execute();
      return Future.all(moved, lowered, committed).map(done -> {
        RowSet<Row> changed = lowered.result();
        if (changed == null || changed.size() == 0) {
          return new Marked(new UnreadCount(user, total, 0), readSeq, upTo);
        }
        Row now = changed.iterator().next();
        return new Marked(new UnreadCount(user, now.getLong("unread"), now.getLong("unread_version")), readSeq, upTo);
      });
    });
  }

  /** The asker's page: membership and rows read in one round trip on one connection. */
  private Future<HistoryPage> page(GroupHistoryRequest request) {
    long user = request.userId();
    long groupId = request.groupId();
    long before = request.before() == null ? Long.MAX_VALUE : request.before();
    return pool.withConnection(connection -> {
      Future<Membership> member = membership(connection, user, groupId);
      Future<RowSet<Row>> rows = connection.preparedQuery(PAGE)
          .execute(Tuple.of(user, groupId, before, request.limit() + 1));
      return Future.all(member, rows).map(done -> {
        long readSeq = member.result().readSeq();
        List<ChatMessage> page = new ArrayList<>(Math.min(rows.result().size(), request.limit()));
        for (Row row : rows.result()) {
          if (page.size() == request.limit()) {
            break;
          }
          page.add(copyFor(user, groupId, readSeq, row));
        }
        Collections.reverse(page);
        return new HistoryPage(page, rows.result().size() > request.limit());
      });
    }).recover(ChatStore::translate);
  }

  /** The asker's copy: their own message as the sender's copy, another's as the member's, read up to their mark. */
  private static ChatMessage copyFor(long asker, long groupId, long readSeq, Row row) {
    long id = row.getLong("id");
    long seq = row.getLong("seq");
    long from = row.getLong("from_id");
    long cursor = row.getLong("cursor");
    long createdAt = GroupChanges.millis(row, "created_at");
    boolean system = row.getBoolean("system");
    Attachment attachment = Attachments.fromColumn(row.getValue("attachment"));
    boolean recalled = row.getBoolean("recalled");
    if (from == asker) {
      return new ChatMessage(id, seq, from, 0, row.getString("body"), false, createdAt, cursor, 0,
          row.getString("cid"), groupId, system, false, attachment, recalled);
    }
    Long senderCursor = row.getLong("sender_cursor");
    return new ChatMessage(id, seq, from, asker, row.getString("body"), seq <= readSeq, createdAt,
        senderCursor == null ? 0 : senderCursor, cursor, row.getString("cid"), groupId, system,
        row.getBoolean("mentioned"), attachment, recalled);
  }

  /** The asker's membership, or NOT_FOUND (no such group, or dissolved) or FORBIDDEN (not a member). */
  private static Future<Membership> membership(SqlClient client, long userId, long groupId) {
    return client.preparedQuery(MEMBERSHIP).execute(Tuple.of(groupId, userId)).map(rows -> {
      if (rows.size() == 0 || rows.iterator().next().getBoolean("dissolved")) {
        throw GroupRules.notFound(groupId);
      }
      Row row = rows.iterator().next();
      if (row.getString("role") == null) {
        throw GroupRules.notMember(groupId);
      }
      return new Membership(row.getLong("read_seq"));
    });
  }
}
