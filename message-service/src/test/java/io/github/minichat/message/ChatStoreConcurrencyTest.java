package io.github.minichat.message;

import static io.github.minichat.message.testing.StoreDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.Origin;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.common.UnreadSummary;
import io.github.minichat.message.testing.StoreDatabase;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The store's write paths under concurrency, below the gateway: lone sends and batches (both {@link BatchStore}) and
 * {@code chat_mark_read} on a real PostgreSQL through the reactive pool, many transactions in flight at once.
 */
class ChatStoreConcurrencyTest {

  private static final int POOL_SIZE = 8;
  private static final int IN_FLIGHT = 8;

  private static StoreDatabase database;
  private static Pool pool;
  private static ChatStore store;
  private static BatchStore batchStore;

  @BeforeAll
  static void start() {
    database = StoreDatabase.create("store_concurrency", POOL_SIZE);
    pool = database.pool();
    store = new ChatStore(pool);
    batchStore = new BatchStore(pool, Duration.ofSeconds(10));
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  /** One unread-count change seen by a caller: +1 for an unread message, a decrease for a read mark. */
  private record Change(long userId, long version, long countNum, boolean increment) {
  }

  @Test
  @DisplayName("concurrent sends over three conversations give gapless seqs and cursors in commit order, true counts")
  void concurrentSends() {
    long[] users = {101, 102, 103};
    int total = 500;
    long[][] directions = directions(users);
    Random random = new Random(500);
    List<long[]> plan = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      plan.add(directions[random.nextInt(directions.length)]);
    }
    Queue<ChatStore.Stored> stored = new ConcurrentLinkedQueue<>();
    Queue<Change> changes = new ConcurrentLinkedQueue<>();
    List<Throwable> failures = run(total, i -> {
      long[] direction = plan.get(i);
      boolean readOnArrival = i % 5 == 0;
      // both origins, with and without a cid, and a text each, so that no two sends merge as an HTTP/WebSocket pair
      SendMessage request = new SendMessage(direction[0], direction[1], "message " + i, i % 3 == 0 ? null : "cid-" + i,
          i % 2 == 0 ? Origin.WS : Origin.HTTP, null);
      return then(sendAlone(request, readOnArrival), result -> {
        stored.add(result);
        if (!readOnArrival) {
          UnreadCount count = result.recipientUnread();
          changes.add(new Change(count.userId(), count.version(), count.countNum(), true));
        }
      });
    });

    assertThat(failures).as("failed sends (a deadlock would show here)").isEmpty();
    assertThat(stored).hasSize(total).noneMatch(ChatStore.Stored::duplicate);
    assertThat(count("SELECT count(*) FROM messages WHERE from_id = ANY($1)", users)).isEqualTo(total);
    assertGaplessInCommitOrder(users);
    assertUnreadMatchesRows(users);
    assertVersionsTellTheStory(users, changes);
    // with no read marks yet, every count handed out equals its version: each unread message added exactly one
    assertThat(changes).allSatisfy(change -> assertThat(change.countNum()).isEqualTo(change.version()));

    // what each send returned is what was stored
    Map<Long, Row> rows = rowsById(users);
    assertThat(stored).allSatisfy(result -> {
      Row row = rows.get(result.message().id());
      assertThat(row.getLong("seq")).isEqualTo(result.message().seq());
      assertThat(row.getLong("sender_cursor")).isEqualTo(result.message().senderCursor());
      assertThat(row.getLong("recipient_cursor")).isEqualTo(result.message().recipientCursor());
      assertThat(row.getBoolean("is_read")).isEqualTo(result.message().read());
    });
  }

  @Test
  @DisplayName("read marks interleaved with concurrent sends keep inboxes.unread equal to the unread rows")
  void concurrentSendsAndReadMarks() {
    long[] users = {201, 202, 203};
    int tasks = 600;
    long[][] directions = directions(users);
    Random random = new Random(600);
    List<long[]> plan = new ArrayList<>();
    List<Boolean> upToKnown = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      plan.add(directions[random.nextInt(directions.length)]);
      upToKnown.add(random.nextBoolean());
    }
    AtomicLong newestId = new AtomicLong();
    AtomicInteger reads = new AtomicInteger();
    Queue<Change> changes = new ConcurrentLinkedQueue<>();
    List<Throwable> failures = run(tasks, i -> {
      long[] direction = plan.get(i);
      if (i % 4 == 3) {
        // the recipient of this direction marks what it got from the sender: all of it, or up to a recent id
        long user = direction[1];
        Long upTo = upToKnown.get(i) && newestId.get() > 0 ? newestId.get() : null;
        return then(store.markRead(user, direction[0], upTo).map(ChatStore.ReadMark::count), count -> {
          if (count.version() > 0) {
            reads.incrementAndGet();
            changes.add(new Change(count.userId(), count.version(), count.countNum(), false));
          }
        });
      }
      boolean readOnArrival = i % 7 == 0;
      SendMessage request = new SendMessage(direction[0], direction[1], "message " + i, "cid-" + i, Origin.WS, null);
      return then(sendAlone(request, readOnArrival), result -> {
        newestId.accumulateAndGet(result.message().id(), Math::max);
        if (!readOnArrival) {
          UnreadCount count = result.recipientUnread();
          changes.add(new Change(count.userId(), count.version(), count.countNum(), true));
        }
      });
    });

    assertThat(failures).as("failed sends or read marks (a deadlock would show here)").isEmpty();
    assertThat(reads.get()).as("read marks that changed something").isPositive();
    assertThat(count("SELECT count(*) FROM messages WHERE from_id = ANY($1)", users)).isEqualTo(tasks - tasks / 4);
    assertThat(count("SELECT count(*) FROM messages WHERE to_id = ANY($1) AND is_read", users))
        .as("some messages read").isPositive();
    assertGaplessInCommitOrder(users);
    assertUnreadMatchesRows(users);
    assertVersionsTellTheStory(users, changes);
  }

  @Test
  @DisplayName("concurrent batches, lone sends and read marks: no deadlock, gapless, true counts, cids honoured")
  void concurrentBatches() {
    long[] users = {301, 302, 303};
    long[][] directions = directions(users);
    int tasks = 400;
    Random random = new Random(400);
    AtomicInteger nextCid = new AtomicInteger();
    AtomicLong newestId = new AtomicLong();
    Queue<ChatStore.Stored> stored = new ConcurrentLinkedQueue<>();
    Queue<String> storedCids = new ConcurrentLinkedQueue<>();
    Queue<Change> changes = new ConcurrentLinkedQueue<>();
    // what came back for repeated and misused cids, checked on the test thread once every task is done
    Queue<Duplicate> duplicates = new ConcurrentLinkedQueue<>();
    Queue<Throwable> conflicts = new ConcurrentLinkedQueue<>();
    // what a sender stored under each cid, so that later batches can repeat it (duplicate) or misuse it (conflict)
    Map<String, SendMessage> sentByCid = new java.util.concurrent.ConcurrentHashMap<>();
    List<Throwable> failures = run(tasks, i -> {
      long[] direction = directions[random.nextInt(directions.length)];
      if (i % 5 == 4) {
        return then(store.markRead(direction[1], direction[0], random.nextBoolean() && newestId.get() > 0
            ? newestId.get() : null).map(ChatStore.ReadMark::count), count -> {
              if (count.version() > 0) {
                changes.add(new Change(count.userId(), count.version(), count.countNum(), false));
              }
            });
      }
      if (i % 5 == 3) {
        boolean read = random.nextInt(4) == 0;
        return then(sendAlone(new SendMessage(direction[0], direction[1], "single " + i, "s-" + i, Origin.WS, null),
            read), result -> record(result, read, stored, storedCids, changes, newestId));
      }
      List<BatchStore.Item> batch = new ArrayList<>();
      java.util.Set<String> inBatch = new java.util.HashSet<>();
      for (int n = 1 + random.nextInt(40); n > 0; n--) {
        long[] pair = directions[random.nextInt(directions.length)];
        SendMessage request;
        List<SendMessage> earlier = List.copyOf(sentByCid.values());
        if (!earlier.isEmpty() && random.nextInt(10) == 0) {
          SendMessage again = earlier.get(random.nextInt(earlier.size()));
          request = random.nextInt(3) == 0
              ? new SendMessage(again.fromId(), again.toId(), again.text() + " changed", again.cid(), Origin.WS, null)
              : again;
        } else {
          request = new SendMessage(pair[0], pair[1], "batched " + i + "/" + n, "b-" + nextCid.incrementAndGet(),
              Origin.WS, null);
        }
        if (inBatch.add(request.fromId() + "/" + request.cid())) {
          batch.add(new BatchStore.Item(request, random.nextInt(4) == 0));
        }
      }
      return then(batchStore.store(batch), outcomes -> {
        for (int k = 0; k < batch.size(); k++) {
          Future<ChatStore.Stored> outcome = outcomes.get(k);
          SendMessage request = batch.get(k).request();
          if (outcome.failed()) {
            conflicts.add(outcome.cause());
          } else if (outcome.result().duplicate()) {
            duplicates.add(new Duplicate(request, outcome.result()));
          } else {
            sentByCid.put(request.fromId() + "/" + request.cid(), request);
            record(outcome.result(), batch.get(k).readOnArrival(), stored, storedCids, changes, newestId);
          }
        }
      });
    });

    assertThat(failures).as("failed batches, sends or read marks (a deadlock would show here)").isEmpty();
    assertThat(duplicates).as("repeated cids answered as duplicates").isNotEmpty()
        .allSatisfy(duplicate -> assertThat(duplicate.stored().message().data())
            .as("message stored under %s", duplicate.request().cid()).isEqualTo(duplicate.request().text()));
    assertThat(conflicts).as("misused cids refused").isNotEmpty()
        .allSatisfy(cause -> assertThat(cause).hasMessageContaining("already used"));
    assertThat(storedCids).doesNotHaveDuplicates();
    assertThat(count("SELECT count(*) FROM messages WHERE from_id = ANY($1)", users)).isEqualTo(stored.size());
    assertGaplessInCommitOrder(users);
    assertUnreadMatchesRows(users);
    assertVersionsTellTheStory(users, changes);
    Map<Long, Row> rows = rowsById(users);
    assertThat(stored).allSatisfy(result -> {
      Row row = rows.get(result.message().id());
      assertThat(row.getLong("seq")).isEqualTo(result.message().seq());
      assertThat(row.getLong("sender_cursor")).isEqualTo(result.message().senderCursor());
      assertThat(row.getLong("recipient_cursor")).isEqualTo(result.message().recipientCursor());
      // read marks may have read it since; what was stored read stays read
      if (result.message().read()) {
        assertThat(row.getBoolean("is_read")).isTrue();
      }
    });
  }

  /** One send stored on its own, as the service stores a send that finds no other waiting: a batch of one. */
  private static Future<ChatStore.Stored> sendAlone(SendMessage request, boolean readOnArrival) {
    return batchStore.store(List.of(new BatchStore.Item(request, readOnArrival))).compose(outcomes -> outcomes.get(0));
  }

  /** A send whose cid was stored before, and the message the store answered it with. */
  private record Duplicate(SendMessage request, ChatStore.Stored stored) {
  }

  private static void record(ChatStore.Stored result, boolean read, Queue<ChatStore.Stored> stored,
                             Queue<String> storedCids, Queue<Change> changes, AtomicLong newestId) {
    stored.add(result);
    storedCids.add(result.message().fromId() + "/" + result.message().cid());
    newestId.accumulateAndGet(result.message().id(), Math::max);
    if (!read) {
      UnreadCount count = result.recipientUnread();
      changes.add(new Change(count.userId(), count.version(), count.countNum(), true));
    }
  }

  /** Every direction between the users: three conversations, both ways. */
  private static long[][] directions(long[] users) {
    return new long[][] {
        {users[0], users[1]}, {users[1], users[0]},
        {users[1], users[2]}, {users[2], users[1]},
        {users[0], users[2]}, {users[2], users[0]}};
  }

  /**
   * Runs {@code step} on the task's result as part of the task: an exception in it fails the task, and so the test,
   * where one thrown from an {@code onSuccess} handler would only reach the event loop's exception handler.
   */
  private static <T> Future<T> then(Future<T> task, Consumer<T> step) {
    return task.map(result -> {
      step.accept(result);
      return result;
    });
  }

  /** Runs tasks 0..count-1 with {@link #IN_FLIGHT} at a time; returns the failures. */
  private static List<Throwable> run(int count, IntFunction<Future<?>> task) {
    AtomicInteger next = new AtomicInteger();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Future<?>> lanes = new ArrayList<>();
    for (int lane = 0; lane < IN_FLIGHT; lane++) {
      lanes.add(lane(next, count, task, failures));
    }
    await(Future.all(lanes));
    return List.copyOf(failures);
  }

  private static Future<Void> lane(AtomicInteger next, int count, IntFunction<Future<?>> task,
                                   Queue<Throwable> failures) {
    int i = next.getAndIncrement();
    if (i >= count) {
      return Future.succeededFuture();
    }
    return task.apply(i)
        .onFailure(failures::add)
        .transform(ignored -> lane(next, count, task, failures));
  }

  /**
   * Per conversation the seqs, and per user the inbox cursors (sender_cursor for what they sent, recipient_cursor
   * for what they received), are exactly 1..n; and in id order, which the insert under the row lock makes commit
   * order, each is the previous one plus one.
   */
  private static void assertGaplessInCommitOrder(long[] users) {
    List<Row> conversations = query(
        "SELECT m.user_lo, m.user_hi, count(*) AS n, count(DISTINCT m.seq) AS distinct_n, min(m.seq) AS lo,"
            + " max(m.seq) AS hi, max(c.last_seq) AS last_seq"
            + " FROM messages m JOIN conversations c ON c.user_lo = m.user_lo AND c.user_hi = m.user_hi"
            + " WHERE m.from_id = ANY($1) GROUP BY m.user_lo, m.user_hi", users);
    assertThat(conversations).hasSize(3).allSatisfy(row -> {
      long n = row.getLong("n");
      assertThat(n).isPositive();
      assertThat(row.getLong("distinct_n")).as("distinct seqs of %s", row.deepToString()).isEqualTo(n);
      assertThat(row.getLong("lo")).isEqualTo(1);
      assertThat(row.getLong("hi")).isEqualTo(n);
      assertThat(row.getLong("last_seq")).isEqualTo(n);
    });
    assertThat(count("SELECT count(*) FROM (SELECT seq - lag(seq) OVER (PARTITION BY user_lo, user_hi ORDER BY id)"
        + " AS step FROM messages WHERE from_id = ANY($1)) s WHERE step <> 1", users))
        .as("seqs out of id order").isZero();

    String positions = "(SELECT id, from_id AS user_id, sender_cursor AS cursor FROM messages WHERE from_id = ANY($1)"
        + " UNION ALL SELECT id, to_id, recipient_cursor FROM messages WHERE to_id = ANY($1)) p";
    List<Row> inboxes = query(
        "SELECT p.user_id, count(*) AS n, count(DISTINCT p.cursor) AS distinct_n, min(p.cursor) AS lo,"
            + " max(p.cursor) AS hi, max(i.last_cursor) AS last_cursor"
            + " FROM " + positions + " JOIN inboxes i ON i.user_id = p.user_id GROUP BY p.user_id", users);
    assertThat(inboxes).hasSize(3).allSatisfy(row -> {
      long n = row.getLong("n");
      assertThat(row.getLong("distinct_n")).as("distinct cursors of %s", row.deepToString()).isEqualTo(n);
      assertThat(row.getLong("lo")).isEqualTo(1);
      assertThat(row.getLong("hi")).isEqualTo(n);
      assertThat(row.getLong("last_cursor")).isEqualTo(n);
    });
    assertThat(count("SELECT count(*) FROM (SELECT cursor - lag(cursor) OVER (PARTITION BY user_id ORDER BY id) AS step"
        + " FROM " + positions + ") s WHERE step <> 1", users))
        .as("cursors out of id order").isZero();
  }

  private static void assertUnreadMatchesRows(long[] users) {
    for (long user : users) {
      long rows = count("SELECT count(*) FROM messages WHERE to_id = $1 AND NOT is_read", user);
      long inbox = count("SELECT unread FROM inboxes WHERE user_id = $1", user);
      assertThat(inbox).as("inboxes.unread of user %d", user).isEqualTo(rows);
      assertThat(rows).as("unread messages of user %d", user).isPositive();
      // and what the store serves as the unread summary agrees, in total and per peer
      UnreadSummary summary = await(store.unread(user));
      assertThat(summary.countNum()).isEqualTo(rows);
      assertThat(summary.peers().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(rows);
    }
  }

  /**
   * Every change of a user's count got its own version, 1..V with none missing or repeated; replayed in version
   * order, each unread message adds one and each read mark lowers the count; the last one is the count now.
   */
  private static void assertVersionsTellTheStory(long[] users, Queue<Change> changes) {
    Map<Long, List<Change>> byUser = changes.stream().collect(Collectors.groupingBy(Change::userId));
    for (long user : users) {
      List<Change> story = byUser.getOrDefault(user, List.of()).stream()
          .sorted(Comparator.comparingLong(Change::version)).toList();
      long finalVersion = count("SELECT unread_version FROM inboxes WHERE user_id = $1", user);
      assertThat(story).extracting(Change::version).as("versions handed out for user %d", user)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, finalVersion).boxed().toList());
      long previous = 0;
      for (Change change : story) {
        if (change.increment()) {
          assertThat(change.countNum()).as("count after an unread message, %s", change).isEqualTo(previous + 1);
        } else {
          assertThat(change.countNum()).as("count after a read mark, %s", change).isLessThan(previous);
        }
        previous = change.countNum();
      }
      assertThat(previous).isEqualTo(count("SELECT unread FROM inboxes WHERE user_id = $1", user));
    }
  }

  private static Map<Long, Row> rowsById(long[] users) {
    return query("SELECT id, seq, sender_cursor, recipient_cursor, is_read FROM messages WHERE from_id = ANY($1)",
        users).stream().collect(Collectors.toMap(row -> row.getLong("id"), row -> row));
  }

  private static List<Row> query(String sql, Object parameter) {
    Object value = parameter instanceof long[] ids ? LongStream.of(ids).boxed().toArray(Long[]::new) : parameter;
    List<Row> rows = new ArrayList<>();
    await(pool.preparedQuery(sql).execute(Tuple.of(value))).forEach(rows::add);
    return rows;
  }

  private static long count(String sql, Object parameter) {
    return query(sql, parameter).get(0).getLong(0);
  }
}
