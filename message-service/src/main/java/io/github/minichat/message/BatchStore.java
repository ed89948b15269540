package io.github.minichat.message;

import io.github.minichat.common.Attachment;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Stores every send, a batch of sends in one transaction (group commit; a lone send is a batch of one): one commit per
 * message caps the write rate near 5-8k messages/s here, a batch of simple set-based statements goes far past it. Each
 * statement is small and prepared once per connection, with a plan that does not depend on its arguments. Every
 * round trip costs a wake-up of the backend and of the event loop, and on a busy machine those waits, not the
 * statements, made most of a batch's time, so the statements are pipelined:
 * <ul>
 *   <li>the common batch (every send has a cid, every row exists, no repeat, no mute) in one round trip: BEGIN, the
 *       bumps, an insert that numbers each message from the rows the bumps just moved, COMMIT
 *       ({@link #inOneRoundTrip}); when the batch turns out not to be common, the insert fails, nothing of it stays,
 *       and it goes the general way;</li>
 *   <li>the general way in two, bump-and-read then insert-and-commit (four when the batch opens a conversation or an
 *       inbox, see {@link #bumpAndWrite}).</li>
 * </ul>
 *
 * <p>The counters are moved forward first, by as much as the batch would take if no message repeated an earlier
 * one: that one update locks each row and returns its new value, from which the numbers of the batch follow. A
 * separate lock ({@code SELECT … FOR UPDATE}) and a second update per row, as before, cost the database a lock
 * record, an index probe and a new row version more for every conversation and inbox of every batch. When a message
 * does repeat one (rare: a client resending after a lost ack), the counters are set back to what was really used
 * before the commit.
 *
 * <p>Guarantees, message by message:
 * <ul>
 *   <li>gapless {@code seq} per conversation and gapless cursors per inbox, in batch order (a socket never has two
 *       sends in flight, so each sender's order holds);</li>
 *   <li>idempotent by (sender, cid), checked once the conversation locks are held, so a concurrent batch with the
 *       same cid has committed by then; a cid reused for a different message fails that message only;</li>
 *   <li>a send without a cid that is the twin of one just stored (a seed client stores over HTTP and shows over the
 *       socket: same sender, peer and text, the other origin, within the pair window) is that message, answered as
 *       a repeat, and each message has one twin at most;</li>
 *   <li>the unread total and its version change in the same transaction as the rows; a message to a user who muted
 *       its sender is stored unread but left out of the total (the mute is read under the recipient's inbox lock,
 *       which every change of a one-to-one mute holds too).</li>
 * </ul>
 * Locks are taken in one global order, conversation rows by (user_lo, user_hi) and then inbox rows by user, so
 * writers never deadlock: each bump is a nested loop over its sorted key array (hash and merge joins are off on
 * these connections, see {@link Postgres}), so it locks rows in array order. The caller passes each (sender, cid)
 * at most once, a missing cid counting as one (so a batch holds one send without a cid per sender).
 *
 * <p>One message never fails the others: when a batch's transaction fails for a reason that is not transient (a
 * value the database refuses, a cid taken by a concurrent batch of another conversation), nothing of it was stored,
 * and it is split in halves, stored one after the other, until the failing message is alone and fails with its own
 * error. The others are stored as if it had never been there.
 */
final class BatchStore {

  private static final String CREATE_CONVERSATIONS =
      "INSERT INTO conversations (user_lo, user_hi) SELECT * FROM unnest($1::int8[], $2::int8[]) ON CONFLICT DO NOTHING";
  private static final String BUMP_CONVERSATIONS =
      "UPDATE conversations c SET last_seq = c.last_seq + u.n FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS u(lo, hi, n)"
          + " WHERE c.user_lo = u.lo AND c.user_hi = u.hi RETURNING c.user_lo, c.user_hi, c.last_seq";
  private static final String CREATE_INBOXES =
      "INSERT INTO inboxes (user_id) SELECT unnest($1::int8[]) ON CONFLICT DO NOTHING";
  private static final String BUMP_INBOXES =
      "UPDATE inboxes b SET last_cursor = b.last_cursor + u.c, unread = b.unread + u.n,"
          + " unread_version = b.unread_version + u.n FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS u(id, c, n)"
          + " WHERE b.user_id = u.id RETURNING b.user_id, b.last_cursor, b.unread, b.unread_version";
  private static final String FIND_REPEATS =
      "SELECT m.id, m.seq, m.from_id, m.to_id, m.body, m.is_read, m.created_at, m.sender_cursor,"
          + " m.recipient_cursor, m.cid, m.attachment, m.recalled_at IS NOT NULL AS recalled FROM messages m"
          + " JOIN unnest($1::int8[], $2::text[]) AS u(f, c) ON m.from_id = u.f AND m.cid = u.c";
  // The newest unpaired twin of each send without a cid, looked up under the conversation lock like the repeats.
  private static final String FIND_TWINS =
      "SELECT t.id, t.seq, t.from_id, t.to_id, t.body, t.is_read, t.created_at, t.sender_cursor, t.recipient_cursor,"
          + " t.cid, t.attachment, t.recalled_at IS NOT NULL AS recalled FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::text[], $5::text[]) AS u(lo, hi, f, b, o)"
          + " CROSS JOIN LATERAL (SELECT * FROM messages m WHERE m.user_lo = u.lo AND m.user_hi = u.hi"
          + " AND m.from_id = u.f AND m.cid IS NULL AND m.origin <> u.o::\"char\" AND NOT m.paired AND m.body = u.b"
          + " AND m.created_at > clock_timestamp() - $6::float8 * interval '1 millisecond'"
          + " ORDER BY m.id DESC LIMIT 1) t";
  // The batch's (recipient, sender) pairs whose recipient muted the sender: what they get stays out of the total.
  private static final String FIND_MUTED =
      "SELECT p.user_id, p.peer_id FROM unnest($1::int8[], $2::int8[]) AS u(r, s)"
          + " JOIN conversation_prefs p ON p.user_id = u.r AND p.peer_id = u.s WHERE p.muted";
  private static final String PAIR =
      "UPDATE messages SET paired = true WHERE id = ANY($1::int8[])";
  private static final String INSERT_MESSAGES =
      "INSERT INTO messages (user_lo, user_hi, seq, from_id, to_id, body, cid, origin, is_read, sender_cursor,"
          + " recipient_cursor, file_id, attachment)"
          + " SELECT lo, hi, s, f, t, b, c, o::\"char\", r, sc, rc, fi, a::jsonb FROM unnest($1::int8[], $2::int8[],"
          + " $3::int8[], $4::int8[], $5::int8[], $6::text[], $7::text[], $8::text[], $9::bool[], $10::int8[],"
          + " $11::int8[], $12::text[], $13::text[]) AS u(lo, hi, s, f, t, b, c, o, r, sc, rc, fi, a)"
          + " RETURNING id, created_at, user_lo, user_hi, seq";
  // The uploads the batch sends are held by a message from now on: they no longer expire.
  static final String KEEP_FILES =
      "UPDATE files SET expires_at = NULL WHERE id = ANY($1::text[]) AND expires_at IS NOT NULL";
  private static final String MOVE_CONVERSATIONS =
      "UPDATE conversations c SET last_seq = u.s FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS u(lo, hi, s)"
          + " WHERE c.user_lo = u.lo AND c.user_hi = u.hi";
  private static final String MOVE_INBOXES =
      "UPDATE inboxes b SET last_cursor = u.c, unread = u.n, unread_version = u.v"
          + " FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[]) AS u(id, c, n, v) WHERE b.user_id = u.id";

  /** One message of a batch: the request and whether its recipient has the sender's chat open. */
  record Item(SendMessage request, boolean readOnArrival) {
  }

  /** A message's place: unique, and made of numbers, so the database returns it exactly as it was sent. */
  private record Place(long lo, long hi, long seq) {
    static Place of(ChatMessage message) {
      return new Place(Math.min(message.fromId(), message.toId()), Math.max(message.fromId(), message.toId()),
          message.seq());
    }
  }

  /** Who receives from whom: the key of a one-to-one mute, held by the recipient. */
  private record Direction(long recipient, long sender) {
    static Direction of(SendMessage request) {
      return new Direction(request.toId(), request.fromId());
    }

    static Set<Direction> muted(RowSet<Row> rows) {
      Set<Direction> muted = new HashSet<>();
      if (rows != null) {
        rows.forEach(row -> muted.add(new Direction(row.getLong(0), row.getLong(1))));
      }
      return muted;
    }
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

  /**
   * How far a batch moves an inbox's counters if none of its messages repeats an earlier one: the cursor by the
   * messages in and out, the unread total (and its version) by the messages in that arrive unread.
   */
  private record InboxStep(long cursor, long unread) {
    InboxStep plus(InboxStep other) {
      return new InboxStep(cursor + other.cursor, unread + other.unread);
    }
  }

  /** Where an inbox's counters stand: its cursor, its unread total and that total's version. */
  private record InboxCounters(long cursor, long unread, long version) {
    /** After one more message in or out of the inbox ({@code unreadArrival}: one in that arrives unread). */
    InboxCounters next(boolean unreadArrival) {
      return unreadArrival
          ? new InboxCounters(cursor + 1, unread + 1, version + 1)
          : new InboxCounters(cursor + 1, unread, version);
    }
  }

  // The common batch's insert: every send has a cid, so a repeat of a stored message is refused by the cid index
  // (23505), and each message is numbered from the rows this transaction's bumps just moved (their new values, minus
  // how far the batch moved them, plus the message's place in the batch). A missing row or a muted sender fails the
  // insert with a state of its own (db/migration V6). Its snapshot is taken after the bumps, under their locks, as
  // the general path's lookups are.
  private static final String INSERT_COMMON =
      "INSERT INTO messages (user_lo, user_hi, seq, from_id, to_id, body, cid, origin, is_read, sender_cursor,"
          + " recipient_cursor, file_id, attachment)"
          + " SELECT u.lo, u.hi,"
          + "   coalesce((SELECT c.last_seq FROM conversations c WHERE c.user_lo = u.lo AND c.user_hi = u.hi),"
          + "     chat_batch_not_common('MC501', 'no conversation')) + u.s,"
          + "   u.f, u.t, u.b, u.c, u.o::\"char\", u.r,"
          + "   coalesce((SELECT i.last_cursor FROM inboxes i WHERE i.user_id = u.f),"
          + "     chat_batch_not_common('MC501', 'no inbox')) + u.sc,"
          + "   CASE WHEN NOT u.r AND EXISTS (SELECT 1 FROM conversation_prefs p"
          + "                                  WHERE p.user_id = u.t AND p.peer_id = u.f AND p.muted)"
          + "     THEN chat_batch_not_common('MC502', 'a muted sender')"
          + "     ELSE coalesce((SELECT i.last_cursor FROM inboxes i WHERE i.user_id = u.t),"
          + "       chat_batch_not_common('MC501', 'no inbox')) END + u.rc,"
          + "   u.fi, u.a::jsonb"
          + " FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::text[], $7::text[],"
          + " $8::text[], $9::bool[], $10::int8[], $11::int8[], $12::text[], $13::text[])"
          + " AS u(lo, hi, s, f, t, b, c, o, r, sc, rc, fi, a)"
          + " RETURNING id, created_at, user_lo, user_hi, seq";
  private static final String ROWS_MISSING_STATE = "MC501";
  private static final String MUTED_STATE = "MC502";
  private static final String REPEAT_STATE = "23505"; // the cid index: a repeat, or a cid another batch just took

  /** A batch's first attempt met a conversation or an inbox that does not exist yet (never leaves this class). */
  private static final VertxException ROWS_MISSING = new VertxException("rows missing: create them first", true);

  private final Pool pool;
  private final Duration pairWindow;

  /** {@code pairWindow}: how close a seed client's two sends of one message must be to count as one. */
  BatchStore(Pool pool, Duration pairWindow) {
    this.pool = pool;
    this.pairWindow = pairWindow;
  }

  /**
   * The outcomes in the order of the items; a cid reused for a different message, or a message the database
   * refuses, fails its item only.
   */
  Future<List<Future<ChatStore.Stored>>> store(List<Item> items) {
    // translated first: what is not worth a retry (a refused value, a cid conflict, an unexpected database error)
    // may be one message's fault, what is (connection lost, overload) is nobody's
    return storeTogether(items)
        .recover(ChatStore::translate)
        .recover(failure -> items.size() > 1 && !ChatError.of(failure).retryable()
            ? storeInHalves(items)
            : Future.failedFuture(failure));
  }

  /**
   * The whole batch in one transaction: in one round trip when it is the common batch (every send has a cid), else,
   * or when that finds it is not (a row missing, a repeat, a mute), the general way.
   */
  private Future<List<Future<ChatStore.Stored>>> storeTogether(List<Item> items) {
    Keys keys = Keys.of(items);
    return pool.withConnection(connection -> !keys.withoutCid().isEmpty()
        ? theGeneralWay(connection, items, keys)
        : inOneRoundTrip(connection, items, keys).recover(failure -> {
          String state = failure instanceof PgException pg ? pg.getSqlState() : null;
          if (ROWS_MISSING_STATE.equals(state)) {
            return bumpAndWrite(connection, items, keys, true);
          }
          return MUTED_STATE.equals(state) || REPEAT_STATE.equals(state)
              ? theGeneralWay(connection, items, keys)
              : Future.failedFuture(failure);
        }));
  }

  private Future<List<Future<ChatStore.Stored>>> theGeneralWay(SqlConnection connection, List<Item> items,
                                                               Keys keys) {
    return bumpAndWrite(connection, items, keys, false)
        .recover(failure -> failure == ROWS_MISSING
            ? bumpAndWrite(connection, items, keys, true)
            : Future.failedFuture(failure));
  }

  /**
   * The common batch: BEGIN, the bumps, the insert (numbered relative to the bumped counters) and COMMIT leave
   * together. Should the insert fail, the COMMIT ends the transaction as a ROLLBACK and nothing of the batch stays;
   * otherwise the bumps' values give where the counters stood before the batch, and the numbers follow from them as
   * the insert computed them.
   */
  private static Future<List<Future<ChatStore.Stored>>> inOneRoundTrip(SqlConnection connection, List<Item> items,
                                                                      Keys keys) {
    Numbering fromBumped = Numbering.of(items, keys.seqOffsets(), keys.inboxOffsets(), Earlier.NONE, Set.of());
    String[] files = fromBumped.files();
    List<Future<RowSet<Row>>> pipeline = new ArrayList<>(6);
    pipeline.add(connection.query("BEGIN").execute());
    Future<RowSet<Row>> conversationsBumped =
        connection.preparedQuery(BUMP_CONVERSATIONS).execute(keys.bumpConversationArguments());
    Future<RowSet<Row>> inboxesBumped = connection.preparedQuery(BUMP_INBOXES).execute(keys.bumpInboxArguments());
    Future<RowSet<Row>> inserted = connection.preparedQuery(INSERT_COMMON)
        .execute(insertArguments(items, fromBumped.fresh(), fromBumped.numbered()));
    pipeline.addAll(List.of(conversationsBumped, inboxesBumped, inserted));
    if (files.length > 0) {
      pipeline.add(connection.preparedQuery(KEEP_FILES).execute(arrays(files)));
    }
    pipeline.add(connection.query("COMMIT").execute());
    // joined, not all: a next attempt must not start before this COMMIT (or ROLLBACK) has come back
    return Future.join(pipeline).transform(done -> {
      Throwable failure = pipeline.stream().filter(Future::failed).map(Future::cause).findFirst().orElse(null);
      if (failure != null) {
        return Future.failedFuture(failure); // the first: the later statements fail for the aborted transaction
      }
      Numbering numbering = Numbering.of(items, keys.seqsBefore(conversationsBumped.result()),
          keys.inboxesBefore(inboxesBumped.result()), Earlier.NONE, Set.of());
      Map<Place, Inserted> rows = stored(inserted.result());
      if (!numbering.numbered().stream().map(Place::of).allMatch(rows::containsKey)) {
        return Future.failedFuture(new IllegalStateException("the batch's insert numbered its messages otherwise"));
      }
      MessageMetrics.batchStored(true);
      return Future.succeededFuture(stored(rows, numbering));
    });
  }

  /**
   * A batch that failed as a whole, nothing of it stored: the first half, then the second (so that the batch's order
   * holds), each split again while it fails; a half that still fails as a whole fails each of its items.
   */
  private Future<List<Future<ChatStore.Stored>>> storeInHalves(List<Item> items) {
    int middle = items.size() / 2;
    return storeEachFailing(items.subList(0, middle))
        .compose(first -> storeEachFailing(items.subList(middle, items.size())).map(second -> {
          List<Future<ChatStore.Stored>> outcomes = new ArrayList<>(items.size());
          outcomes.addAll(first);
          outcomes.addAll(second);
          return outcomes;
        }));
  }

  private Future<List<Future<ChatStore.Stored>>> storeEachFailing(List<Item> items) {
    return store(items).otherwise(failure -> Collections.nCopies(items.size(), Future.failedFuture(failure)));
  }

  /**
   * The conversations and inboxes of a batch, sorted in the global lock order, with how far the batch moves each
   * counter if none of its messages repeats an earlier one: a conversation's seq by its messages, an inbox's
   * counters by {@link InboxStep}. Also the sends that may repeat an earlier message: those with a cid (by sender
   * and cid) and those without (by their twin); and the directions of the messages that arrive unread, whose
   * recipient may have muted the sender.
   */
  private record Keys(TreeMap<Conversation, Long> seqSteps, TreeMap<Long, InboxStep> inboxSteps,
                      List<SendMessage> withCid, List<SendMessage> withoutCid, Set<Direction> unreadArrivals) {

    static Keys of(List<Item> items) {
      TreeMap<Conversation, Long> seqSteps = new TreeMap<>();
      TreeMap<Long, InboxStep> inboxSteps = new TreeMap<>();
      List<SendMessage> withCid = new ArrayList<>();
      List<SendMessage> withoutCid = new ArrayList<>();
      Set<Direction> unreadArrivals = new LinkedHashSet<>();
      for (Item item : items) {
        SendMessage request = item.request();
        seqSteps.merge(Conversation.of(request), 1L, Long::sum);
        inboxSteps.merge(request.fromId(), new InboxStep(1, 0), InboxStep::plus);
        inboxSteps.merge(request.toId(), new InboxStep(1, item.readOnArrival() ? 0 : 1), InboxStep::plus);
        (request.cid() != null ? withCid : withoutCid).add(request);
        if (!item.readOnArrival()) {
          unreadArrivals.add(Direction.of(request));
        }
      }
      return new Keys(seqSteps, inboxSteps, withCid, withoutCid, unreadArrivals);
    }

    Long[] lo() {
      return seqSteps.keySet().stream().map(Conversation::lo).toArray(Long[]::new);
    }

    Long[] hi() {
      return seqSteps.keySet().stream().map(Conversation::hi).toArray(Long[]::new);
    }

    Long[] userIds() {
      return inboxSteps.keySet().toArray(Long[]::new);
    }

    /**
     * Every conversation of the batch at minus its step: numbering from it gives each message's seq relative to
     * the conversation's value once bumped (the batch's last message at 0).
     */
    TreeMap<Conversation, Long> seqOffsets() {
      TreeMap<Conversation, Long> offsets = new TreeMap<>();
      seqSteps.forEach((conversation, step) -> offsets.put(conversation, -step));
      return offsets;
    }

    /** Every inbox of the batch at minus its step, likewise. */
    TreeMap<Long, InboxCounters> inboxOffsets() {
      TreeMap<Long, InboxCounters> offsets = new TreeMap<>();
      inboxSteps.forEach((user, step) -> offsets.put(user, new InboxCounters(-step.cursor(), -step.unread(),
          -step.unread())));
      return offsets;
    }

    Tuple createConversationArguments() {
      return arrays(lo(), hi());
    }

    Tuple bumpConversationArguments() {
      return arrays(lo(), hi(), seqSteps.values().toArray(Long[]::new));
    }

    Tuple bumpInboxArguments() {
      return arrays(userIds(), inboxSteps.values().stream().map(InboxStep::cursor).toArray(Long[]::new),
          inboxSteps.values().stream().map(InboxStep::unread).toArray(Long[]::new));
    }

    Tuple mutedArguments() {
      return arrays(unreadArrivals.stream().map(Direction::recipient).toArray(Long[]::new),
          unreadArrivals.stream().map(Direction::sender).toArray(Long[]::new));
    }

    Tuple repeatArguments() {
      return arrays(withCid.stream().map(SendMessage::fromId).toArray(Long[]::new),
          withCid.stream().map(SendMessage::cid).toArray(String[]::new));
    }

    Tuple twinArguments(Duration pairWindow) {
      return Tuple.from(new Object[] {
          withoutCid.stream().map(request -> Conversation.of(request).lo()).toArray(Long[]::new),
          withoutCid.stream().map(request -> Conversation.of(request).hi()).toArray(Long[]::new),
          withoutCid.stream().map(SendMessage::fromId).toArray(Long[]::new),
          withoutCid.stream().map(SendMessage::text).toArray(String[]::new),
          withoutCid.stream().map(BatchStore::origin).toArray(String[]::new),
          (double) pairWindow.toMillis()});
    }

    /** Each conversation's last seq before the batch, from the value its bump returned. */
    TreeMap<Conversation, Long> seqsBefore(RowSet<Row> bumped) {
      TreeMap<Conversation, Long> before = new TreeMap<>();
      bumped.forEach(row -> {
        Conversation conversation = new Conversation(row.getLong(0), row.getLong(1));
        before.put(conversation, row.getLong(2) - seqSteps.get(conversation));
      });
      return before;
    }

    /** Each inbox's counters before the batch, from the values its bump returned. */
    TreeMap<Long, InboxCounters> inboxesBefore(RowSet<Row> bumped) {
      TreeMap<Long, InboxCounters> before = new TreeMap<>();
      bumped.forEach(row -> {
        InboxStep step = inboxSteps.get(row.getLong(0));
        before.put(row.getLong(0), new InboxCounters(row.getLong(1) - step.cursor(), row.getLong(2) - step.unread(),
            row.getLong(3) - step.unread()));
      });
      return before;
    }
  }

  /**
   * One transaction for the batch. Nearly every batch meets only conversations and inboxes that exist, so the first
   * attempt does not try to create them (two statements and an index probe per row saved); if a row is missing it
   * rolls back and fails with {@link #ROWS_MISSING}, and the second attempt creates the rows before bumping them.
   */
  private Future<List<Future<ChatStore.Stored>>> bumpAndWrite(SqlConnection connection, List<Item> items, Keys keys,
                                                              boolean createRows) {
    // Round trip 1: BEGIN and the statements that (create,) bump and read the rows leave together (pipelined).
    // None needs another's result, and the backend runs them in order: the repeats are looked up under the locks.
    Future<RowSet<Row>> begun = connection.query("BEGIN").execute();
    Future<RowSet<Row>> conversationsCreated = createRows
        ? connection.preparedQuery(CREATE_CONVERSATIONS).execute(keys.createConversationArguments())
        : Future.succeededFuture();
    Future<RowSet<Row>> conversationsBumped =
        connection.preparedQuery(BUMP_CONVERSATIONS).execute(keys.bumpConversationArguments());
    Future<RowSet<Row>> inboxesCreated = createRows
        ? connection.preparedQuery(CREATE_INBOXES).execute(arrays(keys.userIds()))
        : Future.succeededFuture();
    Future<RowSet<Row>> inboxesBumped = connection.preparedQuery(BUMP_INBOXES).execute(keys.bumpInboxArguments());
    // after the bumps, which hold the recipients' inbox locks: a mute committed before them is seen, a later one
    // waits for this commit
    Future<RowSet<Row>> mutedFound = keys.unreadArrivals().isEmpty() ? Future.succeededFuture()
        : connection.preparedQuery(FIND_MUTED).execute(keys.mutedArguments());
    Future<RowSet<Row>> repeatsFound = keys.withCid().isEmpty() ? Future.succeededFuture()
        : connection.preparedQuery(FIND_REPEATS).execute(keys.repeatArguments());
    Future<RowSet<Row>> twinsFound = keys.withoutCid().isEmpty() ? Future.succeededFuture()
        : connection.preparedQuery(FIND_TWINS).execute(keys.twinArguments(pairWindow));
    return Future.all(List.of(begun, conversationsCreated, conversationsBumped, inboxesCreated, inboxesBumped,
            mutedFound, repeatsFound, twinsFound))
        .compose(bumped -> {
          if (conversationsBumped.result().size() < keys.seqSteps().size()
              || inboxesBumped.result().size() < keys.inboxSteps().size()) {
            return Future.failedFuture(ROWS_MISSING);
          }
          return write(connection, items, keys.seqsBefore(conversationsBumped.result()),
              keys.inboxesBefore(inboxesBumped.result()), earlier(repeatsFound.result(), twinsFound.result()),
              Direction.muted(mutedFound.result()));
        })
        // after missing rows or a failure in round trip 1 the transaction is still open (after a failure in round
        // trip 2, this ROLLBACK finds none and only warns): it must end before the connection is used again
        .recover(failure -> connection.query("ROLLBACK").execute()
            .transform(ignored -> Future.failedFuture(failure)));
  }

  /** The stored messages that sends of the batch repeat: by (sender, cid), and by sender for the twins. */
  private record Earlier(Map<String, ChatMessage> byCid, Map<Long, ChatMessage> twinBySender) {
    static final Earlier NONE = new Earlier(Map.of(), Map.of());

    /** The message {@code request} repeats, if any. */
    ChatMessage of(SendMessage request) {
      return request.cid() != null
          ? byCid.get(key(request.fromId(), request.cid()))
          : twinBySender.get(request.fromId());
    }
  }

  private static Earlier earlier(RowSet<Row> repeats, RowSet<Row> twins) {
    Map<String, ChatMessage> byCid = new HashMap<>();
    if (repeats != null) {
      repeats.forEach(row -> {
        ChatMessage message = ChatStore.toMessage(row);
        byCid.put(key(message.fromId(), message.cid()), message);
      });
    }
    Map<Long, ChatMessage> twinBySender = new HashMap<>();
    if (twins != null) {
      twins.forEach(row -> {
        ChatMessage message = ChatStore.toMessage(row);
        twinBySender.put(message.fromId(), message);
      });
    }
    return new Earlier(byCid, twinBySender);
  }

  private static String origin(SendMessage request) {
    return request.origin() == Origin.HTTP ? "H" : "W";
  }

  /** One parameter per array (Tuple.of would spread a lone array over several parameters). */
  private static Tuple arrays(Object[]... arrays) {
    return Tuple.from((Object[]) arrays);
  }

  private static String key(long fromId, String cid) {
    return fromId + "/" + cid;
  }

  /**
   * The batch numbered in its order from the counters as they stood before it: each new message's seq and cursors,
   * the recipient's unread total after it, the twins to mark paired, the repeats answered, and the counters as the
   * batch really leaves them. Both paths number with it, so they cannot disagree.
   */
  private record Numbering(List<Future<ChatStore.Stored>> outcomes, List<Integer> fresh, List<ChatMessage> numbered,
                           List<UnreadCount> unread, List<Long> twins, boolean mutedArrivals,
                           TreeMap<Conversation, Long> seqs, TreeMap<Long, InboxCounters> inboxes) {

    /** {@code seqs} and {@code inboxes}: the counters before the batch (copied, not changed). */
    static Numbering of(List<Item> items, Map<Conversation, Long> seqsBefore, Map<Long, InboxCounters> inboxesBefore,
                        Earlier earlier, Set<Direction> muted) {
      TreeMap<Conversation, Long> seqs = new TreeMap<>(seqsBefore);
      TreeMap<Long, InboxCounters> inboxes = new TreeMap<>(inboxesBefore);
      int size = items.size();
      List<Future<ChatStore.Stored>> outcomes = new ArrayList<>(size);
      List<Integer> fresh = new ArrayList<>(size);
      List<ChatMessage> numbered = new ArrayList<>(size);
      List<UnreadCount> unread = new ArrayList<>(size);
      List<Long> twins = new ArrayList<>();
      boolean mutedArrivals = false;
      for (int i = 0; i < size; i++) {
        SendMessage request = items.get(i).request();
        ChatMessage repeat = earlier.of(request);
        if (repeat != null) {
          outcomes.add(repeatOutcome(request, repeat));
          if (request.cid() == null) {
            twins.add(repeat.id());
          }
          continue;
        }
        outcomes.add(null);
        boolean read = items.get(i).readOnArrival();
        boolean counted = !read && !muted.contains(Direction.of(request));
        mutedArrivals |= !read && !counted;
        long seq = seqs.merge(Conversation.of(request), 1L, Long::sum);
        InboxCounters sender = inboxes.compute(request.fromId(), (user, counters) -> counters.next(false));
        InboxCounters recipient = inboxes.compute(request.toId(), (user, counters) -> counters.next(counted));
        fresh.add(i);
        numbered.add(new ChatMessage(0, seq, request.fromId(), request.toId(), request.text(), read, 0,
            sender.cursor(), recipient.cursor(), request.cid()).withAttachment(request.attachment()));
        unread.add(new UnreadCount(request.toId(), recipient.unread(), recipient.version()));
      }
      return new Numbering(outcomes, fresh, numbered, unread, twins, mutedArrivals, seqs, inboxes);
    }

    boolean hasRepeats() {
      return fresh.size() < outcomes.size();
    }

    String[] files() {
      return numbered.stream().map(ChatMessage::attachment).filter(Objects::nonNull)
          .map(Attachment::fileId).distinct().toArray(String[]::new);
    }
  }

  /**
   * Inserts the numbered messages, marks the twins found paired, sets the counters back if some messages were
   * repeats or arrive in a muted conversation (the bumps counted them), and commits.
   */
  private static Future<List<Future<ChatStore.Stored>>> write(SqlConnection connection, List<Item> items,
      TreeMap<Conversation, Long> seqs, TreeMap<Long, InboxCounters> inboxes, Earlier earlier, Set<Direction> muted) {
    Numbering numbering = Numbering.of(items, seqs, inboxes, earlier, muted);
    List<Integer> fresh = numbering.fresh();
    List<ChatMessage> numbered = numbering.numbered();
    if (fresh.isEmpty() && numbering.twins().isEmpty()) {
      // all repeats: nothing to store, and the bumps are undone with the transaction
      return connection.query("ROLLBACK").execute().map(numbering.outcomes());
    }
    // Round trip 2: the insert (and the pairing and the corrections) and COMMIT, pipelined. Should a statement fail,
    // PostgreSQL rolls the transaction back at that COMMIT (which then succeeds as a ROLLBACK), so nothing counts as
    // stored unless all succeed.
    Future<RowSet<Row>> inserted = fresh.isEmpty() ? Future.succeededFuture()
        : connection.preparedQuery(INSERT_MESSAGES).execute(insertArguments(items, fresh, numbered));
    Future<RowSet<Row>> paired = numbering.twins().isEmpty() ? Future.succeededFuture()
        : connection.preparedQuery(PAIR).execute(arrays(numbering.twins().toArray(Long[]::new)));
    boolean repeats = numbering.hasRepeats();
    Future<RowSet<Row>> conversationsCorrected = !repeats ? Future.succeededFuture()
        : connection.preparedQuery(MOVE_CONVERSATIONS).execute(conversationArguments(numbering.seqs()));
    Future<RowSet<Row>> inboxesCorrected = !repeats && !numbering.mutedArrivals() ? Future.succeededFuture()
        : connection.preparedQuery(MOVE_INBOXES).execute(inboxArguments(numbering.inboxes()));
    String[] files = numbering.files();
    Future<RowSet<Row>> filesKept = files.length == 0 ? Future.succeededFuture()
        : connection.preparedQuery(KEEP_FILES).execute(arrays(files));
    Future<RowSet<Row>> committed = connection.query("COMMIT").execute();
    return Future.all(List.of(inserted, paired, conversationsCorrected, inboxesCorrected, filesKept, committed))
        .map(ignored -> {
          MessageMetrics.batchStored(false);
          return fresh.isEmpty() ? numbering.outcomes() : stored(stored(inserted.result()), numbering);
        });
  }

  /** A send that repeats a stored message is answered with it, unless it reuses a cid for a different message. */
  private static Future<ChatStore.Stored> repeatOutcome(SendMessage request, ChatMessage repeat) {
    return repeat.toId() == request.toId() && (repeat.recalled() || sameContent(repeat, request))
        ? Future.succeededFuture(new ChatStore.Stored(repeat, true, new UnreadCount(request.toId(), 0, 0)))
        : Future.failedFuture(new ChatException(ChatError.CID_CONFLICT,
            "cid " + request.cid() + " was already used for a different message"));
  }

  /** The same text, and the same upload (or none): a recalled message has lost both, so any retry of it matches. */
  private static boolean sameContent(ChatMessage repeat, SendMessage request) {
    String repeatFile = repeat.attachment() == null ? null : repeat.attachment().fileId();
    return repeat.data().equals(request.text()) && Objects.equals(repeatFile, request.fileId());
  }

  /** Where the database put each inserted message: its id and time, by its place. */
  private record Inserted(long id, long createdAt) {
  }

  /** The rows the insert returned (id, created_at, user_lo, user_hi, seq), by place. */
  private static Map<Place, Inserted> stored(RowSet<Row> rows) {
    Map<Place, Inserted> inserted = new HashMap<>();
    for (Row row : rows) {
      inserted.put(new Place(row.getLong(2), row.getLong(3), row.getLong(4)),
          new Inserted(row.getLong(0), row.getOffsetDateTime(1).toInstant().toEpochMilli()));
    }
    return inserted;
  }

  /**
   * The outcomes once the batch has committed, the new messages completed from what the insert returned. The rows
   * are matched to the messages by their place, not by their cid: a cid is text, and text may come back other than
   * it went in (the driver writes an unpaired surrogate as {@code ?}).
   */
  private static List<Future<ChatStore.Stored>> stored(Map<Place, Inserted> inserted, Numbering numbering) {
    List<Future<ChatStore.Stored>> outcomes = new ArrayList<>(numbering.outcomes());
    List<ChatMessage> numbered = numbering.numbered();
    for (int k = 0; k < numbered.size(); k++) {
      ChatMessage draft = numbered.get(k);
      Inserted row = inserted.get(Place.of(draft));
      ChatMessage message = new ChatMessage(row.id(), draft.seq(), draft.fromId(), draft.toId(), draft.data(),
          draft.read(), row.createdAt(), draft.senderCursor(), draft.recipientCursor(), draft.cid())
          .withAttachment(draft.attachment());
      outcomes.set(numbering.fresh().get(k),
          Future.succeededFuture(new ChatStore.Stored(message, false, numbering.unread().get(k))));
    }
    return outcomes;
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
    String[] fileId = new String[n];
    String[] attachment = new String[n];
    for (int k = 0; k < n; k++) {
      ChatMessage message = numbered.get(k);
      lo[k] = Math.min(message.fromId(), message.toId());
      hi[k] = Math.max(message.fromId(), message.toId());
      seq[k] = message.seq();
      from[k] = message.fromId();
      to[k] = message.toId();
      body[k] = message.data();
      cid[k] = message.cid();
      origin[k] = origin(items.get(fresh.get(k)).request());
      read[k] = message.read();
      senderCursor[k] = message.senderCursor();
      recipientCursor[k] = message.recipientCursor();
      fileId[k] = message.attachment() == null ? null : message.attachment().fileId();
      attachment[k] = Attachments.toColumn(message.attachment());
    }
    return arrays(lo, hi, seq, from, to, body, cid, origin, read, senderCursor, recipientCursor, fileId, attachment);
  }

  /** Each conversation's last seq as the batch really used it. */
  private static Tuple conversationArguments(TreeMap<Conversation, Long> seqs) {
    return arrays(seqs.keySet().stream().map(Conversation::lo).toArray(Long[]::new),
        seqs.keySet().stream().map(Conversation::hi).toArray(Long[]::new),
        seqs.values().toArray(Long[]::new));
  }

  /** Each inbox's counters as the batch really moved them. */
  private static Tuple inboxArguments(TreeMap<Long, InboxCounters> inboxes) {
    return arrays(inboxes.keySet().toArray(Long[]::new),
        inboxes.values().stream().map(InboxCounters::cursor).toArray(Long[]::new),
        inboxes.values().stream().map(InboxCounters::unread).toArray(Long[]::new),
        inboxes.values().stream().map(InboxCounters::version).toArray(Long[]::new));
  }
}
