package io.github.minichat.message;

import static io.github.minichat.message.testing.StoreDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.GroupSend;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.SyncPage;
import io.github.minichat.common.SyncRequest;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Group sends on a real PostgreSQL through the reactive pool: many batches in flight on one group, a big group's
 * fan-out in set-based statements, refusals that fail their own send only, and sync over one-to-one and group
 * messages alike.
 */
class GroupSendStoreTest {

  private static GroupSendFixture fixture;
  private static GroupSendStore store;

  @BeforeAll
  static void start() {
    fixture = GroupSendFixture.create("group_send", 8);
    store = new GroupSendStore(fixture.pool());
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  /** What a send of the concurrent test should come to. */
  private enum Expect { FRESH, DUPLICATE, CID_CONFLICT, FORBIDDEN, NOT_FOUND }

  /**
   * One send of the concurrent test: what it should come to, its place in its sender's own order (fresh sends), the
   * stored message it repeats (duplicates), and its outcome.
   */
  private record Sent(GroupSend send, Expect expect, int order, GroupStored original, Future<GroupStored> outcome) {
  }

  @Test
  @DisplayName("eight senders to one group at once, with repeats, misused cids, refusals and a removal among them:"
      + " gapless seqs and cursors, each sender's order, every member's copy, true counts")
  void concurrentSendersToOneGroup() {
    long[] senders = LongStream.rangeClosed(1001, 1008).toArray();
    long mutedHere = 1009;   // muted in the big group, not in the small one
    long mutedOnly = 1010;   // a member of the big group only, which they muted: their total never moves
    long removed = 1011;     // removed while the others send
    long outsider = 1099;
    long big = fixture.group(1001, LongStream.rangeClosed(1002, 1012).toArray());
    fixture.role(big, 1002, "admin");
    fixture.mute(big, mutedHere);
    fixture.mute(big, mutedOnly);
    long small = fixture.group(1002, 1001, mutedHere, 1012);
    long dissolved = fixture.group(1001, 1003);
    fixture.dissolve(dissolved);
    Set<Long> smallMembers = Set.of(1001L, 1002L, mutedHere, 1012L);

    Queue<Sent> sent = new ConcurrentLinkedQueue<>();
    List<Future<Void>> lanes = new ArrayList<>();
    for (long sender : senders) {
      lanes.add(lane(new Lane(sender, new Random(sender), big, small, dissolved, outsider, removed), sent));
    }
    await(Future.all(lanes));

    // every send came to what it should
    Map<Long, Set<Long>> membersBefore = Map.of(big, LongStream.rangeClosed(1001, 1012).boxed()
        .collect(Collectors.toSet()), small, smallMembers);
    List<Sent> fresh = new ArrayList<>();
    for (Sent s : sent) {
      Future<GroupStored> outcome = s.outcome();
      switch (s.expect()) {
        case FRESH -> {
          assertThat(outcome.succeeded()).as("stored: %s (%s)", s.send(), outcome.cause()).isTrue();
          GroupStored stored = outcome.result();
          assertThat(stored.duplicate()).isFalse();
          assertThat(stored.message().data()).isEqualTo(s.send().text());
          assertThat(stored.message().groupId()).isEqualTo(s.send().groupId());
          assertThat(stored.message().toId()).isZero();
          Set<Long> members = new TreeSet<>(membersBefore.get(s.send().groupId()));
          if (!stored.holders().contains(removed)) {
            members.remove(removed);
          }
          assertThat(stored.holders()).as("holders of %s", s.send()).containsExactlyElementsOf(members);
          assertThat(stored.mentioned()).isEqualTo(expectedMentions(s.send(), members));
          assertThat(stored.message().senderCursor())
              .isEqualTo(stored.cursors().get(stored.holders().indexOf(s.send().fromId())));
          fresh.add(s);
        }
        case DUPLICATE -> {
          assertThat(outcome.succeeded()).as("answered: %s (%s)", s.send(), outcome.cause()).isTrue();
          GroupStored stored = outcome.result();
          ChatMessage original = s.original().message();
          assertThat(stored.duplicate()).isTrue();
          assertThat(stored.message().id()).isEqualTo(original.id());
          assertThat(stored.message().seq()).isEqualTo(original.seq());
          assertThat(stored.message().senderCursor()).isEqualTo(original.senderCursor());
          assertThat(stored.holders()).containsExactly(s.send().fromId());
          assertThat(stored.cursors()).containsExactly(original.senderCursor());
        }
        default -> {
          assertThat(outcome.failed()).as("refused: %s", s.send()).isTrue();
          assertThat(ChatError.of(outcome.cause())).as("error of %s", s.send())
              .isEqualTo(ChatError.valueOf(s.expect().name()));
        }
      }
    }
    assertThat(sent.stream().map(Sent::expect).collect(Collectors.toSet()))
        .as("every kind of send was tried").containsExactlyInAnyOrder(Expect.values());

    // seqs: gapless per group, none taken by a send that was not stored
    for (long group : new long[] {big, small}) {
      long stored = fresh.stream().filter(s -> s.send().groupId() == group).count();
      assertThat(fixture.number("SELECT count(DISTINCT seq) FROM group_messages WHERE group_id = $1", group))
          .isEqualTo(stored);
      assertThat(fixture.number("SELECT coalesce(max(seq), 0) FROM group_messages WHERE group_id = $1", group))
          .isEqualTo(stored);
      assertThat(fixture.number("SELECT last_seq FROM groups WHERE id = $1", group)).isEqualTo(stored);
    }
    assertThat(fixture.number("SELECT last_seq FROM groups WHERE id = $1", dissolved)).isZero();
    assertThat(fixture.number("SELECT count(*) FROM group_messages WHERE group_id IN ($1, $2, $3)", big, small,
        dissolved)).as("repeats stored once").isEqualTo(fresh.size());

    // every holder's copy is where the outcome says, counted and mentioned as it should be
    Map<String, Row> copies = new HashMap<>();
    fixture.rows("SELECT user_id, cursor, group_id, seq, counts, mentioned FROM group_inbox"
            + " WHERE user_id BETWEEN 1001 AND 1012")
        .forEach(row -> copies.put(row.getLong(0) + "@" + row.getLong(1), row));
    assertThat(copies).hasSize(fresh.stream().mapToInt(s -> s.outcome().result().holders().size()).sum());
    for (Sent s : fresh) {
      GroupStored stored = s.outcome().result();
      for (int i = 0; i < stored.holders().size(); i++) {
        long holder = stored.holders().get(i);
        Row copy = copies.get(holder + "@" + stored.cursors().get(i));
        assertThat(copy).as("copy of %s for %d", s.send(), holder).isNotNull();
        assertThat(copy.getLong(2)).isEqualTo(s.send().groupId());
        assertThat(copy.getLong(3)).isEqualTo(stored.message().seq());
        assertThat(copy.getBoolean(4)).isEqualTo(holder != s.send().fromId());
        assertThat(copy.getBoolean(5)).isEqualTo(stored.mentioned().contains(holder));
      }
    }

    // cursors: dense per inbox, the inbox counter at the last one, in seq order within each group
    for (long user = 1001; user <= 1012; user++) {
      long held = fixture.number("SELECT count(*) FROM group_inbox WHERE user_id = $1", user);
      assertThat(held).isPositive();
      assertThat(fixture.number("SELECT count(DISTINCT cursor) FROM group_inbox WHERE user_id = $1", user))
          .isEqualTo(held);
      assertThat(fixture.number("SELECT max(cursor) FROM group_inbox WHERE user_id = $1", user)).isEqualTo(held);
      assertThat(fixture.number("SELECT last_cursor FROM inboxes WHERE user_id = $1", user)).isEqualTo(held);
    }
    assertThat(fixture.number("SELECT count(*) FROM (SELECT cursor < lag(cursor) OVER (PARTITION BY user_id,"
        + " group_id ORDER BY seq) AS backwards FROM group_inbox) s WHERE backwards")).isZero();

    // each sender's messages in the order they were sent
    Map<String, List<Sent>> bySenderAndGroup = fresh.stream().filter(s -> s.order() >= 0)
        .sorted(Comparator.comparingLong(s -> s.outcome().result().message().seq()))
        .collect(Collectors.groupingBy(s -> s.send().fromId() + "/" + s.send().groupId()));
    bySenderAndGroup.values().forEach(ordered -> assertThat(ordered).extracting(Sent::order).isSorted());

    // the removed member holds what came before the removal, and nothing after it
    long bigSeqs = fixture.number("SELECT last_seq FROM groups WHERE id = $1", big);
    long heldBeforeRemoval = fixture.number("SELECT count(*) FROM group_inbox WHERE user_id = $1", removed);
    assertThat(heldBeforeRemoval).isPositive().isLessThan(bigSeqs);
    assertThat(fixture.number("SELECT max(seq) FROM group_inbox WHERE user_id = $1", removed))
        .isEqualTo(heldBeforeRemoval);
    assertThat(fresh).filteredOn(s -> s.send().fromId() == 1008 && s.order() >= 25)
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s.outcome().result().holders()).doesNotContain(removed));

    // counts: each conversation's from its rows, the total from the unmuted ones, a version per change
    for (long user = 1001; user <= 1012; user++) {
      long member = user;
      for (long group : new long[] {big, small}) {
        List<Sent> held = fresh.stream().filter(s -> s.send().groupId() == group
            && s.outcome().result().holders().contains(member)).toList();
        assertThat(fixture.number("SELECT count(*) FROM group_inbox WHERE user_id = $1 AND group_id = $2 AND counts",
            user, group)).isEqualTo(held.stream().filter(s -> s.send().fromId() != member).count());
        assertThat(fixture.number("SELECT count(*) FROM group_inbox WHERE user_id = $1 AND group_id = $2"
            + " AND mentioned", user, group))
            .isEqualTo(held.stream().filter(s -> s.outcome().result().mentioned().contains(member)).count());
      }
      long total = fixture.number("SELECT coalesce(sum(n), 0)::int8 FROM (SELECT count(*) AS n FROM group_inbox i"
          + " JOIN group_members m ON m.group_id = i.group_id AND m.user_id = i.user_id"
          + " WHERE i.user_id = $1 AND i.counts AND i.seq > m.read_seq AND NOT m.muted) c", user);
      assertThat(fixture.number("SELECT unread FROM inboxes WHERE user_id = $1", user))
          .as("total of %d", user).isEqualTo(total);
      List<UnreadCount> story = fresh.stream().flatMap(s -> s.outcome().result().unread().stream())
          .filter(count -> count.userId() == member).sorted(Comparator.comparingLong(UnreadCount::version)).toList();
      long version = fixture.number("SELECT unread_version FROM inboxes WHERE user_id = $1", user);
      // the removal changed the removed member's total once more, and its own version
      long handedOut = user == removed ? version - 1 : version;
      assertThat(story).extracting(UnreadCount::version).as("versions handed out to %d", user)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, handedOut).boxed().toList());
      assertThat(story).allSatisfy(count -> assertThat(count.countNum()).isEqualTo(count.version()));
    }
    assertThat(fixture.number("SELECT unread FROM inboxes WHERE user_id = $1", mutedOnly)).isZero();
    assertThat(fixture.number("SELECT unread_version FROM inboxes WHERE user_id = $1", mutedOnly)).isZero();
    assertThat(fixture.number("SELECT unread FROM inboxes WHERE user_id = $1", removed)).isZero();
    assertThat(fixture.number("SELECT unread FROM inboxes WHERE user_id = $1", mutedHere)).isPositive()
        .isEqualTo(fixture.number("SELECT count(*) FROM group_inbox WHERE user_id = $1 AND group_id = $2 AND counts",
            mutedHere, small));
  }

  /** One sender's run: 50 messages to the big group in batches, with other sends mixed in. */
  private static final class Lane {
    final long sender;
    final Random random;
    final long big;
    final long small;
    final long dissolved;
    final long outsider;
    final long removed;
    final List<GroupStored> stored = new ArrayList<>();
    final List<GroupSend> storedSends = new ArrayList<>();
    int next;
    int extra;
    boolean removalDone;

    Lane(long sender, Random random, long big, long small, long dissolved, long outsider, long removed) {
      this.sender = sender;
      this.random = random;
      this.big = big;
      this.small = small;
      this.dissolved = dissolved;
      this.outsider = outsider;
      this.removed = removed;
    }

    boolean manages() {
      return sender == 1001 || sender == 1002;
    }
  }

  private static Future<Void> lane(Lane lane, Queue<Sent> sent) {
    if (lane.next >= 50) {
      return Future.succeededFuture();
    }
    // the last sender removes a member halfway, while the others go on sending
    Future<Void> before = lane.sender == 1008 && lane.next >= 25 && !lane.removalDone
        ? fixture.remove(lane.big, lane.removed).onSuccess(done -> lane.removalDone = true)
        : Future.succeededFuture();
    return before.compose(ignored -> {
      List<Sent> batch = batch(lane);
      List<GroupSend> sends = batch.stream().map(Sent::send).toList();
      return store.store(sends).map(outcomes -> {
        for (int i = 0; i < batch.size(); i++) {
          Sent s = batch.get(i);
          sent.add(new Sent(s.send(), s.expect(), s.order(), s.original(), outcomes.get(i)));
          if (s.expect() == Expect.FRESH && outcomes.get(i).succeeded()) {
            lane.stored.add(outcomes.get(i).result());
            lane.storedSends.add(s.send());
          }
        }
        return (Void) null;
      });
    }).compose(ignored -> lane(lane, sent));
  }

  /** The lane's next batch: a few of its own messages in order, and now and then another kind of send among them. */
  private static List<Sent> batch(Lane lane) {
    Random random = lane.random;
    List<Sent> batch = new ArrayList<>();
    for (int n = 1 + random.nextInt(6); n > 0 && lane.next < 50; n--) {
      int k = lane.next++;
      List<Long> mentions = List.of(1001L + random.nextInt(12), 1001L + random.nextInt(12), lane.outsider,
          lane.sender).subList(0, random.nextInt(5));
      boolean all = lane.manages() && random.nextInt(8) == 0;
      batch.add(new Sent(send(lane.sender, lane.big, "s" + lane.sender + " #" + k, "s" + lane.sender + "-" + k,
          mentions, all), Expect.FRESH, k, null, null));
    }
    if (lane.manages() && random.nextInt(3) == 0) {
      int k = lane.extra++;
      insert(random, batch, new Sent(send(lane.sender, lane.small, "s" + lane.sender + " small #" + k,
          "s" + lane.sender + "-small-" + k, List.of(1012L), false), Expect.FRESH, 1_000 + k, null, null));
    }
    if (!lane.stored.isEmpty() && random.nextInt(3) == 0) {
      int earlier = random.nextInt(lane.stored.size());
      GroupSend again = lane.storedSends.get(earlier);
      boolean misused = random.nextInt(3) == 0;
      GroupSend repeat = misused
          ? send(again.fromId(), again.groupId(), again.text() + " changed", again.cid(), List.of(), false)
          : again;
      insert(random, batch, new Sent(repeat, misused ? Expect.CID_CONFLICT : Expect.DUPLICATE, -1,
          lane.stored.get(earlier), null));
    }
    if (random.nextInt(4) == 0) {
      int k = lane.extra++;
      String cid = "x" + lane.sender + "-" + k;
      Sent refused = switch (random.nextInt(4)) {
        case 0 -> new Sent(send(lane.outsider + lane.sender, lane.big, "outsider", cid, List.of(), false),
            Expect.FORBIDDEN, -1, null, null);
        case 1 -> new Sent(send(lane.sender, lane.dissolved, "to a dissolved group", cid, List.of(), false),
            Expect.NOT_FOUND, -1, null, null);
        case 2 -> new Sent(send(lane.sender, 987_654_321L, "to no group", cid, List.of(), false),
            Expect.NOT_FOUND, -1, null, null);
        default -> lane.manages()
            ? new Sent(send(lane.sender, lane.big, "@all by a manager", cid, List.of(), true), Expect.FRESH,
                -1, null, null)
            : new Sent(send(lane.sender, lane.big, "@all by a plain member", cid, List.of(), true),
                Expect.FORBIDDEN, -1, null, null);
      };
      insert(random, batch, refused);
    }
    return batch;
  }

  /** Puts an extra send at a random place, the lane's own messages keeping their order. */
  private static void insert(Random random, List<Sent> batch, Sent extra) {
    batch.add(random.nextInt(batch.size() + 1), extra);
  }

  private static Set<Long> expectedMentions(GroupSend send, Set<Long> members) {
    Set<Long> mentioned = new TreeSet<>(send.mentionAll() ? members : send.mentions());
    mentioned.retainAll(members);
    mentioned.remove(send.fromId());
    return mentioned;
  }

  @Test
  @DisplayName("a 500-member group: a batch of messages stores 500 copies of each in as many statements as a"
      + " 3-member group's batch takes")
  void bigGroupInBoundedStatements() {
    long[] members = LongStream.rangeClosed(5002, 5500).toArray();
    long big = fixture.group(5001, members);
    fixture.mute(big, 5500);
    long small = fixture.group(6001, 6002, 6003);
    AtomicInteger statements = new AtomicInteger();
    GroupSendStore counted = new GroupSendStore(fixture.countingStatements(statements));

    List<GroupSend> batch = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batch.add(send(5001 + i, big, "to everyone " + i, "big-" + i, List.of(5100L, 5200L, 9_999L), false));
    }
    List<Future<GroupStored>> outcomes = await(counted.store(batch));
    int bigStatements = statements.getAndSet(0);

    assertThat(outcomes).allSatisfy(outcome -> {
      assertThat(outcome.succeeded()).as("stored: %s", outcome.cause()).isTrue();
      assertThat(outcome.result().holders()).hasSize(500);
      assertThat(outcome.result().mentioned()).containsExactlyInAnyOrder(5100L, 5200L);
      // every member but the sender and the one who muted the group has a new total
      assertThat(outcome.result().unread()).hasSize(498);
    });
    assertThat(fixture.rows("SELECT seq, count(*) FROM group_inbox WHERE group_id = $1 GROUP BY seq ORDER BY seq",
        big)).extracting(row -> row.getLong(0) + ":" + row.getLong(1))
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 20).mapToObj(seq -> seq + ":500").toList());
    assertThat(fixture.number("SELECT count(*) FROM group_inbox WHERE group_id = $1 AND user_id = 5300"
        + " AND cursor BETWEEN 1 AND 20", big)).isEqualTo(20);
    assertThat(fixture.number("SELECT unread FROM inboxes WHERE user_id = 5100")).isEqualTo(20);
    assertThat(fixture.number("SELECT unread FROM inboxes WHERE user_id = 5001")).isEqualTo(19);
    assertThat(fixture.number("SELECT unread FROM inboxes WHERE user_id = 5500")).isZero();

    List<GroupSend> smallBatch = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      smallBatch.add(send(6001 + i % 3, small, "to a few " + i, "small-" + i, List.of(), false));
    }
    assertThat(await(counted.store(smallBatch))).allSatisfy(outcome -> assertThat(outcome.succeeded()).isTrue());
    assertThat(bigStatements).as("statements of the big group's batch")
        .isEqualTo(statements.getAndSet(0)).isLessThanOrEqualTo(8);

    // sends that are not stored set the group's seq back in the same round trip as the writes: one statement more
    List<Future<GroupStored>> mixed = await(counted.store(List.of(batch.get(3),
        send(5010, big, "after a repeat", "big-20", List.of(), false),
        send(9_999, big, "from outside", "big-21", List.of(), false))));
    assertThat(statements.get()).isEqualTo(bigStatements + 1);
    assertThat(mixed.get(0).result().duplicate()).isTrue();
    assertThat(mixed.get(1).result().message().seq()).isEqualTo(21);
    assertThat(ChatError.of(mixed.get(2).cause())).isEqualTo(ChatError.FORBIDDEN);
    assertThat(fixture.number("SELECT last_seq FROM groups WHERE id = $1", big)).isEqualTo(21);
  }

  @Test
  @DisplayName("a member without an inbox row gets one, and the batch its first place")
  void missingInboxRowIsCreated() {
    long group = fixture.group(6101, 6102);
    fixture.execute("INSERT INTO group_members (group_id, user_id, role, joined_seq, read_seq)"
        + " VALUES ($1, 6103, 'member', 0, 0)", group);
    assertThat(fixture.number("SELECT count(*) FROM inboxes WHERE user_id = 6103")).isZero();

    List<Future<GroupStored>> outcomes = await(store.store(List.of(
        send(6101, group, "first", "m-1", List.of(6103L), false),
        send(6102, group, "second", "m-2", List.of(), false))));

    assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.succeeded()).isTrue());
    GroupStored second = outcomes.get(1).result();
    assertThat(second.cursors().get(second.holders().indexOf(6103L))).isEqualTo(2);
    assertThat(fixture.rows("SELECT last_cursor, unread, unread_version FROM inboxes WHERE user_id = 6103").get(0)
        .toJson().encode()).isEqualTo("{\"last_cursor\":2,\"unread\":2,\"unread_version\":2}");
  }

  @Test
  @DisplayName("a send the database refuses, in the middle of a batch, fails alone: the others are numbered as if it"
      + " had never been there")
  void refusedValueFailsAlone() {
    long group = fixture.group(6201, 6202, 6203);
    List<Future<GroupStored>> outcomes = await(store.store(List.of(
        send(6201, group, "one", "p-1", List.of(), false),
        send(6202, group, "bad\u0000text", "p-2", List.of(), false),
        send(6203, group, "two", "p-3", List.of(), false),
        send(6201, group, "bad cid", "p-\u0000", List.of(), false),
        send(6202, group, "three", "p-5", List.of(), false))));

    assertThat(ChatError.of(outcomes.get(1).cause())).isEqualTo(ChatError.INVALID_FIELD);
    assertThat(ChatError.of(outcomes.get(3).cause())).isEqualTo(ChatError.INVALID_FIELD);
    assertThat(List.of(outcomes.get(0), outcomes.get(2), outcomes.get(4)))
        .extracting(outcome -> outcome.result().message().seq()).containsExactly(1L, 2L, 3L);
    assertThat(outcomes.get(4).result().cursors()).containsExactly(3L, 3L, 3L);
    assertThat(fixture.number("SELECT last_seq FROM groups WHERE id = $1", group)).isEqualTo(3);
    assertThat(fixture.number("SELECT last_cursor FROM inboxes WHERE user_id = 6202")).isEqualTo(3);
    assertThat(fixture.number("SELECT unread FROM inboxes WHERE user_id = 6202")).isEqualTo(2);
  }

  @Test
  @DisplayName("sync returns one-to-one and group messages interleaved in cursor order, each as the user's copy")
  void syncInterleavesGroupAndOneToOne() {
    long me = 7001;
    long peer = 7002;
    long other = 7003;
    long group = fixture.group(me, peer, other);
    BatchStore oneToOne = new BatchStore(fixture.pool(), Duration.ofSeconds(10));
    ChatStore chats = new ChatStore(fixture.pool());

    ChatMessage in = direct(oneToOne, peer, me, "d-1");
    GroupStored mine = group(send(me, group, "mine", "g-1", List.of(peer), false));
    GroupStored mentioning = group(send(peer, group, "hi @me", "g-2", List.of(me), false));
    ChatMessage out = direct(oneToOne, me, other, "d-2");
    GroupStored plain = group(send(other, group, "hi all", "g-3", List.of(), false));
    fixture.readUpTo(group, me, 2);

    SyncPage page = await(chats.sync(new SyncRequest(me, 0, 100)));
    assertThat(page.hasMore()).isFalse();
    assertThat(page.messages()).extracting(message -> message.cursorFor(me)).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(page.cursor()).isEqualTo(5);
    assertThat(page.messages().get(0)).isEqualTo(in);
    assertThat(page.messages().get(3)).isEqualTo(out);
    assertThat(page.messages().get(1)).isEqualTo(new ChatMessage(mine.message().id(), 1, me, 0, "mine", true,
        mine.message().createdAt(), 2, 0, "g-1", group, false, false));
    assertThat(page.messages().get(2)).isEqualTo(new ChatMessage(mentioning.message().id(), 2, peer, me, "hi @me",
        true, mentioning.message().createdAt(), 0, 3, "g-2", group, false, true));
    assertThat(page.messages().get(4)).isEqualTo(new ChatMessage(plain.message().id(), 3, other, me, "hi all",
        false, plain.message().createdAt(), 0, 5, "g-3", group, false, false));
    assertThat(mentioning.cursors().get(mentioning.holders().indexOf(me))).isEqualTo(3);

    // paged, the same messages; the other members see their own copies
    List<ChatMessage> paged = new ArrayList<>();
    long since = 0;
    SyncPage part;
    do {
      part = await(chats.sync(new SyncRequest(me, since, 2)));
      paged.addAll(part.messages());
      since = part.cursor();
    } while (part.hasMore());
    assertThat(paged).isEqualTo(page.messages());
    SyncPage peers = await(chats.sync(new SyncRequest(peer, 0, 100)));
    assertThat(peers.messages()).extracting(ChatMessage::toId).containsExactly(me, peer, 0L, peer);
    assertThat(peers.messages().get(1).mentioned()).isTrue();

    // a user who left keeps what they held, unread now that they have no read mark in the group
    await(fixture.remove(group, me));
    assertThat(await(chats.sync(new SyncRequest(me, 0, 100))).messages())
        .filteredOn(ChatMessage::inGroup).extracting(ChatMessage::read).containsExactly(false, false, false);
  }

  private static ChatMessage direct(BatchStore oneToOne, long from, long to, String cid) {
    SendMessage request = new SendMessage(from, to, "direct " + cid, cid, Origin.WS, null);
    Future<ChatStore.Stored> outcome = await(oneToOne.store(List.of(new BatchStore.Item(request, false)))).get(0);
    assertThat(outcome.succeeded()).as("stored: %s", outcome.cause()).isTrue();
    return outcome.result().message();
  }

  private static GroupStored group(GroupSend send) {
    Future<GroupStored> outcome = await(store.store(List.of(send))).get(0);
    assertThat(outcome.succeeded()).as("stored: %s", outcome.cause()).isTrue();
    return outcome.result();
  }

  @Test
  @DisplayName("a repeated send is pushed again to every current member, each at the cursor of their own copy")
  void repeatHolders() {
    long group = fixture.group(3001, 3002, 3003, 3004);
    GroupStore groups = new GroupStore(fixture.pool(), new GroupLimits(500, 500, 20, java.time.Duration.ofMillis(500)));
    GroupStored first = await(store.store(List.of(send(3001, group, "once", "r-1", List.of(3003L), false))))
        .get(0).result();
    await(fixture.remove(group, 3004));
    GroupStored repeat = await(store.store(List.of(send(3001, group, "once", "r-1", List.of(3003L), false))))
        .get(0).result();
    assertThat(repeat.duplicate()).isTrue();

    GroupStored again = await(groups.holders(repeat));
    assertThat(again.duplicate()).isTrue();
    assertThat(again.message()).isEqualTo(repeat.message());
    assertThat(again.holders()).as("the removed member is left out").containsExactly(3001L, 3002L, 3003L);
    for (int i = 0; i < again.holders().size(); i++) {
      long holder = again.holders().get(i);
      assertThat(again.cursors().get(i)).as("the cursor of %s's copy", holder)
          .isEqualTo(first.cursors().get(first.holders().indexOf(holder)));
    }
    assertThat(again.mentioned()).containsExactly(3003L);
    assertThat(again.unread()).as("nothing changed").isEmpty();
  }

  private static GroupSend send(long from, long group, String text, String cid, List<Long> mentions, boolean all) {
    return new GroupSend(from, group, text, cid, Origin.WS, null, mentions, all);
  }
}
