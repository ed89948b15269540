package io.github.minichat.message;

import static io.github.minichat.message.testing.StoreDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendMessage;
import io.github.minichat.message.testing.StoreDatabase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A batch whose conversations and inboxes all exist skips creating them; one that meets a missing row takes the
 * path that creates it. Whichever it takes, every message is numbered as if it had been stored alone, and the
 * counters end where the stored messages put them, repeats or not, and one message the database refuses fails
 * alone.
 */
class BatchStoreTest {

  private static final AtomicInteger CIDS = new AtomicInteger();

  private static StoreDatabase database;
  private static Pool pool;
  private static BatchStore batchStore;

  @BeforeAll
  static void start() {
    // the store counts its batches by path in the global registry: one that keeps the counts
    Metrics.addRegistry(new SimpleMeterRegistry());
    database = StoreDatabase.create("batch_store", 1);
    pool = database.pool();
    batchStore = new BatchStore(pool, Duration.ofSeconds(10));
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @Test
  @DisplayName("new conversations between known users, beside known ones: gapless seqs and cursors, batch after batch")
  void newConversationsBesideKnownOnes() {
    // all four users and both conversations are new
    List<ChatMessage> first = store(send(601, 602), send(603, 604));
    assertNumbers(first.get(0), 1, 1, 1);
    assertNumbers(first.get(1), 1, 1, 1);

    // 601-603 is a new conversation of two users whose inboxes exist; 601-602 exists
    List<ChatMessage> second = store(send(601, 603), send(601, 602));
    assertNumbers(second.get(0), 1, 2, 2);
    assertNumbers(second.get(1), 2, 3, 2);

    // every row exists now: the conversation created in the batch before goes on from where it stopped
    List<ChatMessage> third = store(send(603, 601), send(602, 601));
    assertNumbers(third.get(0), 2, 3, 4);
    assertNumbers(third.get(1), 3, 3, 5);

    assertThat(lastSeq(601, 602)).isEqualTo(3);
    assertThat(lastSeq(601, 603)).isEqualTo(2);
    assertThat(lastSeq(603, 604)).isEqualTo(1);
    assertThat(lastCursor(601)).isEqualTo(5);
    assertThat(lastCursor(602)).isEqualTo(3);
    assertThat(lastCursor(603)).isEqualTo(3);
    assertThat(lastCursor(604)).isEqualTo(1);
  }

  @Test
  @DisplayName("a repeat in a batch that also opens a conversation is still answered as a duplicate, stored once")
  void repeatBesideNewConversation() {
    SendMessage original = send(701, 702);
    ChatMessage stored = store(original).get(0);

    List<Future<ChatStore.Stored>> outcomes =
        await(batchStore.store(List.of(item(original), item(send(701, 703)))));

    assertThat(outcomes.get(0).result().duplicate()).isTrue();
    assertThat(outcomes.get(0).result().message().id()).isEqualTo(stored.id());
    assertNumbers(outcomes.get(1).result().message(), 1, 2, 1);
    assertThat(await(pool.preparedQuery("SELECT count(*) FROM messages WHERE from_id = 701").execute())
        .iterator().next().getLong(0)).isEqualTo(2);
  }

  @Test
  @DisplayName("repeats and a cid conflict among new messages in known conversations: counters and the unread total count the new ones only")
  void repeatsAmongNewMessages() {
    SendMessage first = send(801, 802);
    SendMessage second = send(802, 801);
    store(first, second, send(801, 803));
    SendMessage conflicting = new SendMessage(801, 802, "not what was sent first", first.cid(), Origin.WS, null);

    List<Future<ChatStore.Stored>> outcomes = await(batchStore.store(List.of(
        item(second), item(send(801, 802)), item(conflicting), item(send(802, 801)), item(send(801, 803)))));

    assertThat(outcomes.get(0).result().duplicate()).isTrue();
    assertThat(outcomes.get(2).failed()).isTrue();
    assertNumbers(outcomes.get(1).result().message(), 3, 4, 3);
    assertNumbers(outcomes.get(3).result().message(), 4, 4, 5);
    assertNumbers(outcomes.get(4).result().message(), 2, 6, 2);
    assertThat(outcomes.get(3).result().recipientUnread().countNum()).isEqualTo(2);
    assertThat(lastSeq(801, 802)).isEqualTo(4);
    assertThat(lastSeq(801, 803)).isEqualTo(2);
    assertThat(lastCursor(801)).isEqualTo(6);
    assertThat(lastCursor(802)).isEqualTo(4);
    assertThat(lastCursor(803)).isEqualTo(2);
    assertThat(await(pool.preparedQuery("SELECT unread, unread_version FROM inboxes WHERE user_id = 801").execute())
        .iterator().next().toJson().encode()).isEqualTo("{\"unread\":2,\"unread_version\":2}");

    // a batch of repeats only stores nothing and moves nothing
    List<Future<ChatStore.Stored>> again = await(batchStore.store(List.of(item(first), item(second))));
    assertThat(again).allSatisfy(outcome -> assertThat(outcome.result().duplicate()).isTrue());
    assertThat(lastSeq(801, 802)).isEqualTo(4);
    assertThat(lastCursor(801)).isEqualTo(6);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("poisons")
  @DisplayName("a message the database refuses, in the middle of a batch, fails alone: the others are numbered as if it had never been there")
  void poisonFailsAlone(String poisonName, long base, String cid, String text) {
    long a = base + 1;
    long b = base + 2;
    long c = base + 3;
    store(send(a, b), send(c, b));
    // the poison opens a conversation of its own (so the batch first takes the path that creates rows) and
    // touches inboxes the others use, whose bumps must not count
    SendMessage poison = new SendMessage(a, c, text, cid, Origin.WS, null);

    List<Future<ChatStore.Stored>> outcomes = await(batchStore.store(List.of(
        item(send(a, b)), item(send(c, b)), item(poison), item(send(b, a)), item(send(c, b)))));

    assertThat(outcomes.get(2).failed()).as("the poison is refused").isTrue();
    assertThat(ChatError.of(outcomes.get(2).cause())).isEqualTo(ChatError.INVALID_FIELD);
    assertThat(List.of(outcomes.get(0), outcomes.get(1), outcomes.get(3), outcomes.get(4)))
        .allSatisfy(outcome -> assertThat(outcome.succeeded()).as("stored: %s", outcome.cause()).isTrue());
    assertNumbers(outcomes.get(0).result().message(), 2, 2, 3);
    assertNumbers(outcomes.get(1).result().message(), 2, 2, 4);
    assertNumbers(outcomes.get(3).result().message(), 3, 5, 3);
    assertNumbers(outcomes.get(4).result().message(), 3, 3, 6);
    assertThat(outcomes.get(4).result().recipientUnread().countNum()).isEqualTo(5);
    assertThat(lastSeq(a, b)).isEqualTo(3);
    assertThat(lastSeq(b, c)).isEqualTo(3);
    assertThat(lastCursor(a)).isEqualTo(3);
    assertThat(lastCursor(b)).isEqualTo(6);
    assertThat(lastCursor(c)).isEqualTo(3);
    assertThat(unreadAndVersion(b)).isEqualTo("{\"unread\":5,\"unread_version\":5}");
    assertThat(messageCount(a, c)).isZero();
    assertThat(messageCount(a, b) + messageCount(b, c)).isEqualTo(6);
  }

  static Stream<Arguments> poisons() {
    return Stream.of(
        Arguments.of("NUL in the cid", 1_000L, "bad\u0000cid", "fine text"),
        Arguments.of("NUL in the text", 1_100L, "c-nul-text", "bad\u0000text"),
        Arguments.of("NUL in both", 1_200L, "\u0000", "\u0000"));
  }

  @Test
  @DisplayName("a cid with an unpaired surrogate (written as ? by the driver) commits, and the batch is answered as stored")
  void surrogateCidDoesNotFailTheBatchAfterCommit() {
    long a = 1_301;
    long b = 1_302;
    store(send(a, b));
    SendMessage surrogate = new SendMessage(b, a, "surrogate cid", "a\ud800", Origin.WS, null);

    List<Future<ChatStore.Stored>> outcomes =
        await(batchStore.store(List.of(item(send(a, b)), item(surrogate), item(send(a, b)))));

    assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.succeeded()).as("stored: %s", outcome.cause())
        .isTrue());
    assertNumbers(outcomes.get(0).result().message(), 2, 2, 2);
    assertNumbers(outcomes.get(1).result().message(), 3, 3, 3);
    assertNumbers(outcomes.get(2).result().message(), 4, 4, 4);
    assertThat(outcomes.stream().map(outcome -> outcome.result().message().id()).distinct()).hasSize(3);
    assertThat(lastSeq(a, b)).isEqualTo(4);
    assertThat(messageCount(a, b)).isEqualTo(4);
  }

  @Test
  @DisplayName("sends without a cid: a seed client's twin (same text, the other origin) is the first message, counted once; each message has one twin")
  void twinsWithoutACid() {
    long a = 761;
    long b = 762;
    ChatMessage first = store(twin(a, b, Origin.HTTP)).get(0);
    assertNumbers(first, 1, 1, 1);

    // the WebSocket twin, alone in its batch: answered with the first, nothing stored or counted
    ChatStore.Stored second = storeOne(twin(a, b, Origin.WS));
    assertThat(second.duplicate()).isTrue();
    assertThat(second.message().id()).isEqualTo(first.id());
    assertThat(lastSeq(a, b)).isEqualTo(1);
    assertThat(lastCursor(a)).isEqualTo(1);
    assertThat(unreadAndVersion(b)).isEqualTo("{\"unread\":1,\"unread_version\":1}");
    assertThat(messageCount(a, b)).isEqualTo(1);

    // the first is paired now: the same text again is a new message, whose own twin comes in a batch of new ones
    ChatMessage third = store(twin(a, b, Origin.WS)).get(0);
    assertNumbers(third, 2, 2, 2);
    List<Future<ChatStore.Stored>> mixed = await(batchStore.store(List.of(item(send(b, a)), item(twin(a, b,
        Origin.HTTP)), item(send(a, b)))));
    assertThat(mixed.get(1).result().duplicate()).isTrue();
    assertThat(mixed.get(1).result().message().id()).isEqualTo(third.id());
    assertNumbers(mixed.get(0).result().message(), 3, 3, 3);
    assertNumbers(mixed.get(2).result().message(), 4, 4, 4);
    assertThat(lastSeq(a, b)).isEqualTo(4);
    assertThat(lastCursor(a)).isEqualTo(4);
    assertThat(unreadAndVersion(b)).isEqualTo("{\"unread\":3,\"unread_version\":3}");
    assertThat(messageCount(a, b)).isEqualTo(4);
  }

  @Test
  @DisplayName("sends without a cid farther apart than the pair window, or of one origin, are separate messages")
  void noTwinOutsideTheWindowOrFromTheSameOrigin() {
    long a = 771;
    long b = 772;
    BatchStore noWindow = new BatchStore(pool, Duration.ZERO);
    ChatMessage first = store(twin(a, b, Origin.HTTP)).get(0);
    ChatStore.Stored sameOrigin = storeOne(twin(a, b, Origin.HTTP));
    ChatStore.Stored late = await(noWindow.store(List.of(item(twin(a, b, Origin.WS))))).get(0).result();
    assertThat(sameOrigin.duplicate()).isFalse();
    assertThat(late.duplicate()).isFalse();
    assertThat(List.of(first.seq(), sameOrigin.message().seq(), late.message().seq())).containsExactly(1L, 2L, 3L);
    assertThat(messageCount(a, b)).isEqualTo(3);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  @DisplayName("generated batches, common ones (one round trip) among repeats, sends without a cid and new users (the general way): every number, row and counter as a model of the store predicts")
  void bothPathsNumberAsTheModel(long seed) {
    Random random = new Random(seed);
    long base = 10_000 + seed * 100;
    int users = 12;
    Map<String, Long> lastSeqs = new HashMap<>();
    Map<Long, long[]> inboxes = new HashMap<>(); // cursor, unread, version
    List<ChatMessage> history = new ArrayList<>();
    double oneRoundTripBefore = batches("one-round-trip");
    double generalBefore = batches("general");
    for (int round = 0; round < 60; round++) {
      // the later rounds bring new users in, whose conversations and inboxes the batch must create
      int known = Math.min(users, 4 + round / 6);
      List<BatchStore.Item> items = new ArrayList<>();
      Set<String> keysInBatch = new HashSet<>();
      int size = 1 + random.nextInt(8);
      for (int k = 0; k < size; k++) {
        long from = base + random.nextInt(known);
        long to = base + random.nextInt(known);
        if (from == to) {
          continue;
        }
        int kind = random.nextInt(20);
        SendMessage request = kind == 0 && !history.isEmpty()
            ? repeatOf(history.get(random.nextInt(history.size())))
            : kind == 1
                ? new SendMessage(from, to, "no cid " + seed + "/" + round + "/" + k, null, Origin.WS, null)
                : send(from, to);
        if (keysInBatch.add(request.fromId() + "/" + request.cid())) {
          items.add(new BatchStore.Item(request, random.nextInt(4) == 0));
        }
      }
      if (items.isEmpty()) {
        continue;
      }
      List<Future<ChatStore.Stored>> outcomes = await(batchStore.store(items));
      for (int i = 0; i < items.size(); i++) {
        SendMessage request = items.get(i).request();
        Future<ChatStore.Stored> outcome = outcomes.get(i);
        assertThat(outcome.succeeded()).as("stored: %s", outcome.cause()).isTrue();
        ChatStore.Stored stored = outcome.result();
        ChatMessage earlier = history.stream()
            .filter(m -> m.fromId() == request.fromId() && request.cid() != null && request.cid().equals(m.cid()))
            .findFirst().orElse(null);
        if (earlier != null) {
          assertThat(stored.duplicate()).as("a repeat of %s", earlier).isTrue();
          assertThat(stored.message().id()).isEqualTo(earlier.id());
          continue;
        }
        assertThat(stored.duplicate()).isFalse();
        long lo = Math.min(request.fromId(), request.toId());
        long hi = Math.max(request.fromId(), request.toId());
        long seq = lastSeqs.merge(lo + "-" + hi, 1L, Long::sum);
        long[] sender = inboxes.computeIfAbsent(request.fromId(), user -> new long[3]);
        long[] recipient = inboxes.computeIfAbsent(request.toId(), user -> new long[3]);
        sender[0]++;
        recipient[0]++;
        if (!items.get(i).readOnArrival()) {
          recipient[1]++;
          recipient[2]++;
        }
        assertNumbers(stored.message(), seq, sender[0], recipient[0]);
        assertThat(stored.message().read()).isEqualTo(items.get(i).readOnArrival());
        assertThat(List.of(stored.recipientUnread().countNum(), stored.recipientUnread().version()))
            .as("the recipient's unread total after %s", stored.message()).containsExactly(recipient[1], recipient[2]);
        history.add(stored.message());
      }
    }
    lastSeqs.forEach((conversation, seq) -> {
      String[] pair = conversation.split("-");
      assertThat(lastSeq(Long.parseLong(pair[0]), Long.parseLong(pair[1]))).isEqualTo(seq);
    });
    inboxes.forEach((user, counters) -> {
      assertThat(lastCursor(user)).isEqualTo(counters[0]);
      assertThat(unreadAndVersion(user)).isEqualTo("{\"unread\":" + counters[1] + ",\"unread_version\":" + counters[2] + "}");
    });
    // the rows hold what the sends were answered with
    Map<Long, String> answered = new HashMap<>();
    history.forEach(m -> answered.put(m.id(), m.seq() + "/" + m.senderCursor() + "/" + m.recipientCursor() + "/"
        + m.read() + "/" + m.cid()));
    Map<Long, String> rows = new HashMap<>();
    await(pool.preparedQuery("SELECT id, seq, sender_cursor, recipient_cursor, is_read, cid FROM messages"
        + " WHERE from_id BETWEEN $1 AND $2").execute(Tuple.of(base, base + users)))
        .forEach(row -> rows.put(row.getLong(0), row.getLong(1) + "/" + row.getLong(2) + "/" + row.getLong(3) + "/"
            + row.getBoolean(4) + "/" + row.getString(5)));
    assertThat(rows).isEqualTo(answered);
    assertThat(batches("one-round-trip")).as("batches stored in one round trip").isGreaterThan(oneRoundTripBefore);
    assertThat(batches("general")).as("batches stored the general way").isGreaterThan(generalBefore);
  }

  static Stream<Long> seeds() {
    return Stream.of(1L, 2L, 3L, 4L, 5L);
  }

  private static SendMessage repeatOf(ChatMessage message) {
    return new SendMessage(message.fromId(), message.toId(), message.data(), message.cid(), Origin.WS, null);
  }

  private static double batches(String path) {
    // none yet before the store's first batch
    Counter counter = Metrics.globalRegistry.find(MessageMetrics.BATCHES_STORED).tag("path", path).counter();
    return counter == null ? 0 : counter.count();
  }

  private static SendMessage twin(long from, long to, Origin origin) {
    return new SendMessage(from, to, "same text from " + from, null, origin, null);
  }

  private static ChatStore.Stored storeOne(SendMessage request) {
    Future<ChatStore.Stored> outcome = await(batchStore.store(List.of(item(request)))).get(0);
    assertThat(outcome.succeeded()).as("stored: %s", outcome.cause()).isTrue();
    return outcome.result();
  }

  private static String unreadAndVersion(long user) {
    return await(pool.preparedQuery("SELECT unread, unread_version FROM inboxes WHERE user_id = $1")
        .execute(Tuple.of(user))).iterator().next().toJson().encode();
  }

  private static long messageCount(long lo, long hi) {
    return await(pool.preparedQuery("SELECT count(*) FROM messages WHERE user_lo = $1 AND user_hi = $2")
        .execute(Tuple.of(lo, hi))).iterator().next().getLong(0);
  }

  private static SendMessage send(long from, long to) {
    return new SendMessage(from, to, "from " + from + " to " + to, "c-" + CIDS.incrementAndGet(), Origin.WS, null);
  }

  private static BatchStore.Item item(SendMessage request) {
    return new BatchStore.Item(request, false);
  }

  private static List<ChatMessage> store(SendMessage... requests) {
    List<Future<ChatStore.Stored>> outcomes =
        await(batchStore.store(List.of(requests).stream().map(BatchStoreTest::item).toList()));
    return outcomes.stream().map(outcome -> {
      assertThat(outcome.succeeded()).as("stored: %s", outcome.cause()).isTrue();
      assertThat(outcome.result().duplicate()).isFalse();
      return outcome.result().message();
    }).toList();
  }

  private static void assertNumbers(ChatMessage message, long seq, long senderCursor, long recipientCursor) {
    assertThat(message.seq()).as("seq of %s", message).isEqualTo(seq);
    assertThat(message.senderCursor()).as("sender cursor of %s", message).isEqualTo(senderCursor);
    assertThat(message.recipientCursor()).as("recipient cursor of %s", message).isEqualTo(recipientCursor);
  }

  private static long lastSeq(long lo, long hi) {
    return await(pool.preparedQuery("SELECT last_seq FROM conversations WHERE user_lo = $1 AND user_hi = $2")
        .execute(Tuple.of(lo, hi))).iterator().next().getLong(0);
  }

  private static long lastCursor(long user) {
    return await(pool.preparedQuery("SELECT last_cursor FROM inboxes WHERE user_id = $1").execute(Tuple.of(user)))
        .iterator().next().getLong(0);
  }
}
