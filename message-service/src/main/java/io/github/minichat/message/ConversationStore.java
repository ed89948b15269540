package io.github.minichat.message;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.ConversationPage;
import io.github.minichat.common.ConversationPrefs;
import io.github.minichat.common.ConversationSummary;
import io.github.minichat.common.ConversationsRequest;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * A user's conversation list, one-to-one and group conversations together, and its pins and mutes. A page is one
 * statement (one snapshot: the lines, their last messages and their counts agree). A mute moves the conversation's
 * unread, counted from the rows, out of the user's total (an unmute moves it back), in one transaction under the
 * locks that the sends and read marks of that conversation take, so the total never drifts from the rows.
 */
final class ConversationStore {

  static final String USER = "user";
  static final String GROUP = "group";

  private static final int MAX_PAGE = 100;

  // Every line of the user's list is built and sorted per page: O(number of the user's conversations), a few index
  // probes each, which is fine up to thousands. The keyset is the order's key with its descending parts negated,
  // so that one row comparison starts the page strictly after the cursor. A conversation row without a message (a
  // batch made it for a send that turned out to reuse a cid) is not a conversation yet and is left out by the join.
  private static final String LIST =
      "WITH entries AS ("
          + " SELECT 'user'::text AS kind, d.peer AS conversation_id, NULL::text AS name,"
          + "   coalesce(p.pinned, false) AS pinned, coalesce(p.muted, false) AS muted,"
          + "   floor(extract(epoch FROM m.created_at) * 1000)::int8 AS last_active_at, 0::int8 AS read_seq,"
          + "   m.id, m.seq, m.from_id, m.to_id, m.body, m.is_read, m.created_at, m.sender_cursor, m.recipient_cursor,"
          + "   m.cid, 0::int8 AS group_id, false AS system, false AS mentioned, m.attachment,"
          + "   m.recalled_at IS NOT NULL AS recalled"
          + " FROM (SELECT c.user_hi AS peer, c.user_lo AS lo, c.user_hi AS hi, c.last_seq FROM conversations c"
          + "        WHERE c.user_lo = $1"
          + "       UNION ALL"
          + "       SELECT c.user_lo, c.user_lo, c.user_hi, c.last_seq FROM conversations c WHERE c.user_hi = $1) d"
          + " JOIN messages m ON m.user_lo = d.lo AND m.user_hi = d.hi AND m.seq = d.last_seq"
          + " LEFT JOIN conversation_prefs p ON p.user_id = $1 AND p.peer_id = d.peer"
          + " UNION ALL"
          // the member's own copy of the newest group message they hold: their own at their sender cursor (toId 0),
          // anyone else's at their recipient cursor; read unless it counts among their unread
          + " SELECT 'group', g.id, g.name, gm.pinned, gm.muted,"
          + "   floor(extract(epoch FROM coalesce(h.created_at, gm.joined_at)) * 1000)::int8, gm.read_seq,"
          + "   h.id, h.seq, h.from_id, CASE WHEN h.from_id = $1 THEN 0 ELSE $1::int8 END, h.body,"
          + "   NOT (h.counts AND h.seq > gm.read_seq), h.created_at,"
          + "   CASE WHEN h.from_id = $1 THEN h.cursor ELSE 0 END, CASE WHEN h.from_id = $1 THEN 0 ELSE h.cursor END,"
          + "   h.cid, g.id, h.system, h.mentioned, h.attachment, h.recalled"
          + " FROM group_members gm"
          + " JOIN groups g ON g.id = gm.group_id AND g.dissolved_at IS NULL"
          + " LEFT JOIN LATERAL (SELECT gi.seq, gi.cursor, gi.counts, gi.mentioned, x.id, x.from_id, x.body,"
          + "   x.created_at, x.cid, x.system, x.attachment, x.recalled_at IS NOT NULL AS recalled FROM group_inbox gi"
          + "   JOIN group_messages x ON x.group_id = gi.group_id AND x.seq = gi.seq"
          + "   WHERE gi.user_id = $1 AND gi.group_id = gm.group_id ORDER BY gi.seq DESC LIMIT 1) h ON true"
          + " WHERE gm.user_id = $1"
          + "), page AS ("
          + " SELECT * FROM entries e"
          + " WHERE $2::bool IS NULL"
          + "   OR (NOT e.pinned, -e.last_active_at, e.kind, e.conversation_id)"
          + "    > (NOT $2::bool, -$3::int8, $4::text, $5::int8)"
          + " ORDER BY e.pinned DESC, e.last_active_at DESC, e.kind, e.conversation_id"
          + " LIMIT $6"
          + ")"
          // the counts of the page's lines only; each lateral runs for its own kind (the kind test is a one-time
          // filter) and counts 0 for the other, so the two add up to the line's unread
          + " SELECT page.*, direct.unread + grouped.unread AS unread, grouped.mentions"
          + " FROM page"
          + " CROSS JOIN LATERAL (SELECT count(*) AS unread FROM messages u"
          + "   WHERE page.kind = 'user' AND u.to_id = $1 AND u.from_id = page.conversation_id AND NOT u.is_read) direct"
          + " CROSS JOIN LATERAL (SELECT count(*) AS unread, count(*) FILTER (WHERE gi.mentioned) AS mentions"
          + "   FROM group_inbox gi WHERE page.kind = 'group' AND gi.user_id = $1 AND gi.group_id = page.conversation_id"
          + "   AND gi.seq > page.read_seq AND gi.counts) grouped"
          + " ORDER BY page.pinned DESC, page.last_active_at DESC, page.kind, page.conversation_id";

  private static final String CREATE_INBOX = "INSERT INTO inboxes (user_id) VALUES ($1) ON CONFLICT DO NOTHING";
  private static final String LOCK_INBOX =
      "SELECT unread, unread_version FROM inboxes WHERE user_id = $1 FOR UPDATE";
  private static final String MOVE_TOTAL =
      "UPDATE inboxes SET unread = unread + $2, unread_version = unread_version + 1 WHERE user_id = $1"
          + " RETURNING unread, unread_version";

  private static final String PEER_STATE =
      "SELECT coalesce((SELECT p.muted FROM conversation_prefs p WHERE p.user_id = $1 AND p.peer_id = $2), false)"
          + " AS muted,"
          + " (SELECT count(*) FROM messages m WHERE m.to_id = $1 AND m.from_id = $2 AND NOT m.is_read) AS unread";
  private static final String SAVE_PEER_PREFS =
      "INSERT INTO conversation_prefs AS p (user_id, peer_id, pinned, muted)"
          + " VALUES ($1, $2, coalesce($3::bool, false), coalesce($4::bool, false))"
          + " ON CONFLICT (user_id, peer_id) DO UPDATE"
          + " SET pinned = coalesce($3::bool, p.pinned), muted = coalesce($4::bool, p.muted)";

  private static final String LOCK_GROUP = "SELECT dissolved_at IS NULL FROM groups WHERE id = $1 FOR UPDATE";
  private static final String LOCK_MEMBER =
      "SELECT muted FROM group_members WHERE group_id = $1 AND user_id = $2 FOR UPDATE";
  private static final String GROUP_UNREAD =
      "SELECT count(*) FROM group_members gm"
          + " JOIN group_inbox gi ON gi.user_id = gm.user_id AND gi.group_id = gm.group_id AND gi.seq > gm.read_seq"
          + " WHERE gm.group_id = $1 AND gm.user_id = $2 AND gi.counts";
  private static final String SAVE_MEMBER_PREFS =
      "UPDATE group_members SET pinned = coalesce($3::bool, pinned), muted = coalesce($4::bool, muted)"
          + " WHERE group_id = $1 AND user_id = $2";

  private final Pool pool;

  ConversationStore(Pool pool) {
    this.pool = pool;
  }

  /** One page of the list; {@code after} must be a {@code next} this store handed out. */
  Future<ConversationPage> list(ConversationsRequest request) {
    int limit = Math.max(1, Math.min(MAX_PAGE, request.limit()));
    ConversationCursor after;
    try {
      after = request.after() == null ? null : ConversationCursor.parse(request.after());
    } catch (ChatException refused) {
      return Future.failedFuture(refused);
    }
    Tuple arguments = Tuple.of(request.userId(), after == null ? null : after.pinned(),
        after == null ? null : after.lastActiveAt(), after == null ? null : after.kind(),
        after == null ? null : after.id(), limit + 1);
    return pool.preparedQuery(LIST).execute(arguments)
        .recover(ChatStore::translate)
        .map(rows -> page(rows, limit));
  }

  /**
   * Sets the pin and the mute of one conversation (null: as it is) and answers the user's total, with version 0 when
   * the total did not change.
   */
  Future<UnreadCount> prefs(ConversationPrefs request) {
    ChatException refused = refusal(request);
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    return pool.withTransaction(connection -> GROUP.equals(request.kind())
            ? groupPrefs(connection, request)
            : peerPrefs(connection, request))
        .recover(ChatStore::translate);
  }

  private static ChatException refusal(ConversationPrefs request) {
    if (!USER.equals(request.kind()) && !GROUP.equals(request.kind())) {
      return new ChatException(ChatError.INVALID_FIELD, "kind must be user or group");
    }
    if (request.id() <= 0) {
      return new ChatException(ChatError.INVALID_FIELD, "id must be a positive integer");
    }
    if (USER.equals(request.kind()) && request.id() == request.userId()) {
      return new ChatException(ChatError.SELF_MESSAGE, "a conversation with yourself has no preferences");
    }
    return null;
  }

  /**
   * A one-to-one conversation: the inbox row first, the lock under which one-to-one sends and read marks count
   * (and read the mute), then the preferences row. Round trip 1 locks and counts, round trip 2 writes.
   */
  private static Future<UnreadCount> peerPrefs(SqlConnection connection, ConversationPrefs request) {
    long user = request.userId();
    long peer = request.id();
    Future<UnreadCount> total = lockInbox(connection, user);
    Future<RowSet<Row>> state = connection.preparedQuery(PEER_STATE).execute(Tuple.of(user, peer));
    return Future.all(total, state).compose(locked -> {
      Row row = state.result().iterator().next();
      Future<RowSet<Row>> saved = unchanged(request) ? Future.succeededFuture()
          : connection.preparedQuery(SAVE_PEER_PREFS).execute(Tuple.of(user, peer, request.pinned(), request.muted()));
      Future<UnreadCount> after =
          applyMute(connection, total.result(), row.getBoolean("muted"), request.muted(), row.getLong("unread"));
      return Future.all(saved, after).map(ignored -> after.result());
    });
  }

  /**
   * A group: its row first (which serialises the change with the group's sends), then the member's row (which
   * their read marks lock), then their inbox row; counted under all three. Round trip 1 locks and counts, round
   * trip 2 writes.
   */
  private static Future<UnreadCount> groupPrefs(SqlConnection connection, ConversationPrefs request) {
    long user = request.userId();
    long group = request.id();
    Future<RowSet<Row>> groupLocked = connection.preparedQuery(LOCK_GROUP).execute(Tuple.of(group));
    Future<RowSet<Row>> memberLocked = connection.preparedQuery(LOCK_MEMBER).execute(Tuple.of(group, user));
    Future<UnreadCount> total = lockInbox(connection, user);
    Future<RowSet<Row>> unread = connection.preparedQuery(GROUP_UNREAD).execute(Tuple.of(group, user));
    return Future.all(groupLocked, memberLocked, total, unread).compose(locked -> {
      RowSet<Row> groups = groupLocked.result();
      if (groups.size() == 0 || !groups.iterator().next().getBoolean(0)) {
        return Future.failedFuture(new ChatException(ChatError.NOT_FOUND, "no such group"));
      }
      if (memberLocked.result().size() == 0) {
        return Future.failedFuture(new ChatException(ChatError.FORBIDDEN, "not a member of this group"));
      }
      boolean wasMuted = memberLocked.result().iterator().next().getBoolean(0);
      Future<RowSet<Row>> saved = unchanged(request) ? Future.succeededFuture()
          : connection.preparedQuery(SAVE_MEMBER_PREFS)
              .execute(Tuple.of(group, user, request.pinned(), request.muted()));
      Future<UnreadCount> after = applyMute(connection, total.result(), wasMuted, request.muted(),
          unread.result().iterator().next().getLong(0));
      return Future.all(saved, after).map(ignored -> after.result());
    });
  }

  private static boolean unchanged(ConversationPrefs request) {
    return request.pinned() == null && request.muted() == null;
  }

  /** The user's inbox row, made if missing, locked; its total and version. Both statements leave together. */
  private static Future<UnreadCount> lockInbox(SqlConnection connection, long user) {
    Future<RowSet<Row>> created = connection.preparedQuery(CREATE_INBOX).execute(Tuple.of(user));
    Future<RowSet<Row>> locked = connection.preparedQuery(LOCK_INBOX).execute(Tuple.of(user));
    return Future.all(created, locked).map(ignored -> {
      Row row = locked.result().iterator().next();
      return new UnreadCount(user, row.getLong(0), row.getLong(1));
    });
  }

  /**
   * The total once the mute is set: a conversation that becomes muted takes its unread out of it, one that becomes
   * unmuted puts it back; anything else leaves it as it is (version 0).
   */
  private static Future<UnreadCount> applyMute(SqlConnection connection, UnreadCount total, boolean wasMuted,
                                               Boolean muted, long conversationUnread) {
    if (muted == null || muted == wasMuted || conversationUnread == 0) {
      return Future.succeededFuture(new UnreadCount(total.userId(), total.countNum(), 0));
    }
    long change = muted ? -conversationUnread : conversationUnread;
    return connection.preparedQuery(MOVE_TOTAL).execute(Tuple.of(total.userId(), change)).map(rows -> {
      Row row = rows.iterator().next();
      return new UnreadCount(total.userId(), row.getLong(0), row.getLong(1));
    });
  }

  private static ConversationPage page(RowSet<Row> rows, int limit) {
    List<ConversationSummary> lines = new ArrayList<>(Math.min(rows.size(), limit));
    for (Row row : rows) {
      if (lines.size() == limit) {
        // the extra line only says that there is more
        return new ConversationPage(lines, ConversationCursor.after(lines.get(limit - 1)).encode());
      }
      lines.add(toSummary(row));
    }
    return new ConversationPage(lines, null);
  }

  private static ConversationSummary toSummary(Row row) {
    String kind = row.getString("kind");
    ChatMessage last = row.getLong("id") == null ? null
        : USER.equals(kind) ? ChatStore.toMessage(row) : groupMessage(row);
    return new ConversationSummary(kind, row.getLong("conversation_id"), row.getString("name"), last,
        row.getLong("unread"), row.getLong("mentions"), row.getBoolean("pinned"), row.getBoolean("muted"),
        row.getLong("last_active_at"));
  }

  private static ChatMessage groupMessage(Row row) {
    return new ChatMessage(row.getLong("id"), row.getLong("seq"), row.getLong("from_id"), row.getLong("to_id"),
        row.getString("body"), row.getBoolean("is_read"),
        row.getOffsetDateTime("created_at").toInstant().toEpochMilli(), row.getLong("sender_cursor"),
        row.getLong("recipient_cursor"), row.getString("cid"), row.getLong("group_id"), row.getBoolean("system"),
        row.getBoolean("mentioned"), Attachments.fromColumn(row.getValue("attachment")), row.getBoolean("recalled"));
  }
}
