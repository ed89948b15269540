package io.github.minichat.message;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Stores a batch of sends that carry a cid in one transaction (group commit): one commit per message caps the
 * write rate near 5-8k messages/s here, a batch of simple set-based statements goes far past it. Each statement is
 * small and prepared once per connection, with a plan that does not depend on its arguments. The statements are
 * pipelined into two round trips, lock-and-read then write-and-commit (four when the batch opens a conversation or
 * an inbox, see {@link #lockAndWrite}): every round trip costs a wake-up of the backend and of the event loop, and
 * on a busy machine those waits, not the statements, made most of a batch's time.
 *
 * <p>Same guarantees as {@code chat_send}, message by message:
 * <ul>
 *   <li>gapless {@code seq} per conversation and gapless cursors per inbox, in batch order (a socket never has two
 *       sends in flight, so each sender's order holds);</li>
 *   <li>idempotent by (sender, cid), checked once the conversation locks are held, so a concurrent batch with the
 *       same cid has committed by then; a cid reused for a different message fails that message only;</li>
 *   <li>the unread total and its version change in the same transaction as the rows.</li>
 * </ul>
 * Locks are taken in one global order, conversation rows by (user_lo, user_hi) and then inbox rows by user, the
 * order {@code chat_send} uses too, so writers never deadlock. The caller passes each (sender, cid) at most once.
 */
final class BatchStore {

  private static final String CREATE_CONVERSATIONS =
      "INSERT INTO conversations (user_lo, user_hi) SELECT * FROM unnest($1::int8[], $2::int8[]) ON CONFLICT DO NOTHING";
  private static final String LOCK_CONVERSATIONS =
      "SELECT c.user_lo, c.user_hi, c.last_seq FROM conversations c"
          + " JOIN unnest($1::int8[], $2::int8[]) AS u(lo, hi) ON c.user_lo = u.lo AND c.user_hi = u.hi"
          + " ORDER BY c.user_lo, c.user_hi FOR UPDATE OF c";
  private static final String CREATE_INBOXES =
      "INSERT INTO inboxes (user_id) SELECT unnest($1::int8[]) ON CONFLICT DO NOTHING";
  private static final String LOCK_INBOXES =
      "SELECT user_id, last_cursor, unread, unread_version FROM inboxes WHERE user_id = ANY($1::int8[])"
          + " ORDER BY user_id FOR UPDATE";
  private static final String FIND_REPEATS =
      "SELECT m.id, m.seq, m.from_id, m.to_id, m.body, m.is_read, m.created_at, m.sender_cursor,"
          + " m.recipient_cursor, m.cid FROM messages m"
          + " JOIN unnest($1::int8[], $2::text[]) AS u(f, c) ON m.from_id = u.f AND m.cid = u.c";
  private static final String INSERT_MESSAGES =
      "INSERT INTO messages (user_lo, user_hi, seq, from_id, to_id, body, cid, origin, is_read, sender_cursor,"
          + " recipient_cursor)"
          + " SELECT lo, hi, s, f, t, b, c, o::\"char\", r, sc, rc FROM unnest($1::int8[], $2::int8[], $3::int8[],"
          + " $4::int8[], $5::int8[], $6::text[], $7::text[], $8::text[], $9::bool[], $10::int8[], $11::int8[])"
          + " AS u(lo, hi, s, f, t, b, c, o, r, sc, rc)"
          + " RETURNING id, created_at, from_id, cid";
  private static final String MOVE_CONVERSATIONS =
      "UPDATE conversations c SET last_seq = u.s FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS u(lo, hi, s)"
          + " WHERE c.user_lo = u.lo AND c.user_hi = u.hi";
  private static final String MOVE_INBOXES =
      "UPDATE inboxes b SET last_cursor = u.c, unread = u.n, unread_version = u.v"
          + " FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[]) AS u(id, c, n, v) WHERE b.user_id = u.id";

  /** One message of a batch: the request and whether its recipient has the sender's chat open. */
  record Item(SendMessage request, boolean readOnArrival) {
  }

  private record Conversation(long lo, long hi) implements Comparable<Conversation> {
    static Conversation of(SendMessage request) {
      return new Conversation(Math.min(request.fromId(), request.toId()), Math.max(request.fromId(), request.toId()));
    }

    @Override
    public int compareTo(Conversation other) {
      int byLo = Long.compare(lo, other.lo);
      return byLo != 0 ? byLo : Long.compare(hi, other.hi);
    }
  }

  /** An inbox row as locked, moved forward in memory message by message. */
  private static final class Inbox {
    long cursor;
    long unread;
    long version;
    boolean moved;
  }

  /** A batch's first attempt met a conversation or an inbox that does not exist yet (never leaves this class). */
  private static final VertxException ROWS_MISSING = new VertxException("rows missing: create them first", true);

  private final Pool pool;

  BatchStore(Pool pool) {
    this.pool = pool;
  }

  /** The outcomes in the order of the items; a cid reused for a different message fails its item only. */
  Future<List<Future<ChatStore.Stored>>> store(List<Item> items) {
    Rows rows = Rows.of(items);
    return pool.withConnection(connection -> lockAndWrite(connection, items, rows, false)
            .recover(failure -> failure == ROWS_MISSING
                ? lockAndWrite(connection, items, rows, true)
                : Future.failedFuture(failure)))
        .recover(ChatStore::translate);
  }

  /**
   * The conversations and inboxes of a batch, keyed and sorted for locking in the global order, with their counters
   * as locked.
   */
  private record Rows(TreeMap<Conversation, long[]> conversations, Long[] lo, Long[] hi, Long[] userIds, Long[] from,
                      String[] cid) {
    static Rows of(List<Item> items) {
      TreeMap<Conversation, long[]> conversations = new TreeMap<>();
      TreeSet<Long> users = new TreeSet<>();
      for (Item item : items) {
        conversations.put(Conversation.of(item.request()), new long[1]);
        users.add(item.request().fromId());
        users.add(item.request().toId());
      }
      return new Rows(conversations,
          conversations.keySet().stream().map(Conversation::lo).toArray(Long[]::new),
          conversations.keySet().stream().map(Conversation::hi).toArray(Long[]::new),
          users.toArray(Long[]::new),
          items.stream().map(item -> item.request().fromId()).toArray(Long[]::new),
          items.stream().map(item -> item.request().cid()).toArray(String[]::new));
    }
  }

  /**
   * One transaction for the batch. Nearly every batch meets only conversations and inboxes that exist, so the first
   * attempt does not try to create them (two statements and an index probe per row saved); if a row is missing it
   * rolls back and fails with {@link #ROWS_MISSING}, and the second attempt creates the rows before locking them.
   */
  private static Future<List<Future<ChatStore.Stored>>> lockAndWrite(SqlConnection connection, List<Item> items,
                                                                     Rows rows, boolean createRows) {
    // Round trip 1: BEGIN and the statements that (create,) lock and read the rows leave together (pipelined).
    // None needs another's result, and the backend runs them in order: the repeats are looked up under the locks.
    Future<RowSet<Row>> begun = connection.query("BEGIN").execute();
    Future<RowSet<Row>> conversationsCreated = createRows
        ? connection.preparedQuery(CREATE_CONVERSATIONS).execute(arrays(rows.lo(), rows.hi()))
        : Future.succeededFuture();
    Future<RowSet<Row>> conversationsLocked =
        connection.preparedQuery(LOCK_CONVERSATIONS).execute(arrays(rows.lo(), rows.hi()));
    Future<RowSet<Row>> inboxesCreated = createRows
        ? connection.preparedQuery(CREATE_INBOXES).execute(arrays(rows.userIds()))
        : Future.succeededFuture();
    Future<RowSet<Row>> inboxesLocked = connection.preparedQuery(LOCK_INBOXES).execute(arrays(rows.userIds()));
    Future<RowSet<Row>> repeatsFound = connection.preparedQuery(FIND_REPEATS).execute(arrays(rows.from(), rows.cid()));
    return Future.all(begun, conversationsCreated, conversationsLocked, inboxesCreated, inboxesLocked, repeatsFound)
        .compose(locked -> {
          if (conversationsLocked.result().size() < rows.lo().length
              || inboxesLocked.result().size() < rows.userIds().length) {
            return Future.failedFuture(ROWS_MISSING);
          }
          conversationsLocked.result().forEach(row ->
              rows.conversations().get(new Conversation(row.getLong(0), row.getLong(1)))[0] = row.getLong(2));
          Map<Long, Inbox> inboxes = new HashMap<>();
          inboxesLocked.result().forEach(row -> {
            Inbox inbox = new Inbox();
            inbox.cursor = row.getLong(1);
            inbox.unread = row.getLong(2);
            inbox.version = row.getLong(3);
            inboxes.put(row.getLong(0), inbox);
          });
          return write(connection, items, rows, inboxes, repeats(repeatsFound.result()));
        })
        // after missing rows or a failure in round trip 1 the transaction is still open (after a failure in round
        // trip 2, this ROLLBACK finds none and only warns): it must end before the connection is used again
        .recover(failure -> connection.query("ROLLBACK").execute()
            .transform(ignored -> Future.failedFuture(failure)));
  }

  private static Map<String, ChatMessage> repeats(RowSet<Row> rows) {
    Map<String, ChatMessage> repeats = new HashMap<>();
    rows.forEach(row -> {
      ChatMessage message = ChatStore.toMessage(row);
      repeats.put(key(message.fromId(), message.cid()), message);
    });
    return repeats;
  }

  /** One parameter per array (Tuple.of would spread a lone array over several parameters). */
  private static Tuple arrays(Object[]... arrays) {
    return Tuple.from((Object[]) arrays);
  }

  private static String key(long fromId, String cid) {
    return fromId + "/" + cid;
  }

  /** Numbers the new messages in batch order, inserts them and moves the counters, in one round of statements. */
  private static Future<List<Future<ChatStore.Stored>>> write(SqlConnection connection, List<Item> items,
      Rows rows, Map<Long, Inbox> inboxes, Map<String, ChatMessage> repeats) {
    int size = items.size();
    List<Future<ChatStore.Stored>> outcomes = new ArrayList<>(size);
    List<Integer> fresh = new ArrayList<>(size);
    List<ChatMessage> numbered = new ArrayList<>(size);
    List<UnreadCount> unread = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      SendMessage request = items.get(i).request();
      ChatMessage repeat = repeats.get(key(request.fromId(), request.cid()));
      if (repeat != null) {
        outcomes.add(repeat.toId() == request.toId() && repeat.data().equals(request.text())
            ? Future.succeededFuture(new ChatStore.Stored(repeat, true, new UnreadCount(request.toId(), 0, 0)))
            : Future.failedFuture(new ChatException(ChatError.CID_CONFLICT,
                "cid " + request.cid() + " was already used for a different message")));
        continue;
      }
      outcomes.add(null);
      boolean read = items.get(i).readOnArrival();
      long seq = ++rows.conversations().get(Conversation.of(request))[0];
      Inbox sender = inboxes.get(request.fromId());
      Inbox recipient = inboxes.get(request.toId());
      sender.moved = true;
      recipient.moved = true;
      long senderCursor = ++sender.cursor;
      long recipientCursor = ++recipient.cursor;
      if (!read) {
        recipient.unread++;
        recipient.version++;
      }
      fresh.add(i);
      numbered.add(new ChatMessage(0, seq, request.fromId(), request.toId(), request.text(), read, 0, senderCursor,
          recipientCursor, request.cid()));
      unread.add(new UnreadCount(request.toId(), recipient.unread, recipient.version));
    }
    if (fresh.isEmpty()) {
      return connection.query("COMMIT").execute().map(outcomes);
    }
    // Round trip 2: the three writes and COMMIT, pipelined. Should a write fail, PostgreSQL rolls the transaction
    // back at that COMMIT (which then succeeds as a ROLLBACK), so nothing counts as stored unless all four succeed.
    Future<RowSet<Row>> inserted = connection.preparedQuery(INSERT_MESSAGES)
        .execute(insertArguments(items, fresh, numbered));
    Future<RowSet<Row>> conversationsMoved = connection.preparedQuery(MOVE_CONVERSATIONS)
        .execute(conversationArguments(rows));
    Future<RowSet<Row>> inboxesMoved = connection.preparedQuery(MOVE_INBOXES).execute(inboxArguments(inboxes));
    Future<RowSet<Row>> committed = connection.query("COMMIT").execute();
    return Future.all(inserted, conversationsMoved, inboxesMoved, committed).map(ignored -> {
      Map<String, Integer> position = new HashMap<>();
      for (int k = 0; k < numbered.size(); k++) {
        position.put(key(numbered.get(k).fromId(), numbered.get(k).cid()), k);
      }
      for (Row row : inserted.result()) {
        int k = position.get(key(row.getLong(2), row.getString(3)));
        ChatMessage draft = numbered.get(k);
        ChatMessage message = new ChatMessage(row.getLong(0), draft.seq(), draft.fromId(), draft.toId(),
            draft.data(), draft.read(), row.getOffsetDateTime(1).toInstant().toEpochMilli(), draft.senderCursor(),
            draft.recipientCursor(), draft.cid());
        outcomes.set(fresh.get(k), Future.succeededFuture(new ChatStore.Stored(message, false, unread.get(k))));
      }
      return outcomes;
    });
  }

  private static Tuple insertArguments(List<Item> items, List<Integer> fresh, List<ChatMessage> numbered) {
    int n = fresh.size();
    Long[] lo = new Long[n];
    Long[] hi = new Long[n];
    Long[] seq = new Long[n];
    Long[] from = new Long[n];
    Long[] to = new Long[n];
    String[] body = new String[n];
    String[] cid = new String[n];
    String[] origin = new String[n];
    Boolean[] read = new Boolean[n];
    Long[] senderCursor = new Long[n];
    Long[] recipientCursor = new Long[n];
    for (int k = 0; k < n; k++) {
      ChatMessage message = numbered.get(k);
      lo[k] = Math.min(message.fromId(), message.toId());
      hi[k] = Math.max(message.fromId(), message.toId());
      seq[k] = message.seq();
      from[k] = message.fromId();
      to[k] = message.toId();
      body[k] = message.data();
      cid[k] = message.cid();
      origin[k] = items.get(fresh.get(k)).request().origin() == Origin.HTTP ? "H" : "W";
      read[k] = message.read();
      senderCursor[k] = message.senderCursor();
      recipientCursor[k] = message.recipientCursor();
    }
    return arrays(lo, hi, seq, from, to, body, cid, origin, read, senderCursor, recipientCursor);
  }

  /** The new last seq of each conversation, in the order of {@link Rows#lo()} and {@link Rows#hi()}. */
  private static Tuple conversationArguments(Rows rows) {
    Long[] seq = rows.conversations().values().stream().map(last -> last[0]).toArray(Long[]::new);
    return arrays(rows.lo(), rows.hi(), seq);
  }

  private static Tuple inboxArguments(Map<Long, Inbox> inboxes) {
    List<Long> moved = inboxes.entrySet().stream().filter(entry -> entry.getValue().moved).map(Map.Entry::getKey)
        .toList();
    Long[] id = moved.toArray(Long[]::new);
    Long[] cursor = moved.stream().map(user -> inboxes.get(user).cursor).toArray(Long[]::new);
    Long[] unread = moved.stream().map(user -> inboxes.get(user).unread).toArray(Long[]::new);
    Long[] version = moved.stream().map(user -> inboxes.get(user).version).toArray(Long[]::new);
    return arrays(id, cursor, unread, version);
  }
}
