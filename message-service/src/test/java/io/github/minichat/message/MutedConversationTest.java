package io.github.minichat.message;

import static io.github.minichat.message.testing.StoreDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ConversationPrefs;
import io.github.minichat.common.ConversationSummary;
import io.github.minichat.common.ConversationsRequest;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.message.testing.GroupRows;
import io.github.minichat.message.testing.StoreDatabase;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Muting on a real PostgreSQL, one-to-one and in groups: a muted conversation keeps its own unread count, computed
 * from its rows, and is left out of the user's total; muting, unmuting, new messages and read marks move the total
 * by exactly what they should, its version grows by one with every change of it, and under concurrent sends,
 * read marks and mutes the total stays the sum, over the unmuted conversations, of what the rows say.
 */
class MutedConversationTest {

  private static final int POOL_SIZE = 8;
  private static final int IN_FLIGHT = 8;
  private static final AtomicInteger CIDS = new AtomicInteger();

  /** The user's total as the rows make it: unread messages of every conversation they have not muted. */
  private static final String TOTAL_FROM_ROWS =
      "SELECT (SELECT count(*) FROM messages m WHERE m.to_id = $1 AND NOT m.is_read AND NOT EXISTS"
          + "   (SELECT 1 FROM conversation_prefs p WHERE p.user_id = $1 AND p.peer_id = m.from_id AND p.muted))"
          + " + (SELECT count(*) FROM group_inbox gi JOIN group_members gm"
          + "   ON gm.group_id = gi.group_id AND gm.user_id = gi.user_id"
          + "   WHERE gi.user_id = $1 AND gi.seq > gm.read_seq AND gi.counts AND NOT gm.muted)";

  private static StoreDatabase database;
  private static Pool pool;
  private static BatchStore batchStore;
  private static ChatStore chatStore;
  private static ConversationStore conversations;
  private static GroupRows groups;

  @BeforeAll
  static void start() {
    database = StoreDatabase.create("muted_conversations", POOL_SIZE);
    pool = database.pool();
    batchStore = new BatchStore(pool, Duration.ofSeconds(10));
    chatStore = new ChatStore(pool);
    conversations = new ConversationStore(pool);
    groups = new GroupRows(pool);
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @Test
  @DisplayName("one-to-one: muting takes the conversation's unread out of the total, new messages and read marks leave the total alone, unmuting puts back what is unread then")
  void oneToOneMute() {
    long user = 2_001;
    long muted = 2_101;
    long other = 2_102;
    storeAll(to(user, muted), to(user, muted), to(user, muted), to(user, other), to(user, other));
    UnreadCount before = inbox(user);
    assertThat(before.countNum()).isEqualTo(5);
    assertTotalMatchesRows(user);

    UnreadCount mutedNow = mute(user, "user", muted, true);
    assertThat(mutedNow).isEqualTo(new UnreadCount(user, 2, before.version() + 1));
    assertThat(inbox(user)).isEqualTo(mutedNow);
    assertThat(line(user, "user", muted)).extracting(ConversationSummary::unread, ConversationSummary::muted)
        .containsExactly(3L, true);
    assertTotalMatchesRows(user);

    assertThat(mute(user, "user", muted, true)).as("already muted: nothing changes")
        .isEqualTo(new UnreadCount(user, 2, 0));
    assertThat(inbox(user)).isEqualTo(mutedNow);

    // one batch, muted and unmuted arrivals mixed: only the unmuted one moves the total, by one version
    List<ChatStore.Stored> mixed = storeAll(to(user, muted), to(user, other), to(user, muted));
    long version = mutedNow.version();
    assertThat(mixed).extracting(ChatStore.Stored::recipientUnread).containsExactly(
        new UnreadCount(user, 2, version), new UnreadCount(user, 3, version + 1),
        new UnreadCount(user, 3, version + 1));
    assertThat(inbox(user)).isEqualTo(new UnreadCount(user, 3, version + 1));
    assertThat(line(user, "user", muted).unread()).isEqualTo(5);
    assertTotalMatchesRows(user);

    // a batch of muted arrivals only costs the total nothing, and the conversation's count still counts them
    storeAll(to(user, muted), to(user, muted));
    assertThat(inbox(user)).isEqualTo(new UnreadCount(user, 3, version + 1));
    assertThat(line(user, "user", muted).unread()).isEqualTo(7);

    // reading a muted conversation changes its rows, not the total: nothing to push (version 0)
    assertThat(await(chatStore.markRead(user, muted, mixed.get(0).message().id())).count())
        .isEqualTo(new UnreadCount(user, 3, 0));
    assertThat(line(user, "user", muted).unread()).isEqualTo(3);
    assertThat(inbox(user)).isEqualTo(new UnreadCount(user, 3, version + 1));
    assertTotalMatchesRows(user);

    UnreadCount unmuted = mute(user, "user", muted, false);
    assertThat(unmuted).isEqualTo(new UnreadCount(user, 6, version + 2));
    assertThat(line(user, "user", muted)).extracting(ConversationSummary::unread, ConversationSummary::muted)
        .containsExactly(3L, false);
    assertTotalMatchesRows(user);

    // unmuted again: a read mark lowers the total as before, and pinning changes no count
    assertThat(await(chatStore.markRead(user, muted, null)).count()).isEqualTo(new UnreadCount(user, 3, version + 3));
    assertThat(await(conversations.prefs(new ConversationPrefs(user, "user", muted, true, null))))
        .isEqualTo(new UnreadCount(user, 3, 0));
    assertThat(line(user, "user", muted)).extracting(ConversationSummary::pinned, ConversationSummary::muted)
        .containsExactly(true, false);
    // muting a conversation with nothing unread changes the flag only
    assertThat(mute(user, "user", muted, true)).isEqualTo(new UnreadCount(user, 3, 0));
    assertThat(line(user, "user", muted)).extracting(ConversationSummary::pinned, ConversationSummary::muted)
        .containsExactly(true, true);
    assertTotalMatchesRows(user);
  }

  @Test
  @DisplayName("muting a peer before any message makes the inbox, and their first messages never reach the total")
  void muteBeforeAnyMessage() {
    long user = 2_051;
    long peer = 2_052;
    assertThat(mute(user, "user", peer, true)).isEqualTo(new UnreadCount(user, 0, 0));
    storeAll(to(user, peer), to(user, peer));
    assertThat(inbox(user)).isEqualTo(new UnreadCount(user, 0, 0));
    assertThat(line(user, "user", peer).unread()).isEqualTo(2);
    assertThat(mute(user, "user", peer, false)).isEqualTo(new UnreadCount(user, 2, 1));
    assertTotalMatchesRows(user);
  }

  @Test
  @DisplayName("a batch that repeats a message and opens a conversation with a muted sender: numbered as ever, the muted arrival out of the total")
  void mutedArrivalBesideARepeatInANewConversation() {
    long user = 2_501;
    long known = 2_502;
    long mutedPeer = 2_503;
    BatchStore.Item first = to(user, known);
    storeAll(first);
    assertThat(mute(user, "user", mutedPeer, true)).isEqualTo(new UnreadCount(user, 1, 0));

    List<Future<ChatStore.Stored>> outcomes =
        await(batchStore.store(List.of(first, to(user, mutedPeer), to(user, known))));

    assertThat(outcomes.get(0).result().duplicate()).isTrue();
    ChatStore.Stored muted = outcomes.get(1).result();
    ChatStore.Stored counted = outcomes.get(2).result();
    assertThat(muted.message()).extracting(message -> message.seq(), message -> message.recipientCursor())
        .containsExactly(1L, 2L);
    assertThat(counted.message()).extracting(message -> message.seq(), message -> message.recipientCursor())
        .containsExactly(2L, 3L);
    assertThat(muted.recipientUnread()).isEqualTo(new UnreadCount(user, 1, 1));
    assertThat(counted.recipientUnread()).isEqualTo(new UnreadCount(user, 2, 2));
    assertThat(inbox(user)).isEqualTo(new UnreadCount(user, 2, 2));
    assertThat(count("SELECT last_cursor FROM inboxes WHERE user_id = $1", user)).isEqualTo(3);
    assertThat(count("SELECT max(last_seq) FROM conversations WHERE user_lo = $1", user)).isEqualTo(2);
    assertThat(line(user, "user", mutedPeer).unread()).isEqualTo(1);
    assertTotalMatchesRows(user);
  }

  @Test
  @DisplayName("a group: muting and unmuting move its unread (after the read mark) out of and back into the total; its new messages and read marks while muted do not")
  void groupMute() {
    long user = 2_201;
    long owner = 2_202;
    long member = 2_203;
    long group = await(groups.create("muted group", owner, user, member));
    await(groups.post(group, owner, "one", false));
    await(groups.post(group, owner, "two @" + user, false, user));
    await(groups.post(group, member, "three", false));
    await(groups.post(group, user, "my own", false));
    await(groups.post(group, owner, "a system note", true));
    storeAll(to(user, owner));
    assertThat(inbox(user).countNum()).as("three group messages and one direct").isEqualTo(4);
    assertThat(await(groups.markRead(group, user, 1)).countNum()).isEqualTo(3);
    UnreadCount before = inbox(user);

    UnreadCount mutedNow = mute(user, "group", group, true);
    assertThat(mutedNow).isEqualTo(new UnreadCount(user, 1, before.version() + 1));
    assertThat(line(user, "group", group)).extracting(ConversationSummary::unread, ConversationSummary::mentions,
        ConversationSummary::muted).containsExactly(2L, 1L, true);
    assertTotalMatchesRows(user);

    GroupRows.Posted whileMuted = await(groups.post(group, member, "while muted @" + user, false, user));
    assertThat(whileMuted.unread()).extracting(UnreadCount::userId).doesNotContain(user).contains(owner);
    assertThat(inbox(user)).isEqualTo(mutedNow);
    assertThat(line(user, "group", group)).extracting(ConversationSummary::unread, ConversationSummary::mentions)
        .containsExactly(3L, 2L);
    assertTotalMatchesRows(user);

    assertThat(await(groups.markRead(group, user, 3))).isEqualTo(new UnreadCount(user, 1, 0));
    assertThat(inbox(user)).isEqualTo(mutedNow);
    assertThat(line(user, "group", group).unread()).isEqualTo(1);
    assertTotalMatchesRows(user);

    assertThat(mute(user, "group", group, true)).isEqualTo(new UnreadCount(user, 1, 0));
    UnreadCount unmuted = mute(user, "group", group, false);
    assertThat(unmuted).isEqualTo(new UnreadCount(user, 2, mutedNow.version() + 1));
    assertThat(line(user, "group", group)).extracting(ConversationSummary::unread, ConversationSummary::muted)
        .containsExactly(1L, false);
    assertTotalMatchesRows(user);

    assertThat(await(conversations.prefs(new ConversationPrefs(user, "group", group, true, null))))
        .isEqualTo(new UnreadCount(user, 2, 0));
    assertThat(line(user, "group", group)).extracting(ConversationSummary::pinned, ConversationSummary::muted)
        .containsExactly(true, false);
  }

  @Test
  @DisplayName("preferences are refused for a bad kind or id, oneself, a group that does not exist or is dissolved, and a group one is not (or no longer) a member of")
  void refusals() {
    long user = 2_401;
    long group = await(groups.create("closed", 2_402, user));
    long dissolved = await(groups.create("dissolved", 2_402, user));
    await(groups.dissolve(dissolved));
    long left = await(groups.create("left", 2_402, user));
    await(groups.remove(left, user));

    assertThat(refusal(new ConversationPrefs(user, "bot", 2_402, null, true))).isEqualTo(ChatError.INVALID_FIELD);
    assertThat(refusal(new ConversationPrefs(user, null, 2_402, null, true))).isEqualTo(ChatError.INVALID_FIELD);
    assertThat(refusal(new ConversationPrefs(user, "USER", 2_402, null, true))).isEqualTo(ChatError.INVALID_FIELD);
    assertThat(refusal(new ConversationPrefs(user, "user", 0, null, true))).isEqualTo(ChatError.INVALID_FIELD);
    assertThat(refusal(new ConversationPrefs(user, "group", -group, true, null))).isEqualTo(ChatError.INVALID_FIELD);
    assertThat(refusal(new ConversationPrefs(user, "user", user, null, true))).isEqualTo(ChatError.SELF_MESSAGE);
    assertThat(refusal(new ConversationPrefs(user, "group", 987_654_321, null, true))).isEqualTo(ChatError.NOT_FOUND);
    assertThat(refusal(new ConversationPrefs(user, "group", dissolved, null, true))).isEqualTo(ChatError.NOT_FOUND);
    assertThat(refusal(new ConversationPrefs(2_499, "group", group, null, true))).isEqualTo(ChatError.FORBIDDEN);
    assertThat(refusal(new ConversationPrefs(user, "group", left, true, true))).isEqualTo(ChatError.FORBIDDEN);
    assertThat(count("SELECT count(*) FROM conversation_prefs WHERE user_id = $1", user)).isZero();
    assertThat(count("SELECT count(*) FROM group_members WHERE user_id = $1 AND (muted OR pinned)", user)).isZero();
  }

  /** What one step did to the user's total: the kinds of change that can give a total a new version. */
  private enum Change {
    ARRIVAL, GROUP_ARRIVAL, MUTE, UNMUTE, READ, GROUP_READ;

    boolean explains(long delta) {
      return switch (this) {
        case ARRIVAL, GROUP_ARRIVAL -> delta == 1;
        case UNMUTE -> delta > 0;
        case MUTE, READ, GROUP_READ -> delta < 0;
      };
    }
  }

  /** A total some step answered, and what that step was. */
  private record Seen(long version, long countNum, Change change) {
  }

  @Test
  @DisplayName("concurrent batches, group messages, read marks and repeated mutes and unmutes of both kinds: no deadlock, the total is the rows' sum over unmuted conversations, and every version stands for one change")
  void concurrentMutesBesideSendsAndReads() {
    long user = 2_301;
    long toggled = 2_311;
    long[] senders = {toggled, 2_312, 2_313};
    long[] members = {2_314, 2_315};
    long group = await(groups.create("busy", members[0], user, members[1]));
    int tasks = 360;
    Random random = new Random(360);
    List<IntFunction<Future<?>>> plan = new ArrayList<>();
    Queue<Seen> seen = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < tasks; i++) {
      int kind = random.nextInt(12);
      boolean flag = random.nextBoolean();
      long sender = senders[random.nextInt(senders.length)];
      long member = members[random.nextInt(members.length)];
      int size = 1 + random.nextInt(8);
      long seed = random.nextLong();
      plan.add(switch (kind) {
        case 0, 1 -> n -> then(mute(new ConversationPrefs(user, "user", toggled, null, flag)),
            count -> see(seen, count, flag ? Change.MUTE : Change.UNMUTE));
        case 2 -> n -> then(mute(new ConversationPrefs(user, "group", group, flag, flag)),
            count -> see(seen, count, flag ? Change.MUTE : Change.UNMUTE));
        case 3 -> n -> then(chatStore.markRead(user, sender, null).map(ChatStore.ReadMark::count), count -> see(seen, count, Change.READ));
        case 4 -> n -> then(groups.post(group, member, "group " + n, false, flag ? new long[] {user} : new long[0]),
            posted -> posted.unread().stream().filter(count -> count.userId() == user)
                .forEach(count -> see(seen, count, Change.GROUP_ARRIVAL)));
        case 5 -> n -> then(groups.post(group, member, "", true).compose(posted ->
                groups.markRead(group, user, posted.seq() - (flag ? 0 : 2))),
            count -> see(seen, count, Change.GROUP_READ));
        default -> n -> batch(user, senders, size, seed, seen);
      });
    }

    List<Throwable> failures = run(tasks, i -> plan.get(i).apply(i));

    assertThat(failures).as("failed steps (a deadlock would show here)").isEmpty();
    assertThat(seen.stream().map(Seen::change).collect(Collectors.toSet()))
        .as("every kind of change happened").isEqualTo(EnumSet.allOf(Change.class));
    assertTotalMatchesRows(user);
    for (long sender : senders) {
      assertTotalMatchesRows(sender);
    }
    assertVersionsTellTheStory(user, seen);

    // and from the final state, one more round of each, with nothing else running
    UnreadCount total = inbox(user);
    mute(user, "user", toggled, true);
    storeAll(to(user, toggled));
    UnreadCount mutedTotal = inbox(user);
    assertThat(mute(user, "user", toggled, false).countNum())
        .isEqualTo(mutedTotal.countNum() + line(user, "user", toggled).unread());
    assertTotalMatchesRows(user);
    assertThat(inbox(user).version()).isGreaterThanOrEqualTo(total.version());
  }

  /**
   * A batch to the user from the senders (now and then the user's answer, and a message between two senders), as
   * the planned seed draws it; records the counts the user's arrivals answered.
   */
  private static Future<?> batch(long user, long[] senders, int size, long seed, Queue<Seen> seen) {
    Random random = new Random(seed);
    List<BatchStore.Item> items = new ArrayList<>();
    for (int k = 0; k < size; k++) {
      long sender = senders[random.nextInt(senders.length)];
      int shape = random.nextInt(10);
      SendMessage request = shape == 0 ? message(user, sender)
          : shape == 1 ? message(sender, senders[(random.nextInt(senders.length - 1) + 1 + indexOf(senders, sender))
              % senders.length])
          : message(sender, user);
      items.add(new BatchStore.Item(request, random.nextInt(6) == 0));
    }
    return then(batchStore.store(items), outcomes -> {
      for (int k = 0; k < items.size(); k++) {
        ChatStore.Stored stored = outcomes.get(k).result();
        assertThat(stored).as("stored: %s", outcomes.get(k).cause()).isNotNull();
        BatchStore.Item item = items.get(k);
        if (item.request().toId() == user && !item.readOnArrival()) {
          see(seen, stored.recipientUnread(), Change.ARRIVAL);
        }
      }
    });
  }

  private static int indexOf(long[] values, long value) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == value) {
        return i;
      }
    }
    throw new IllegalArgumentException(value + " is not one of them");
  }

  private static void see(Queue<Seen> seen, UnreadCount count, Change change) {
    if (count.version() > 0) {
      seen.add(new Seen(count.version(), count.countNum(), change));
    }
  }

  /**
   * Versions are handed out under the inbox lock, so in commit order: every version 1..V was answered to someone,
   * all who were answered one version were answered the same total, and each version's step from the one before is
   * what one of the changes answered with it does (an arrival adds one, a mute or a read lowers, an unmute raises);
   * a muted arrival answers the version it left as it was. The last is the total now.
   */
  private static void assertVersionsTellTheStory(long user, Queue<Seen> seen) {
    Map<Long, List<Seen>> byVersion = seen.stream().collect(Collectors.groupingBy(Seen::version, TreeMap::new,
        Collectors.toList()));
    UnreadCount now = inbox(user);
    assertThat(byVersion.keySet()).as("versions answered").containsExactlyElementsOf(
        java.util.stream.LongStream.rangeClosed(1, now.version()).boxed().toList());
    long previous = 0;
    for (Map.Entry<Long, List<Seen>> version : byVersion.entrySet()) {
      Set<Long> totals = version.getValue().stream().map(Seen::countNum).collect(Collectors.toSet());
      assertThat(totals).as("totals answered with version %d", version.getKey()).hasSize(1);
      long total = totals.iterator().next();
      long delta = total - previous;
      assertThat(version.getValue()).as("changes answered with version %d (total %d, was %d)", version.getKey(),
          total, previous).anySatisfy(change -> assertThat(change.change().explains(delta)).isTrue());
      previous = total;
    }
    assertThat(previous).isEqualTo(now.countNum());
  }

  private static UnreadCount mute(long user, String kind, long id, boolean muted) {
    return await(conversations.prefs(new ConversationPrefs(user, kind, id, null, muted)));
  }

  private static Future<UnreadCount> mute(ConversationPrefs request) {
    return conversations.prefs(request);
  }

  private static ChatError refusal(ConversationPrefs request) {
    Throwable cause = await(conversations.prefs(request).transform(done -> Future.succeededFuture(done.cause())));
    assertThat(cause).as("refused: %s", request).isNotNull();
    return ChatError.of(cause);
  }

  private static ConversationSummary line(long user, String kind, long id) {
    return await(conversations.list(new ConversationsRequest(user, null, 100))).conversations().stream()
        .filter(line -> line.kind().equals(kind) && line.id() == id).findFirst().orElseThrow();
  }

  private static void assertTotalMatchesRows(long user) {
    assertThat(inbox(user).countNum()).as("total of user %d against the rows", user)
        .isEqualTo(count(TOTAL_FROM_ROWS, user));
  }

  private static UnreadCount inbox(long user) {
    Row row = await(pool.preparedQuery("SELECT unread, unread_version FROM inboxes WHERE user_id = $1")
        .execute(Tuple.of(user))).iterator().next();
    return new UnreadCount(user, row.getLong(0), row.getLong(1));
  }

  private static long count(String sql, long user) {
    return await(pool.preparedQuery(sql).execute(Tuple.of(user))).iterator().next().getLong(0);
  }

  /** A message to {@code user} from {@code from}, arriving unread. */
  private static BatchStore.Item to(long user, long from) {
    return new BatchStore.Item(message(from, user), false);
  }

  private static SendMessage message(long from, long to) {
    int n = CIDS.incrementAndGet();
    return new SendMessage(from, to, "message " + n, "m-" + n, Origin.WS, null);
  }

  private static List<ChatStore.Stored> storeAll(BatchStore.Item... items) {
    return await(batchStore.store(List.of(items))).stream().map(outcome -> {
      assertThat(outcome.succeeded()).as("stored: %s", outcome.cause()).isTrue();
      return outcome.result();
    }).toList();
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
}
