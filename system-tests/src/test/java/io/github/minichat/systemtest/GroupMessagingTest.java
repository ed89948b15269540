package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.GroupTestSupport.expectAck;
import static io.github.minichat.systemtest.GroupTestSupport.expectGroupMessage;
import static io.github.minichat.systemtest.GroupTestSupport.expectGroupText;
import static io.github.minichat.systemtest.GroupTestSupport.framesBeforeHeart;
import static io.github.minichat.systemtest.GroupTestSupport.isGroupText;
import static io.github.minichat.systemtest.GroupTestSupport.read;
import static io.github.minichat.systemtest.GroupTestSupport.say;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Group messages end to end: sends over the socket and HTTP, acks and idempotent retries, gapless seqs and dense
 * cursors shared with one-to-one messages, sync after a reconnect, unread and mention counts in the conversation
 * list and the letters total (with a muted group left out), read marks and coalesced receipts, the list's pages,
 * and a seed client that knows nothing of groups chatting next to them as before. Each test has users of its own.
 */
class GroupMessagingTest {

  private static ChatSystem system;
  private static GroupTestSupport groups;
  private static MessagingTestSupport messaging;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("group_messaging", GroupTestSupport.MANY_GROUPS);
    groups = new GroupTestSupport(system);
    messaging = new MessagingTestSupport(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  private static void assertSameMessage(JsonObject frame, JsonObject stored, long from, String data) {
    assertThat(frame.getString("type")).as("%s", frame).isEqualTo("group_text");
    assertThat(frame.getLong("group_id")).isEqualTo(stored.getLong("group_id"));
    assertThat(frame.getLong("id")).isEqualTo(stored.getLong("id"));
    assertThat(frame.getLong("seq")).isEqualTo(stored.getLong("seq"));
    assertThat(frame.getLong("from_id")).isEqualTo(from);
    assertThat(frame.getString("data")).isEqualTo(data);
    assertThat(frame.getString("kind")).isEqualTo("text");
    assertThat(frame.getLong("created_at")).isEqualTo(stored.getLong("created_at"));
  }

  /** Cursors of one user's inbox: one-to-one rows on either side and group copies, each position once, 1..head. */
  private static void assertInboxDense(long user) {
    List<Long> cursors = messaging.longs("SELECT recipient_cursor FROM messages WHERE to_id = " + user
        + " UNION ALL SELECT sender_cursor FROM messages WHERE from_id = " + user
        + " UNION ALL SELECT cursor FROM group_inbox WHERE user_id = " + user + " ORDER BY 1");
    long head = system.count("SELECT last_cursor FROM inboxes WHERE user_id = " + user);
    assertThat(cursors).as("inbox of %d", user).containsExactlyElementsOf(LongStream.rangeClosed(1, head).boxed()
        .toList());
  }

  private static void assertGaplessInDatabase(long group) {
    long lastSeq = system.count("SELECT last_seq FROM groups WHERE id = " + group);
    assertThat(messaging.longs("SELECT seq FROM group_messages WHERE group_id = " + group + " ORDER BY seq"))
        .containsExactlyElementsOf(LongStream.rangeClosed(1, lastSeq).boxed().toList());
  }

  // ---- sending ----

  @Test
  @DisplayName("socket and HTTP sends reach every member's devices once with a gapless seq and the next cursor of "
      + "each inbox, and a retried cid is acked again without a second delivery")
  void sendsAcksRetriesAndCursors() {
    long alice = 8701;
    long bob = 8702;
    long carol = 8703;
    try (TestClient alicePhone = system.connect(alice); TestClient aliceLaptop = system.connect(alice);
         TestClient bobPhone = system.connect(bob); TestClient carolPhone = system.connect(carol)) {
      long group = groups.create(alice, "three of us", bob, carol).getLong("group_id");
      // the creation is a system message every member's devices get, not counted as unread
      for (TestClient device : List.of(alicePhone, aliceLaptop, bobPhone, carolPhone)) {
        JsonObject created = expectGroupText(device, group);
        assertThat(GroupTestSupport.event(created).getString("event")).isEqualTo("created");
        assertThat(created.getLong("seq")).isEqualTo(1);
      }

      alicePhone.send(say(group, "hello both", "g-1"));
      JsonObject ack = expectAck(alicePhone);
      assertThat(ack.getString("cid")).isEqualTo("g-1");
      assertThat(ack.getLong("group_id")).isEqualTo(group);
      assertThat(ack.getLong("seq")).isEqualTo(2);
      for (TestClient member : List.of(bobPhone, carolPhone)) {
        JsonObject text = expectGroupText(member, group);
        assertSameMessage(text, ack.copy().put("group_id", group), alice, "hello both");
        assertThat(text.getBoolean("mentioned")).isFalse();
        assertThat(text.getInteger("is_read")).isZero();
        assertThat(text.getString("cid")).isEqualTo("g-1");
      }
      JsonObject copy = expectGroupText(aliceLaptop, group);
      assertSameMessage(copy, ack.copy().put("group_id", group), alice, "hello both");
      assertThat(copy.getLong("cursor")).as("the sender's copy sits at the ack's cursor").isEqualTo(ack.getLong(
          "cursor"));

      // a one-to-one message between group messages takes the next cursor of the same inbox
      JsonObject direct = messaging.post(alice, bob, "just for you");
      JsonObject directOnBob = MessagingTestSupport.expectText(bobPhone);
      assertThat(directOnBob.getLong("id")).isEqualTo(direct.getLong("id"));

      JsonObject posted = groups.post(bob, group, "over http", "b-1");
      assertThat(posted.getLong("seq")).isEqualTo(3);
      assertThat(posted.getLong("from_id")).isEqualTo(bob);
      // an HTTP send has no sending connection: every device of the sender gets it too
      for (TestClient device : List.of(alicePhone, aliceLaptop, carolPhone, bobPhone)) {
        assertSameMessage(expectGroupText(device, group), posted, bob, "over http");
      }
      assertThat(groupTextsBeforeHeart(bobPhone, bob)).as("nothing more of the group for bob").isEmpty();

      // a retried cid is acked again with the same message, over the socket and over HTTP, and delivered no second
      // time; the same cid for another text is a conflict
      long bobHead = system.count("SELECT last_cursor FROM inboxes WHERE user_id = " + bob);
      alicePhone.send(say(group, "once only", "g-2"));
      JsonObject first = expectAck(alicePhone);
      alicePhone.send(say(group, "once only", "g-2"));
      JsonObject again = expectAck(alicePhone);
      assertThat(again.getLong("id")).isEqualTo(first.getLong("id"));
      assertThat(again.getLong("seq")).isEqualTo(first.getLong("seq"));
      assertThat(again.getLong("cursor")).isEqualTo(first.getLong("cursor"));
      alicePhone.send(say(group, "a different text", "g-2"));
      alicePhone.expectError("cid_conflict", "g-2");
      JsonObject overHttp = groups.post(alice, group, "once only", "g-2");
      assertThat(overHttp.getLong("id")).isEqualTo(first.getLong("id"));
      alicePhone.send(say(group, "next", "g-3"));
      JsonObject next = expectAck(alicePhone);

      // had a retry been delivered again, bob would get it before "next"
      JsonObject onBob = expectGroupText(bobPhone, group);
      assertThat(onBob.getLong("id")).isEqualTo(first.getLong("id"));
      assertThat(onBob.getLong("cursor")).isEqualTo(bobHead + 1);
      JsonObject nextOnBob = expectGroupText(bobPhone, group);
      assertThat(nextOnBob.getLong("id")).isEqualTo(next.getLong("id"));
      assertThat(nextOnBob.getLong("seq")).isEqualTo(first.getLong("seq") + 1);
      assertThat(nextOnBob.getLong("cursor")).isEqualTo(bobHead + 2);
      assertThat(groupTextsBeforeHeart(bobPhone, bob)).isEmpty();
      JsonObject onLaptop = expectGroupText(aliceLaptop, group);
      assertThat(onLaptop.getLong("id")).isEqualTo(first.getLong("id"));
      assertThat(expectGroupText(aliceLaptop, group).getLong("id")).isEqualTo(next.getLong("id"));
      assertThat(groupTextsBeforeHeart(aliceLaptop, alice)).isEmpty();

      assertThat(system.count("SELECT count(*) FROM group_messages WHERE from_id = " + alice + " AND cid = 'g-2'"))
          .isEqualTo(1);
      assertGaplessInDatabase(group);
      for (long user : List.of(alice, bob, carol)) {
        assertInboxDense(user);
      }
    }
  }

  private static List<JsonObject> groupTextsBeforeHeart(TestClient client, long user) {
    return GroupTestSupport.groupTexts(framesBeforeHeart(client, user));
  }

  // ---- sync ----

  @Test
  @DisplayName("after a reconnect, sync catches up one-to-one and group messages together, in cursor order, each "
      + "once, without a gap")
  void syncAfterReconnect() {
    long alice = 8721;
    long bob = 8722;
    long carol = 8723;
    long group = groups.create(alice, "catching up", bob, carol).getLong("group_id");
    long other = groups.create(carol, "another one", bob).getLong("group_id");
    long cursor;
    try (TestClient bobPhone = system.connect(bob)) {
      groups.post(alice, group, "while bob is here", "s-0");
      cursor = expectGroupMessage(bobPhone, group).getLong("cursor");
    }
    List<Long> missed = new ArrayList<>();
    missed.add(groups.post(alice, group, "group 1", "s-1").getLong("id"));
    missed.add(messaging.post(carol, bob, "direct 1", "s-2").getLong("id"));
    missed.add(groups.post(carol, other, "other group 1", "s-3").getLong("id"));
    missed.add(groups.post(bob, group, "bob from his laptop", "s-4").getLong("id"));
    missed.add(messaging.post(bob, alice, "bob to alice", "s-5").getLong("id"));
    missed.add(groups.post(carol, group, "group 2", "s-6").getLong("id"));
    missed.add(messaging.post(alice, bob, "direct 2", "s-7").getLong("id"));

    try (TestClient bobPhone = system.connect(bob)) {
      List<JsonObject> caughtUp = GroupTestSupport.syncAll(bobPhone, cursor);
      assertThat(caughtUp).extracting(m -> m.getLong("id")).containsExactlyElementsOf(missed);
      assertThat(caughtUp).extracting(m -> m.getString("type")).containsExactly("group_text", "text", "group_text",
          "group_text", "text", "group_text", "text");
      assertThat(caughtUp).extracting(m -> m.getLong("cursor"))
          .containsExactlyElementsOf(LongStream.rangeClosed(cursor + 1, cursor + missed.size()).boxed().toList());
      assertThat(caughtUp.get(2).getLong("group_id")).isEqualTo(other);

      // from 0: everything bob holds, both kinds and the system messages, at cursors 1..head
      List<JsonObject> everything = GroupTestSupport.syncAll(bobPhone, 0);
      long head = system.count("SELECT last_cursor FROM inboxes WHERE user_id = " + bob);
      assertThat(everything).extracting(m -> m.getLong("cursor"))
          .containsExactlyElementsOf(LongStream.rangeClosed(1, head).boxed().toList());
      assertThat(everything.subList(everything.size() - missed.size(), everything.size()))
          .extracting(m -> m.getLong("id")).containsExactlyElementsOf(missed);
    }
    assertInboxDense(bob);
  }

  // ---- unread, mentions, mute, read marks ----

  @Test
  @DisplayName("unread and mention counts in the list equal the messages sent; letters is the sum of the unmuted; a "
      + "muted group keeps its count but leaves the total; read lowers both and the sender gets receipts")
  void unreadMentionsMuteAndRead() {
    long alice = 8731;
    long bob = 8732;
    long carol = 8733;
    long dave = 8734;
    long group = groups.create(alice, "counting", bob, carol).getLong("group_id");
    long quiet = groups.create(carol, "quiet corner", bob).getLong("group_id");
    try (TestClient bobPhone = system.connect(bob); TestClient alicePhone = system.connect(alice);
         TestClient carolPhone = system.connect(carol)) {
      List<JsonObject> aliceAcks = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        alicePhone.send(say(group, "plain " + i, "u-a" + i));
        aliceAcks.add(expectAck(alicePhone));
      }
      alicePhone.send(say(group, "@bob look", "u-a3").put("mentions", new JsonArray().add(bob)));
      aliceAcks.add(expectAck(alicePhone));
      alicePhone.send(say(group, "@all listen", "u-a4").put("mention_all", true));
      aliceAcks.add(expectAck(alicePhone));
      carolPhone.send(say(group, "@bob and @alice", "u-c0").put("mentions", new JsonArray().add(bob).add(alice)));
      expectAck(carolPhone);
      carolPhone.send(say(group, "@alice only", "u-c1").put("mentions", new JsonArray().add(alice)));
      expectAck(carolPhone);
      carolPhone.send(say(group, "@someone not here", "u-c2").put("mentions", new JsonArray().add(dave)));
      expectAck(carolPhone);
      // bob's own message counts for nobody's unread of his, and mentioning himself changes nothing
      bobPhone.send(say(group, "me too @bob", "u-b0").put("mentions", new JsonArray().add(bob)));
      expectAck(bobPhone);
      groups.post(carol, quiet, "psst", "u-q0");
      groups.post(carol, quiet, "psst again", "u-q1");
      messaging.post(dave, bob, "direct one", "u-d0");
      messaging.post(dave, bob, "direct two", "u-d1");

      long groupUnread = 8;
      long groupMentions = 3;
      long total = groupUnread + 2 + 2;
      JsonObject letters = bobPhone.expect(frame -> "letters".equals(frame.getString("type"))
          && frame.getLong("countNum") == total, "letters of " + total);
      assertThat(groups.unreadTotal(bob)).isEqualTo(total);
      JsonObject inList = groups.conversation(bob, "group", group);
      assertThat(inList.getLong("unread")).isEqualTo(groupUnread);
      assertThat(inList.getLong("mentions")).isEqualTo(groupMentions);
      assertThat(inList.getString("name")).isEqualTo("counting");
      assertThat(inList.getJsonObject("last").getString("type")).isEqualTo("group_text");
      assertThat(groups.conversation(bob, "group", quiet).getLong("unread")).isEqualTo(2);
      assertThat(groups.conversation(bob, "user", dave).getLong("unread")).isEqualTo(2);
      assertThat(groups.conversation(bob, "user", dave).getJsonObject("last").getString("type")).isEqualTo("text");
      assertThat(groups.unmutedUnread(bob)).isEqualTo(total);
      assertThat(groups.conversation(alice, "group", group).getLong("mentions")).isEqualTo(2);

      // muted: the group keeps its count, the total drops by it and stays put while the group gets more
      JsonObject muted = groups.ok(200, "PUT", "/api/conversations/group/" + group, bob,
          new JsonObject().put("muted", true));
      assertThat(muted.getLong("countNum")).isEqualTo(total - groupUnread);
      alicePhone.send(say(group, "while muted", "u-a5"));
      JsonObject whileMuted = expectAck(alicePhone);
      aliceAcks.add(whileMuted);
      bobPhone.expect(frame -> isGroupText(frame, group) && frame.getLong("id").equals(whileMuted.getLong("id")),
          "the message sent while muted");
      assertThat(groups.unreadTotal(bob)).isEqualTo(total - groupUnread);
      JsonObject mutedInList = groups.conversation(bob, "group", group);
      assertThat(mutedInList.getBoolean("muted")).isTrue();
      assertThat(mutedInList.getLong("unread")).isEqualTo(groupUnread + 1);
      assertThat(groups.unmutedUnread(bob)).isEqualTo(total - groupUnread);
      JsonObject unmuted = groups.ok(200, "PUT", "/api/conversations/group/" + group, bob,
          new JsonObject().put("muted", false));
      assertThat(unmuted.getLong("countNum")).isEqualTo(total + 1);
      long totalNow = total + 1;
      assertThat(letters.getLong("version")).isPositive();

      // read up to alice's mention: what is left is what came after it
      long upTo = aliceAcks.get(3).getLong("seq");
      long readerAfter = system.count("SELECT count(*) FROM group_inbox WHERE user_id = " + bob + " AND group_id = "
          + group + " AND counts AND seq > " + upTo);
      long mentionsAfter = system.count("SELECT count(*) FROM group_inbox WHERE user_id = " + bob + " AND group_id = "
          + group + " AND counts AND mentioned AND seq > " + upTo);
      assertThat(readerAfter).isEqualTo(5);
      assertThat(mentionsAfter).isEqualTo(2);
      bobPhone.send(read(group, upTo));
      JsonObject answer = bobPhone.expectReadAnswer();
      assertThat(answer.getLong("group_id")).isEqualTo(group);
      assertThat(answer.getLong("up_to")).isEqualTo(upTo);
      assertThat(answer.getLong("countNum")).isEqualTo(totalNow - (groupUnread + 1 - readerAfter));
      JsonObject afterRead = groups.conversation(bob, "group", group);
      assertThat(afterRead.getLong("unread")).isEqualTo(readerAfter);
      assertThat(afterRead.getLong("mentions")).isEqualTo(mentionsAfter);
      assertThat(groups.unreadTotal(bob)).isEqualTo(answer.getLong("countNum"));

      // alice hears that one member read her messages up to upTo, and nothing about the later ones
      Map<Long, Long> receipts = receiptsUntil(alicePhone, group, upTo, 1);
      Set<Long> hers = new HashSet<>(aliceAcks.stream().map(a -> a.getLong("seq")).toList());
      assertThat(receipts.keySet()).allSatisfy(seq -> assertThat(hers).contains(seq));
      assertThat(receipts).allSatisfy((seq, count) -> {
        assertThat(seq).isLessThanOrEqualTo(upTo);
        assertThat(count).isEqualTo(1);
      });

      // and reading all of it leaves nothing unread in the group
      bobPhone.send(read(group, null));
      JsonObject all = bobPhone.expectReadAnswer();
      assertThat(all.getLong("countNum")).isEqualTo(4);
      assertThat(groups.conversation(bob, "group", group).getLong("unread")).isZero();
      assertThat(groups.conversation(bob, "group", group).getLong("mentions")).isZero();
      assertThat(groups.unmutedUnread(bob)).isEqualTo(4);
    }
  }

  /**
   * Receipts frames of the group on the sender's connection until the one saying that {@code count} members have read
   * {@code seq}; the newest count of every seq named on the way.
   */
  private static Map<Long, Long> receiptsUntil(TestClient sender, long group, long seq, long count) {
    Map<Long, Long> counts = new HashMap<>();
    while (counts.getOrDefault(seq, 0L) < count) {
      JsonObject frame = sender.expect(f -> "receipts".equals(f.getString("type")) && f.getLong("group_id") == group,
          "receipts of group " + group + " (so far " + counts + ")");
      frame.getJsonArray("reads").forEach(read -> {
        JsonObject entry = (JsonObject) read;
        counts.put(entry.getLong("seq"), entry.getLong("count"));
      });
    }
    return counts;
  }

  @Test
  @DisplayName("eight members reading at once make few receipts frames, whose counts only grow, up to eight")
  void receiptsAreCoalesced() throws Exception {
    long sender = 8741;
    long[] readers = LongStream.rangeClosed(8742, 8749).toArray();
    long group = groups.create(sender, "readers", readers).getLong("group_id");
    ExecutorService readersAtOnce = Executors.newFixedThreadPool(readers.length);
    try (TestClient senderPhone = system.connect(sender)) {
      List<Long> seqs = GroupTestSupport.sendPipelined(senderPhone, group, MessagingTestSupport.texts("read me", 3),
          "r-", 3, acked -> { }).stream().map(ack -> ack.getLong("seq")).toList();
      long startedAt = System.nanoTime();
      List<CompletableFuture<JsonObject>> reads = new ArrayList<>();
      for (long reader : readers) {
        reads.add(CompletableFuture.supplyAsync(() -> groups.ok(200, "POST", "/api/groups/" + group + "/read",
            reader, new JsonObject()), readersAtOnce));
      }
      for (CompletableFuture<JsonObject> done : reads) {
        assertThat(done.get(ChatSystem.AWAIT.toMillis(), TimeUnit.MILLISECONDS).getLong("countNum")).isZero();
      }

      Map<Long, Long> counts = new HashMap<>();
      int frames = 0;
      while (seqs.stream().anyMatch(seq -> counts.getOrDefault(seq, 0L) < readers.length)) {
        JsonObject frame = senderPhone.expect(f -> "receipts".equals(f.getString("type")),
            "receipts (so far " + frames + " frames, " + counts + ")");
        frames++;
        assertThat(frame.getLong("group_id")).isEqualTo(group);
        for (Object read : frame.getJsonArray("reads")) {
          JsonObject entry = (JsonObject) read;
          long seq = entry.getLong("seq");
          assertThat(seqs).as("receipts name only the sender's messages").contains(seq);
          assertThat(entry.getLong("count")).as("count of %d", seq).isGreaterThanOrEqualTo(counts.getOrDefault(seq, 0L))
              .isLessThanOrEqualTo(readers.length);
          counts.put(seq, entry.getLong("count"));
        }
      }
      long spanMillis = (System.nanoTime() - startedAt) / 1_000_000;
      assertThat(frames).as("receipts frames for %d readers", readers.length).isLessThanOrEqualTo(readers.length);
      // at most one frame per flush interval (500 ms), with a little slack for frames bunched up on the way
      assertThat(frames).as("frames within %d ms", spanMillis).isLessThanOrEqualTo((int) (spanMillis / 400) + 2);
      assertThat(groupTextsBeforeHeart(senderPhone, sender)).isEmpty();
    } finally {
      readersAtOnce.shutdownNow();
    }
  }

  // ---- the conversation list ----

  @Test
  @DisplayName("pages of one visit every conversation exactly once, pinned first, then newest activity first")
  void conversationPages() {
    long me = 8751;
    long[] peers = {8752, 8753, 8754, 8755};
    long groupA = groups.create(peers[0], "first group", me).getLong("group_id");
    long groupB = groups.create(peers[1], "second group", me, peers[2]).getLong("group_id");
    // activity, oldest first, each a clock tick after the one before so that no two share a last_active_at
    afterClockTick(messaging.post(peers[2], me, "oldest"));
    afterClockTick(groups.post(peers[0], groupA, "group a", "c-1"));
    afterClockTick(messaging.post(me, peers[3], "to a peer"));
    afterClockTick(groups.post(peers[1], groupB, "group b", "c-2"));
    messaging.post(peers[0], me, "newest");
    groups.ok(200, "PUT", "/api/conversations/user/" + peers[2], me, new JsonObject().put("pinned", true));
    groups.ok(200, "PUT", "/api/conversations/group/" + groupA, me, new JsonObject().put("pinned", true));

    List<JsonObject> paged = groups.conversations(me, 1);
    List<String> visited = paged.stream().map(c -> c.getString("kind") + ":" + c.getLong("id")).toList();
    assertThat(visited).doesNotHaveDuplicates();
    // pinned first (newest of them first), then the others newest first
    assertThat(visited).containsExactly("group:" + groupA, "user:" + peers[2], "user:" + peers[0],
        "group:" + groupB, "user:" + peers[3]);
    assertThat(paged.subList(0, 2)).allSatisfy(c -> assertThat(c.getBoolean("pinned")).isTrue());
    assertThat(paged.subList(2, paged.size())).allSatisfy(c -> assertThat(c.getBoolean("pinned")).isFalse());
    for (int i = 1; i < paged.size(); i++) {
      if (paged.get(i).getBoolean("pinned") == paged.get(i - 1).getBoolean("pinned")) {
        assertThat(paged.get(i).getLong("last_active_at")).isLessThanOrEqualTo(paged.get(i - 1)
            .getLong("last_active_at"));
      }
    }
    assertThat(groups.conversations(me, 100)).extracting(c -> c.getString("kind") + ":" + c.getLong("id"))
        .containsExactlyElementsOf(visited);
    assertThat(groups.conversations(me, 2)).extracting(c -> c.getString("kind") + ":" + c.getLong("id"))
        .containsExactlyElementsOf(visited);
    JsonObject a = paged.get(0);
    assertThat(a.getString("name")).isEqualTo("first group");
    assertThat(a.getJsonObject("last").getString("data")).isEqualTo("group a");
    assertThat(a.getLong("unread")).isEqualTo(1);
  }

  /** Returns once the clock is past the message's created_at (a millisecond at most). */
  private static void afterClockTick(JsonObject stored) {
    long createdAt = stored.getLong("created_at");
    while (System.currentTimeMillis() <= createdAt) {
      Thread.onSpinWait();
    }
  }

  // ---- a seed client among groups ----

  @Test
  @DisplayName("a seed client that knows nothing of groups chats exactly as before while its peer's groups are busy")
  void seedClientAmongGroups() {
    long seed = 8761;
    long alice = 8762;
    long bob = 8763;
    long group = groups.create(alice, "busy", bob).getLong("group_id");
    try (TestClient seedClient = system.open(seed); TestClient alicePhone = system.connect(alice);
         TestClient bobPhone = system.connect(bob)) {
      seedClient.expect("init");
      seedClient.send(new JsonObject().put("type", "bind").put("fromId", seed));
      seedClient.send(new JsonObject().put("type", "heart").put("fromId", seed));
      assertThat(seedClient.expect("heart")).isEqualTo(new JsonObject().put("type", "heart"));

      for (int round = 1; round <= 3; round++) {
        alicePhone.send(say(group, "group round " + round, "seed-g" + round));
        expectAck(alicePhone);
        groups.post(bob, group, "http round " + round, "seed-h" + round);
        // a seed say: no cid, no ack
        seedClient.send(new JsonObject().put("type", "say").put("from_id", seed).put("to_id", alice)
            .put("data", "seed " + round));
        JsonObject onAlice = alicePhone.expect(frame -> "text".equals(frame.getString("type")), "the seed's text");
        assertThat(onAlice.getString("data")).isEqualTo("seed " + round);
        assertThat(onAlice.getLong("seq")).isEqualTo(2L * round - 1);
        assertThat(onAlice.containsKey("group_id")).isFalse();
        alicePhone.send(MessagingTestSupport.say(alice, seed, "alice " + round, "seed-a" + round));
        expectAck(alicePhone);
        JsonObject text = seedClient.expect("text");
        assertThat(text.fieldNames()).doesNotContain("group_id", "kind", "mentioned");
        assertThat(text.getString("data")).isEqualTo("alice " + round);
        assertThat(text.getLong("seq")).isEqualTo(2L * round);
        assertThat(text.getLong("from_id")).isEqualTo(alice);
        assertThat(text.getLong("to_id")).isEqualTo(seed);
        assertThat(seedClient.expect("letters").getLong("countNum")).isEqualTo(round);
      }
      List<JsonObject> rest = framesBeforeHeart(seedClient, seed);
      assertThat(rest).extracting(frame -> frame.getString("type")).allMatch(type -> type.equals("letters"));
      seedClient.send(new JsonObject().put("type", "read").put("peer", alice));
      assertThat(seedClient.expectReadAnswer().getLong("countNum")).isZero();
      JsonObject unread = groups.ok(200, "GET", "/api/messages/unread", seed, null);
      assertThat(unread.getLong("countNum")).isZero();
      assertThat(system.count("SELECT count(*) FROM group_inbox WHERE user_id = " + seed)).isZero();
      assertThat(system.count("SELECT count(*) FROM group_members WHERE user_id = " + seed)).isZero();
    }
  }
}
