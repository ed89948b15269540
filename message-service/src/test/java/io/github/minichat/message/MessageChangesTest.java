package io.github.minichat.message;

import static io.github.minichat.message.testing.StoreDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.Attachment;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.FileAccess;
import io.github.minichat.common.FileRegistration;
import io.github.minichat.common.FileSweep;
import io.github.minichat.common.HistoryRequest;
import io.github.minichat.common.MessageChange;
import io.github.minichat.common.Notice;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.SyncPage;
import io.github.minichat.common.SyncRequest;
import io.github.minichat.message.testing.StoreDatabase;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Recall, delete for me, read receipts and uploads on a real PostgreSQL: each change is checked against the rows
 * (text gone, counts equal to the unread rows, hidden rows out of sync and history but their cursors passed), and
 * against the requests that must be refused.
 */
class MessageChangesTest {

  private static final AtomicInteger CIDS = new AtomicInteger();

  private static StoreDatabase database;
  private static Pool pool;
  private static BatchStore batchStore;
  private static ChatStore chatStore;
  private static MessageChanges changes;
  private static FileRecords files;

  @BeforeAll
  static void start() {
    database = StoreDatabase.create("message_changes", 2);
    pool = database.pool();
    batchStore = new BatchStore(pool, Duration.ofSeconds(10));
    chatStore = new ChatStore(pool);
    changes = new MessageChanges(pool, Duration.ofMinutes(2));
    files = new FileRecords(pool, Duration.ofHours(1));
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @Test
  @DisplayName("a recall inside the window deletes the text, corrects the unread total once, and repeats harmlessly")
  void recallInsideTheWindow() {
    ChatMessage kept = send(101, 102, "stays");
    ChatMessage taken = send(101, 102, "secret");
    assertThat(unread(102)).isEqualTo(2);

    MessageChanges.Outcome outcome = await(changes.apply(recall(101, taken.id())));
    assertThat(outcome.changed().peer()).isEqualTo(102);
    assertThat(outcome.changed().seq()).isEqualTo(taken.seq());
    assertThat(outcome.unread().countNum()).isEqualTo(1);
    assertThat(outcome.notices()).extracting(Notice::userId).containsExactly(101L, 102L);
    assertThat(outcome.notices()).allMatch(n -> n.kind() == Notice.Kind.RECALL && n.actor() == 101);
    assertThat(unread(102)).isEqualTo(1).isEqualTo(unreadRows(102));
    assertThat(body(taken.id())).isEmpty();

    // again: the same answer, no second correction
    MessageChanges.Outcome again = await(changes.apply(recall(101, taken.id())));
    assertThat(again.changed()).isEqualTo(outcome.changed());
    assertThat(again.unread().version()).isZero();
    assertThat(unread(102)).isEqualTo(1);

    // both sides see the placeholder in history and sync, in place
    for (long user : new long[] {101, 102}) {
      List<ChatMessage> history = await(chatStore.history(new HistoryRequest(user, user == 101 ? 102 : 101, null,
          10, false))).messages();
      assertThat(history).extracting(ChatMessage::id).containsExactly(kept.id(), taken.id());
      assertThat(history.get(1).recalled()).isTrue();
      assertThat(history.get(1).data()).isEmpty();
      assertThat(history.get(1).kind()).isEqualTo(ChatMessage.RECALLED);
      SyncPage page = await(chatStore.sync(new SyncRequest(user, 0, 10)));
      assertThat(page.messages()).extracting(ChatMessage::recalled).containsExactly(false, true);
    }
  }

  @Test
  @DisplayName("recalling another's message, an unknown one, or after the window is refused and changes nothing")
  void recallRefusals() {
    ChatMessage message = send(111, 112, "mine");
    assertThat(refusal(changes.apply(recall(112, message.id()))))
        .isEqualTo(ChatError.FORBIDDEN);
    assertThat(refusal(changes.apply(recall(113, message.id()))))
        .isEqualTo(ChatError.NOT_FOUND);
    assertThat(refusal(changes.apply(recall(111, Long.MAX_VALUE))))
        .isEqualTo(ChatError.NOT_FOUND);
    await(pool.preparedQuery("UPDATE messages SET created_at = created_at - interval '3 minutes' WHERE id = $1")
        .execute(Tuple.of(message.id())));
    assertThat(refusal(changes.apply(recall(111, message.id()))))
        .isEqualTo(ChatError.RECALL_EXPIRED);
    assertThat(body(message.id())).isEqualTo("mine");
    assertThat(unread(112)).isEqualTo(1).isEqualTo(unreadRows(112));
  }

  @Test
  @DisplayName("delete for me hides a message from one side's history and sync, passes its cursor, marks it read")
  void deleteForMe() {
    ChatMessage first = send(121, 122, "one");
    ChatMessage second = send(121, 122, "two");
    ChatMessage third = send(122, 121, "three");
    MessageChanges.Outcome hidden = await(changes.apply(delete(122, second.id())));
    assertThat(hidden.notices()).containsExactly(
        new Notice(Notice.Kind.DELETED, 122, 121, second.id(), second.seq(), 122));
    assertThat(hidden.unread().countNum()).isEqualTo(1);
    assertThat(unread(122)).isEqualTo(1).isEqualTo(unreadRows(122));
    // idempotent
    assertThat(await(changes.apply(delete(122, second.id()))).unread().version()).isZero();

    SyncPage all = await(chatStore.sync(new SyncRequest(122, 0, 10)));
    assertThat(all.messages()).extracting(ChatMessage::id).containsExactly(first.id(), third.id());
    assertThat(all.cursor()).isEqualTo(3);
    assertThat(all.passed()).containsExactly(2L);
    // a page that ends on the hidden message still moves past it
    SyncPage one = await(chatStore.sync(new SyncRequest(122, 1, 1)));
    assertThat(one.messages()).isEmpty();
    assertThat(one.cursor()).isEqualTo(2);
    assertThat(one.hasMore()).isTrue();
    assertThat(await(chatStore.history(new HistoryRequest(122, 121, null, 10, false))).messages())
        .extracting(ChatMessage::id).containsExactly(first.id(), third.id());
    // the other side still has all three
    assertThat(await(chatStore.history(new HistoryRequest(121, 122, null, 10, false))).messages()).hasSize(3);
    // and it cannot be recalled by its sender's peer, nor hidden by a stranger
    assertThat(refusal(changes.apply(delete(123, first.id()))))
        .isEqualTo(ChatError.NOT_FOUND);
  }

  @Test
  @DisplayName("a read mark names the highest message it marked, for the sender's receipt")
  void readMarkNamesTheHighestMessage() {
    send(131, 132, "a");
    ChatMessage b = send(131, 132, "b");
    ChatMessage c = send(131, 132, "c");
    ChatStore.ReadMark upToB = await(chatStore.markRead(132, 131, b.id()));
    assertThat(upToB.maxId()).isEqualTo(b.id());
    assertThat(upToB.maxSeq()).isEqualTo(b.seq());
    ChatStore.ReadMark rest = await(chatStore.markRead(132, 131, null));
    assertThat(rest.maxId()).isEqualTo(c.id());
    assertThat(await(chatStore.markRead(132, 131, null)).maxId()).isZero();
  }

  @Test
  @DisplayName("an upload: sent by its owner only, read by the conversation's participants only, swept if unsent")
  void uploads() {
    Attachment picture = new Attachment("pic-" + CIDS.incrementAndGet(), Attachment.IMAGE, "image/png", 10, "a.png",
        4, 3, true);
    Attachment unsent = new Attachment("doc-" + CIDS.incrementAndGet(), Attachment.FILE, "application/pdf", 10,
        "b.pdf", 0, 0, false);
    await(files.register(new FileRegistration(141, picture)));
    await(files.register(new FileRegistration(141, unsent)));
    assertThat(refusal(files.sendable(142, picture.fileId())))
        .isEqualTo(ChatError.NOT_FOUND);
    Attachment found = await(files.sendable(141, picture.fileId()));
    assertThat(found).isEqualTo(picture);

    ChatMessage message = store(new SendMessage(141, 142, "", "c-" + CIDS.incrementAndGet(), Origin.WS,
        null, picture.fileId(), found));
    assertThat(message.attachment()).isEqualTo(picture);
    assertThat(await(chatStore.history(new HistoryRequest(142, 141, null, 5, false))).messages().get(0).attachment())
        .isEqualTo(picture);
    assertThat(await(files.readable(new FileAccess(142, picture.fileId())))).isEqualTo(picture);
    assertThat(refusal(files.readable(new FileAccess(143, picture.fileId()))))
        .isEqualTo(ChatError.NOT_FOUND);
    assertThat(refusal(files.readable(new FileAccess(142, unsent.fileId()))))
        .isEqualTo(ChatError.NOT_FOUND);

    // the same cid with another upload is a conflict, with the same upload a repeat
    String cid = message.cid();
    assertThat(refusal(storing(new SendMessage(141, 142, "", cid, Origin.WS, null,
        unsent.fileId(), unsent)))).isEqualTo(ChatError.CID_CONFLICT);
    assertThat(store(new SendMessage(141, 142, "", cid, Origin.WS, null, picture.fileId(), picture)).id())
        .isEqualTo(message.id());

    // expired unsent uploads are claimed once; a sent one never is
    await(pool.preparedQuery("UPDATE files SET expires_at = clock_timestamp() - interval '1 second'"
        + " WHERE id = $1").execute(Tuple.of(unsent.fileId())));
    assertThat(await(files.claimExpired(FileSweep.ask(100))).fileIds()).containsExactly(unsent.fileId());
    assertThat(await(files.claimExpired(FileSweep.ask(100))).fileIds()).isEmpty();
    assertThat(refusal(files.sendable(141, unsent.fileId())))
        .isEqualTo(ChatError.NOT_FOUND);

    // recalling the only message that held the picture lets it expire after the grace
    await(changes.apply(recall(141, message.id())));
    assertThat(refusal(files.readable(new FileAccess(142, picture.fileId()))))
        .isEqualTo(ChatError.NOT_FOUND);
    Double expiresIn = await(pool.preparedQuery("SELECT extract(epoch FROM expires_at - clock_timestamp())::float8"
        + " FROM files WHERE id = $1").execute(Tuple.of(picture.fileId()))).iterator().next().getDouble(0);
    assertThat(expiresIn).isBetween(60.0, (double) FileRecords.RECALL_GRACE.toSeconds());
  }

  @Test
  @DisplayName("recalls, deletions, reads and sends racing on one conversation keep the total equal to the rows")
  void concurrentChangesKeepTheCount() {
    long a = 151;
    long b = 152;
    Random random = new Random(20261202);
    List<ChatMessage> sent = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      sent.add(send(i % 3 == 0 ? b : a, i % 3 == 0 ? a : b, "m" + i));
    }
    List<Future<?>> racing = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      ChatMessage target = sent.get(random.nextInt(sent.size()));
      long other = target.fromId() == a ? b : a;
      racing.add(switch (random.nextInt(4)) {
        case 0 -> changes.apply(recall(target.fromId(), target.id()));
        case 1 -> changes.apply(delete(random.nextBoolean() ? a : b, target.id()));
        case 2 -> chatStore.markRead(other, target.fromId(), random.nextBoolean() ? target.id() : null);
        default -> batchStore.store(List.of(new BatchStore.Item(new SendMessage(a, b, "more", "r-"
            + CIDS.incrementAndGet(), Origin.WS, null), false)));
      });
    }
    await(Future.join(racing).otherwiseEmpty());
    for (long user : new long[] {a, b}) {
      assertThat(unread(user)).as("total of %d", user).isEqualTo(unreadRows(user));
    }
    assertThat(await(pool.query("SELECT count(*) FROM messages WHERE recalled_at IS NOT NULL AND body <> ''")
        .execute()).iterator().next().getLong(0)).isZero();
  }

  /** The error a request is refused with (the test fails if it succeeds). */
  private static ChatError refusal(Future<?> request) {
    return ChatError.of(await(request.transform(outcome -> outcome.succeeded()
        ? Future.failedFuture(new AssertionError("expected a refusal, got " + outcome.result()))
        : Future.succeededFuture(outcome.cause()))));
  }

  private static Future<ChatMessage> storing(SendMessage request) {
    return batchStore.store(List.of(new BatchStore.Item(request, false)))
        .compose(outcomes -> outcomes.get(0)).map(ChatStore.Stored::message);
  }

  private static MessageChange recall(long user, long id) {
    return new MessageChange(user, id, MessageChange.Kind.RECALL);
  }

  private static MessageChange delete(long user, long id) {
    return new MessageChange(user, id, MessageChange.Kind.DELETE);
  }

  private static ChatMessage send(long from, long to, String text) {
    return store(new SendMessage(from, to, text, "c-" + CIDS.incrementAndGet(), Origin.WS, null));
  }

  private static ChatMessage store(SendMessage request) {
    return await(await(batchStore.store(List.of(new BatchStore.Item(request, false)))).get(0)).message();
  }

  private static long unread(long user) {
    return await(pool.preparedQuery("SELECT unread FROM inboxes WHERE user_id = $1").execute(Tuple.of(user)))
        .iterator().next().getLong(0);
  }

  /** What the total must be: the user's unread rows (no conversation in these tests is muted). */
  private static long unreadRows(long user) {
    return await(pool.preparedQuery("SELECT count(*) FROM messages WHERE to_id = $1 AND NOT is_read")
        .execute(Tuple.of(user))).iterator().next().getLong(0);
  }

  private static String body(long id) {
    return await(pool.preparedQuery("SELECT body FROM messages WHERE id = $1").execute(Tuple.of(id)))
        .iterator().next().getString(0);
  }
}
