package io.github.minichat.message;

import static io.github.minichat.message.testing.StoreDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.ConversationPage;
import io.github.minichat.common.ConversationPrefs;
import io.github.minichat.common.ConversationSummary;
import io.github.minichat.common.ConversationsRequest;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendMessage;
import io.github.minichat.message.testing.GroupRows;
import io.github.minichat.message.testing.StoreDatabase;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conversation list on a real PostgreSQL: one-to-one and group conversations in one order (pinned first, then
 * newest activity first, then kind and id), each line with the newest message as the user holds it and counts from
 * the rows; paged by a keyset cursor that neither loops nor skips a conversation that did not change.
 */
class ConversationStoreTest {

  private static final AtomicInteger CIDS = new AtomicInteger();

  private static StoreDatabase database;
  private static Pool pool;
  private static BatchStore batchStore;
  private static ChatStore chatStore;
  private static ConversationStore conversations;
  private static GroupRows groups;

  @BeforeAll
  static void start() {
    database = StoreDatabase.create("conversation_store", 4);
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

  /** What a line of the list must be, built from what the test stored, not from the store's reading of it. */
  private record Expected(String kind, long id, String name, ChatMessage last, long unread, long mentions,
                          boolean pinned, boolean muted, long lastActiveAt) {
    ConversationSummary summary() {
      return new ConversationSummary(kind, id, name, last, unread, mentions, pinned, muted, lastActiveAt);
    }
  }

  /** The list's order, written out on its own: pinned first, newest first, then kind, then id. */
  private static final Comparator<Expected> ORDER = Comparator.comparing(Expected::pinned).reversed()
      .thenComparing(Comparator.comparingLong(Expected::lastActiveAt).reversed())
      .thenComparing(Expected::kind)
      .thenComparingLong(Expected::id);

  @Test
  @DisplayName("one-to-one and group conversations mixed: pinned first, newest first; every page size lists each once, in order, with its last message and counts")
  void mixedListPagedThroughEveryPage() {
    long user = 1_001;
    long[] peers = {1_101, 1_102, 1_103, 1_104};
    Map<String, Expected> expected = new HashMap<>();

    ChatMessage fromFirst = send(peers[0], user);
    ChatMessage toFirst = send(user, peers[0]);

    long chatty = await(groups.create("chatty", peers[1], user, peers[0]));
    await(groups.post(chatty, peers[1], "hello @" + user, false, user));
    await(groups.post(chatty, peers[1], "again @" + user, false, user));
    await(groups.post(chatty, peers[0], "no mention", false));

    ChatMessage second1 = send(peers[1], user);
    send(peers[1], user);
    ChatMessage second3 = send(peers[1], user);
    await(chatStore.markRead(user, peers[1], second1.id()));

    long left = await(groups.create("left", peers[0], user));
    await(groups.post(left, peers[0], "before the removal", false));
    await(groups.remove(left, user));

    ChatMessage toThird = send(user, peers[2]);
    long own = await(groups.create("own", user, peers[2]));
    GroupRows.Posted ownLast = await(groups.post(own, user, "my own words", false));

    ChatMessage fourth = storeRead(peers[3], user);
    long gone = await(groups.create("gone", peers[1], user));
    await(groups.post(gone, peers[1], "soon dissolved", false));
    await(groups.dissolve(gone));

    GroupRows.Posted chattyLast = await(groups.post(chatty, user, "joined by a system note", true));
    long quiet = await(groups.create("quiet", peers[3], user));

    await(conversations.prefs(new ConversationPrefs(user, "user", peers[2], true, null)));
    await(conversations.prefs(new ConversationPrefs(user, "group", quiet, true, null)));
    await(conversations.prefs(new ConversationPrefs(user, "group", chatty, null, true)));

    expected.put("user/" + peers[0], new Expected("user", peers[0], null, toFirst, 1, 0, false, false,
        toFirst.createdAt()));
    expected.put("user/" + peers[1], new Expected("user", peers[1], null, second3, 2, 0, false, false,
        second3.createdAt()));
    expected.put("user/" + peers[2], new Expected("user", peers[2], null, toThird, 0, 0, true, false,
        toThird.createdAt()));
    expected.put("user/" + peers[3], new Expected("user", peers[3], null, fourth, 0, 0, false, false,
        fourth.createdAt()));
    // chatty: three messages that count (two mention the user), then the user's own system note, held as sent
    expected.put("group/" + chatty, new Expected("group", chatty, "chatty",
        ownCopy(chattyLast, chatty, user, "joined by a system note", true), 3, 2, false, true,
        chattyLast.createdAt()));
    expected.put("group/" + own, new Expected("group", own, "own",
        ownCopy(ownLast, own, user, "my own words", false), 0, 0, false, false, ownLast.createdAt()));
    expected.put("group/" + quiet, new Expected("group", quiet, "quiet", null, 0, 0, true, false,
        await(groups.joinedAt(quiet, user))));
    List<ConversationSummary> inOrder = expected.values().stream().sorted(ORDER).map(Expected::summary).toList();

    for (int limit : new int[] {1, 2, 3, 7, 100}) {
      List<ConversationPage> pages = allPages(user, limit);
      assertThat(pages).as("pages of %d", limit).allSatisfy(page -> assertThat(page.conversations()).hasSizeBetween(1,
          limit));
      assertThat(pages.subList(0, pages.size() - 1)).allSatisfy(page -> assertThat(page.next()).isNotNull());
      assertThat(pages.stream().flatMap(page -> page.conversations().stream()).toList())
          .as("lines, pages of %d", limit).containsExactlyElementsOf(inOrder);
    }
    assertThat(inOrder).extracting(ConversationSummary::id).doesNotContain(left, gone);
  }

  @Test
  @DisplayName("another group's members and another user's conversations stay out of the list, and a removed member no longer lists the group")
  void onlyTheUsersOwnConversations() {
    long user = 1_201;
    long peer = 1_202;
    long stranger = 1_203;
    send(peer, user);
    send(peer, stranger);
    long theirs = await(groups.create("theirs", peer, stranger));
    await(groups.post(theirs, peer, "not for the user", false));
    long shared = await(groups.create("shared", peer, user, stranger));
    await(groups.post(shared, stranger, "for everyone", false));

    assertThat(lines(user)).extracting(ConversationSummary::kind, ConversationSummary::id)
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("user", peer),
            org.assertj.core.groups.Tuple.tuple("group", shared));

    await(groups.remove(shared, user));
    assertThat(lines(user)).extracting(ConversationSummary::kind).containsExactly("user");
    assertThat(lines(stranger)).extracting(ConversationSummary::id).contains(shared, theirs, peer);
  }

  @Test
  @DisplayName("conversations that get new messages between pages move to the top: paging ends, lists nothing twice and skips none that did not change")
  void activityBetweenPages() {
    long user = 1_301;
    List<Long> peers = new ArrayList<>();
    for (long peer = 1_311; peer <= 1_318; peer++) {
      peers.add(peer);
      send(peer, user);
    }
    long group = await(groups.create("busy", peers.get(0), user));
    await(groups.post(group, peers.get(0), "in the group", false));

    Set<String> changed = new HashSet<>();
    List<String> seen = new ArrayList<>();
    String after = null;
    int page = 0;
    do {
      ConversationPage current = await(conversations.list(new ConversationsRequest(user, after, 2)));
      current.conversations().forEach(line -> seen.add(key(line)));
      after = current.next();
      page++;
      if (page == 1) {
        // one already listed, one not yet listed, and the group: each gets newer than anything on the list
        long listed = current.conversations().stream().filter(line -> line.kind().equals("user")).findFirst()
            .orElseThrow().id();
        long notYet = peers.get(0);
        send(listed, user);
        send(notYet, user);
        await(groups.post(group, peers.get(1), "newer", false));
        changed.addAll(List.of("user/" + listed, "user/" + notYet, "group/" + group));
      }
      assertThat(page).as("pages so far").isLessThanOrEqualTo(peers.size() + 1);
    } while (after != null);

    assertThat(seen).doesNotHaveDuplicates();
    Set<String> unchanged = new HashSet<>();
    peers.forEach(peer -> unchanged.add("user/" + peer));
    unchanged.add("group/" + group);
    unchanged.removeAll(changed);
    assertThat(unchanged).hasSize(peers.size() - 2);
    assertThat(seen).as("every conversation that did not change").containsAll(unchanged);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"", "not a cursor", "%%%%", "1:5:user:1", "b64:1:5:user:1:0", "b64:1:5:user",
      "b64:2:5:user:1", "b64:1:5:bot:1", "b64:1:5:USER:1", "b64:1:-5:user:1", "b64:1:5:user:0", "b64:1:5:user:-1",
      "b64:1:99999999999999999999:user:1", "b64:1:5:user:1x", "b64:1::user:1", "b64:true:5:user:1",
      "b64:1:9223372036854775808:group:1", "b64:1:5:user:1\0"})
  @DisplayName("a cursor this store did not hand out is refused as an invalid field")
  void malformedCursorRefused(String cursor) {
    String sent = cursor.startsWith("b64:")
        ? Base64.getUrlEncoder().encodeToString(cursor.substring(4).getBytes(StandardCharsets.UTF_8))
        : cursor;
    Throwable failure = awaitFailure(conversations.list(new ConversationsRequest(1_001, sent, 10)));
    assertThat(ChatError.of(failure)).as("%s", failure).isEqualTo(ChatError.INVALID_FIELD);
  }

  @Test
  @DisplayName("a well-formed cursor past every line gives an empty last page")
  void cursorPastTheEnd() {
    String pastAll = new ConversationCursor(false, 0, "user", Long.MAX_VALUE).encode();
    ConversationPage page = await(conversations.list(new ConversationsRequest(1_001, pastAll, 10)));
    assertThat(page.conversations()).isEmpty();
    assertThat(page.next()).isNull();
  }

  @Test
  @DisplayName("a cursor far longer than any this store writes is refused without decoding it")
  void hugeCursorRefused() {
    String huge = Base64.getUrlEncoder().encodeToString(("1:5:user:" + "9".repeat(10_000))
        .getBytes(StandardCharsets.US_ASCII));
    assertThat(ChatError.of(awaitFailure(conversations.list(new ConversationsRequest(1_001, huge, 10)))))
        .isEqualTo(ChatError.INVALID_FIELD);
  }

  @Test
  @DisplayName("the page size is clamped to 1..100")
  void limitClamped() {
    long user = 1_401;
    for (long peer = 1_411; peer <= 1_413; peer++) {
      send(peer, user);
    }
    assertThat(await(conversations.list(new ConversationsRequest(user, null, 0))).conversations()).hasSize(1);
    assertThat(await(conversations.list(new ConversationsRequest(user, null, -5))).conversations()).hasSize(1);
    ConversationPage all = await(conversations.list(new ConversationsRequest(user, null, Integer.MAX_VALUE)));
    assertThat(all.conversations()).hasSize(3);
    assertThat(all.next()).isNull();
    assertThat(await(conversations.list(new ConversationsRequest(9_999, null, 10))).conversations()).isEmpty();
  }

  private static List<ConversationSummary> lines(long user) {
    return allPages(user, 100).stream().flatMap(page -> page.conversations().stream()).toList();
  }

  /** Every page, following {@code next}; fails if it does not end within as many pages as there are lines. */
  private static List<ConversationPage> allPages(long user, int limit) {
    List<ConversationPage> pages = new ArrayList<>();
    String after = null;
    do {
      ConversationPage page = await(conversations.list(new ConversationsRequest(user, after, limit)));
      pages.add(page);
      after = page.next();
      assertThat(pages.size()).as("pages of %d", limit).isLessThan(50);
    } while (after != null);
    return pages;
  }

  /** The user's own copy of a group message: toId 0, at their sender cursor. */
  private static ChatMessage ownCopy(GroupRows.Posted posted, long group, long user, String text, boolean system) {
    return new ChatMessage(posted.id(), posted.seq(), user, 0, text, true, posted.createdAt(),
        posted.cursors().get(user), 0, null, group, system, false);
  }

  private static ChatMessage send(long from, long to) {
    return store(new BatchStore.Item(message(from, to), false));
  }

  private static ChatMessage storeRead(long from, long to) {
    return store(new BatchStore.Item(message(from, to), true));
  }

  private static SendMessage message(long from, long to) {
    return new SendMessage(from, to, "from " + from + " to " + to + " #" + CIDS.incrementAndGet(),
        "c-" + CIDS.get(), Origin.WS, null);
  }

  private static ChatMessage store(BatchStore.Item item) {
    Future<ChatStore.Stored> outcome = await(batchStore.store(List.of(item))).get(0);
    assertThat(outcome.succeeded()).as("stored: %s", outcome.cause()).isTrue();
    return outcome.result().message();
  }

  /** The failure of {@code future}, failing the test if it succeeds. */
  private static Throwable awaitFailure(Future<?> future) {
    Throwable cause = await(future.transform(done -> Future.succeededFuture(done.cause())));
    assertThat(cause).as("a refusal").isNotNull();
    return cause;
  }

  private static String key(ConversationSummary line) {
    return line.kind() + "/" + line.id();
  }
}
