package io.github.minichat.message;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.HistoryPage;
import io.github.minichat.common.HistoryRequest;
import io.github.minichat.common.InboxState;
import io.github.minichat.common.SyncPage;
import io.github.minichat.common.SyncRequest;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.common.UnreadSummary;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message service's reads and read marks, over the reactive pool, and the error translation that the writes
 * share; sends are stored by {@link BatchStore} and {@link GroupSendStore}. A read mark is one call to the
 * {@code chat_mark_read} function (see the migrations): one round trip, one transaction.
 */
final class ChatStore {

  private static final Logger LOG = LoggerFactory.getLogger(ChatStore.class);

  static final String MESSAGE_COLUMNS =
      "id, seq, from_id, to_id, body, is_read, created_at, sender_cursor, recipient_cursor, cid, attachment,"
          + " recalled_at IS NOT NULL AS recalled";

  // Whether the sync's user deleted the message for themselves (the page skips it, its cursor passes it).
  private static final String HIDDEN =
      "EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $1 AND h.message_id = messages.id) AS hidden";

  private static final String MARK_READ = "SELECT * FROM chat_mark_read($1, $2, $3)";

  // A one-to-one message's columns with the group fields a sync page has too.
  private static final String ONE_TO_ONE_INBOX_COLUMNS =
      MESSAGE_COLUMNS + ", 0::int8 AS group_id, false AS system, false AS mentioned, " + HIDDEN;

  // Each branch walks an inbox index: a one-to-one message appears in one user's inbox once (no self-messages), a
  // group message once per member (its group_inbox row). A group row becomes the user's copy: their own message is
  // the sender's copy (to_id 0, at sender_cursor), another's names them (to_id, at recipient_cursor). It is read when
  // the user, still a member, has read the group up to it.
  private static final String SYNC =
      "SELECT * FROM ("
          + " (SELECT " + ONE_TO_ONE_INBOX_COLUMNS + ", recipient_cursor AS pos FROM messages"
          + "   WHERE to_id = $1 AND recipient_cursor > $2 ORDER BY recipient_cursor LIMIT $3)"
          + " UNION ALL"
          + " (SELECT " + ONE_TO_ONE_INBOX_COLUMNS + ", sender_cursor AS pos FROM messages"
          + "   WHERE from_id = $1 AND sender_cursor > $2 ORDER BY sender_cursor LIMIT $3)"
          + " UNION ALL"
          + " (SELECT g.id, g.seq, g.from_id, CASE WHEN g.from_id = i.user_id THEN 0 ELSE i.user_id END, g.body,"
          + "   coalesce(i.seq <= m.read_seq, false), g.created_at,"
          + "   CASE WHEN g.from_id = i.user_id THEN i.cursor ELSE 0 END,"
          + "   CASE WHEN g.from_id = i.user_id THEN 0 ELSE i.cursor END, g.cid, g.attachment,"
          + "   g.recalled_at IS NOT NULL, g.group_id, g.system, i.mentioned, false, i.cursor"
          + "   FROM group_inbox i JOIN group_messages g ON g.group_id = i.group_id AND g.seq = i.seq"
          + "   LEFT JOIN group_members m ON m.group_id = i.group_id AND m.user_id = i.user_id"
          + "   WHERE i.user_id = $1 AND i.cursor > $2 ORDER BY i.cursor LIMIT $3)"
          + ") inbox ORDER BY pos LIMIT $3";

  private static final String HISTORY =
      "SELECT " + MESSAGE_COLUMNS + " FROM messages"
          + " WHERE user_lo = $1 AND user_hi = $2 AND id < $3"
          + " AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $5 AND h.message_id = messages.id)"
          + " ORDER BY id DESC LIMIT $4";

  // One statement, one snapshot: the total, its version and the per-peer split always agree.
  private static final String UNREAD =
      "SELECT coalesce(i.unread, 0) AS unread, coalesce(i.unread_version, 0) AS version, p.peers"
          + " FROM (SELECT 1) one"
          + " LEFT JOIN inboxes i ON i.user_id = $1"
          + " CROSS JOIN LATERAL (SELECT json_object_agg(from_id, n) AS peers FROM"
          + "   (SELECT from_id, count(*) AS n FROM messages WHERE to_id = $1 AND NOT is_read GROUP BY from_id) s) p";

  private static final String INBOX =
      "SELECT last_cursor, unread, unread_version FROM inboxes WHERE user_id = $1";

  private final Pool pool;

  ChatStore(Pool pool) {
    this.pool = pool;
  }

  /** The outcome of a send: the message, whether it repeated one, and the recipient's unread count. */
  record Stored(ChatMessage message, boolean duplicate, UnreadCount recipientUnread) {
  }

  /**
   * A read mark's outcome: the reader's count (version 0 when it did not change: nothing to push) and the highest
   * message it marked (id 0: none), which its sender is told of.
   */
  record ReadMark(UnreadCount count, long maxId, long maxSeq) {
  }

  Future<ReadMark> markRead(long userId, long peer, Long upTo) {
    return pool.preparedQuery(MARK_READ).execute(Tuple.of(userId, peer, upTo))
        .recover(ChatStore::translate)
        .map(rows -> {
          Row row = rows.iterator().next();
          long marked = row.getLong("marked");
          return new ReadMark(
              new UnreadCount(userId, row.getLong("unread"), marked == 0 ? 0 : row.getLong("unread_version")),
              row.getLong("max_id"), row.getLong("max_seq"));
        });
  }

  Future<SyncPage> sync(SyncRequest request) {
    return pool.preparedQuery(SYNC).execute(Tuple.of(request.userId(), request.since(), request.limit() + 1))
        .recover(ChatStore::translate)
        .map(rows -> {
          // the page is the first `limit` positions; what the user deleted for themselves is passed, not shown
          List<ChatMessage> page = new ArrayList<>(rows.size());
          List<Long> passed = new ArrayList<>();
          long cursor = request.since();
          int scanned = 0;
          for (Row row : rows) {
            if (scanned++ == request.limit()) {
              break;
            }
            cursor = row.getLong("pos");
            if (row.getBoolean("hidden")) {
              passed.add(cursor);
            } else {
              page.add(toInboxMessage(row));
            }
          }
          return new SyncPage(page, cursor, rows.size() > request.limit(), passed);
        });
  }

  Future<HistoryPage> history(HistoryRequest request) {
    long before = request.before() == null ? Long.MAX_VALUE : request.before();
    Tuple args = Tuple.of(Math.min(request.userId(), request.peer()), Math.max(request.userId(), request.peer()),
        before, request.limit() + 1, request.userId());
    return pool.preparedQuery(HISTORY).execute(args)
        .recover(ChatStore::translate)
        .map(rows -> {
          List<ChatMessage> newestFirst = toMessages(rows);
          boolean hasMore = newestFirst.size() > request.limit();
          List<ChatMessage> page = new ArrayList<>(newestFirst.subList(0, Math.min(request.limit(), newestFirst.size())));
          Collections.reverse(page);
          return new HistoryPage(page, hasMore);
        });
  }

  Future<UnreadSummary> unread(long userId) {
    return pool.preparedQuery(UNREAD).execute(Tuple.of(userId))
        .recover(ChatStore::translate)
        .map(rows -> {
          Row row = rows.iterator().next();
          Map<Long, Long> peers = new HashMap<>();
          Object json = row.getValue("peers");
          if (json instanceof JsonObject object) {
            object.forEach(entry -> peers.put(Long.parseLong(entry.getKey()), ((Number) entry.getValue()).longValue()));
          }
          return new UnreadSummary(row.getLong("unread"), peers, row.getLong("version"));
        });
  }

  /** The inbox's head and unread count; all zero for a user who never had a message. */
  Future<InboxState> inbox(long userId) {
    return pool.preparedQuery(INBOX).execute(Tuple.of(userId))
        .recover(ChatStore::translate)
        .map(rows -> {
          if (rows.size() == 0) {
            return new InboxState(userId, 0, 0, 0);
          }
          Row row = rows.iterator().next();
          return new InboxState(userId, row.getLong(0), row.getLong(1), row.getLong(2));
        });
  }

  private static List<ChatMessage> toMessages(RowSet<Row> rows) {
    List<ChatMessage> messages = new ArrayList<>(rows.size());
    for (Row row : rows) {
      messages.add(toMessage(row));
    }
    return messages;
  }

  static ChatMessage toMessage(Row row) {
    OffsetDateTime createdAt = row.getOffsetDateTime("created_at");
    return new ChatMessage(row.getLong("id"), row.getLong("seq"), row.getLong("from_id"), row.getLong("to_id"),
        row.getString("body"), row.getBoolean("is_read"), createdAt.toInstant().toEpochMilli(),
        row.getLong("sender_cursor"), row.getLong("recipient_cursor"), row.getString("cid"), 0, false, false,
        Attachments.fromColumn(row.getValue("attachment")), row.getBoolean("recalled"));
  }

  /** A message of a sync page, one-to-one or a group member's copy (the columns of {@link #SYNC}). */
  private static ChatMessage toInboxMessage(Row row) {
    return new ChatMessage(row.getLong("id"), row.getLong("seq"), row.getLong("from_id"), row.getLong("to_id"),
        row.getString("body"), row.getBoolean("is_read"),
        row.getOffsetDateTime("created_at").toInstant().toEpochMilli(), row.getLong("sender_cursor"),
        row.getLong("recipient_cursor"), row.getString("cid"), row.getLong("group_id"), row.getBoolean("system"),
        row.getBoolean("mentioned"), Attachments.fromColumn(row.getValue("attachment")), row.getBoolean("recalled"));
  }

  /** Connection loss, server shutdown, resource exhaustion, serialisation conflicts: worth a retry. */
  private static boolean isTransient(String sqlState) {
    return sqlState != null
        && (sqlState.startsWith("08") || sqlState.startsWith("53") || sqlState.startsWith("57") || sqlState.startsWith("40"));
  }

  /**
   * Named errors for what a client can act on: a cid conflict, a value the database refuses (SQLSTATE class 22, data
   * exception: {@code invalid_field}); a transient failure is retryable unavailability; any other database error
   * stays as it is (and is answered {@code internal}). A failure already named passes unchanged.
   */
  static <T> Future<T> translate(Throwable failure) {
    if (failure instanceof ChatException) {
      return Future.failedFuture(failure);
    }
    if (failure instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().startsWith("22")) {
      // e.g. 22021 (a NUL character), 22P05 (untranslatable character): the message, not the store, is at fault
      return Future.failedFuture(new ChatException(ChatError.INVALID_FIELD,
          "the message holds a value that cannot be stored (cid and data must be valid text without NUL)"));
    }
    if (failure instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      // two concurrent sends with one cid to different peers: the unique index caught the second
      return Future.failedFuture(new ChatException(ChatError.CID_CONFLICT, "cid was already used for a different message"));
    }
    if (failure instanceof PgException pg && !isTransient(pg.getSqlState())) {
      return Future.failedFuture(failure);
    }
    if (!(failure instanceof PgException)) {
      LOG.warn("Storage request failed: {}", failure.toString());
    }
    return Future.failedFuture(new ChatException(ChatError.UNAVAILABLE, "storage unavailable; retry"));
  }
}
