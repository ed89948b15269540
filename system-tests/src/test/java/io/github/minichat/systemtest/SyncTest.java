package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.MessagingTestSupport.say;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A client that was away catches up with sync: in order, no gap, no repeat, also while messages keep coming. */
class SyncTest {

  private static ChatSystem system;
  private static MessagingTestSupport support;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("sync");
    support = new MessagingTestSupport(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  private static JsonObject sync(TestClient client, long since, Integer limit) {
    JsonObject request = new JsonObject().put("type", "sync").put("since", since);
    if (limit != null) {
      request.put("limit", limit);
    }
    client.send(request);
    JsonObject reply = client.expect("sync");
    assertThat(reply.fieldNames()).contains("messages", "cursor", "has_more");
    return reply;
  }

  private static List<JsonObject> messages(JsonObject syncReply) {
    JsonArray array = syncReply.getJsonArray("messages");
    List<JsonObject> messages = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      messages.add(array.getJsonObject(i));
    }
    return messages;
  }

  private static List<Long> field(List<JsonObject> messages, String name) {
    return messages.stream().map(message -> message.getLong(name)).toList();
  }

  private static void assertStrictlyIncreasing(List<Long> cursors) {
    for (int i = 1; i < cursors.size(); i++) {
      assertThat(cursors.get(i)).as("cursor %s of %s", i, cursors).isGreaterThan(cursors.get(i - 1));
    }
  }

  /** The recipient's next text, sync, heart or error frame; if the sender's thread failed meanwhile, its failure. */
  private static JsonObject nextFrame(TestClient recipient, CompletableFuture<?> sender) {
    try {
      return recipient.expect(f -> List.of("text", "sync", "error", "heart").contains(f.getString("type")),
          "a text, sync or heart frame");
    } catch (AssertionError e) {
      if (sender.isCompletedExceptionally()) {
        sender.join();
      }
      throw e;
    }
  }

  @Test
  @DisplayName("a user who was offline syncs from 0 and gets, in cursor order, every message sent to them and every "
      + "message they sent from another device")
  void syncFromZeroAfterBeingOffline() {
    // carol is offline; dave writes to her, and carol writes from another device (HTTP) to dave and to erin
    List<Long> expected = new ArrayList<>();
    expected.add(support.post(2102, 2101, "dave 1").getLong("id"));
    expected.add(support.post(2101, 2102, "carol from her phone").getLong("id"));
    expected.add(support.post(2102, 2101, "dave 2").getLong("id"));
    expected.add(support.post(2101, 2103, "carol to erin").getLong("id"));
    expected.add(support.post(2103, 2101, "erin to carol").getLong("id"));
    support.post(2102, 2103, "not carol's business");

    try (TestClient carol = support.connect(2101)) {
      JsonObject reply = sync(carol, 0, null);
      List<JsonObject> messages = messages(reply);
      assertThat(field(messages, "id")).containsExactlyElementsOf(expected);
      assertThat(messages).allSatisfy(message -> assertThat(message.getString("type")).isEqualTo("text"));
      assertThat(field(messages, "from_id")).containsExactly(2102L, 2101L, 2102L, 2101L, 2103L);
      assertThat(field(messages, "to_id")).containsExactly(2101L, 2102L, 2101L, 2103L, 2101L);
      assertThat(messages.get(0).getString("data")).isEqualTo("dave 1");
      List<Long> cursors = field(messages, "cursor");
      assertStrictlyIncreasing(cursors);
      assertThat(reply.getLong("cursor")).isEqualTo(cursors.get(cursors.size() - 1));
      assertThat(reply.getBoolean("has_more")).isFalse();
    }
  }

  @Test
  @DisplayName("after a reconnect, sync since the last cursor returns exactly the messages sent after it")
  void syncAfterReconnectHasNoGapAndNoRepeat() {
    long cursor;
    support.post(2202, 2201, "before 1");
    support.post(2202, 2201, "before 2");
    try (TestClient frank = support.connect(2201)) {
      JsonObject reply = sync(frank, 0, null);
      assertThat(messages(reply)).extracting(message -> message.getString("data"))
          .containsExactly("before 1", "before 2");
      // a live push after the sync carries the next cursor: the client keeps the highest it has seen
      support.post(2202, 2201, "live");
      JsonObject live = MessagingTestSupport.expectText(frank);
      assertThat(live.getString("data")).isEqualTo("live");
      assertThat(live.getLong("cursor")).isEqualTo(reply.getLong("cursor") + 1);
      cursor = live.getLong("cursor");
    }
    // frank's socket is closed; two more messages arrive meanwhile, one from each side
    List<Long> missed = List.of(
        support.post(2202, 2201, "while away").getLong("id"),
        support.post(2201, 2202, "from frank's laptop").getLong("id"));

    try (TestClient frank = support.open(2201)) {
      // a reconnecting client binds and syncs at once; should a push of a missed message still be under way, it
      // arrives before the sync reply and the reply leaves it out, so the client sees each message once
      frank.expect("init");
      frank.send(new JsonObject().put("type", "bind").put("fromId", 2201));
      frank.send(new JsonObject().put("type", "sync").put("since", cursor));
      List<JsonObject> messages = new ArrayList<>();
      JsonObject reply;
      while (true) {
        JsonObject frame = frank.expect(f -> List.of("text", "sync").contains(f.getString("type")), "text or sync");
        if (frame.getString("type").equals("sync")) {
          reply = frame;
          break;
        }
        messages.add(frame);
      }
      assertStrictlyIncreasing(field(messages(reply), "cursor"));
      messages.addAll(messages(reply));
      long replyCursor = reply.getLong("cursor");
      assertThat(field(messages, "id")).containsExactlyInAnyOrderElementsOf(missed);
      assertThat(field(messages, "cursor")).doesNotHaveDuplicates()
          .allSatisfy(c -> assertThat(c).isGreaterThan(cursor).isLessThanOrEqualTo(replyCursor));
      assertThat(reply.getBoolean("has_more")).isFalse();

      // caught up: the next sync from the new cursor is empty and keeps the cursor
      JsonObject again = sync(frank, reply.getLong("cursor"), null);
      assertThat(messages(again)).isEmpty();
      assertThat(again.getLong("cursor")).isEqualTo(reply.getLong("cursor"));
      assertThat(again.getBoolean("has_more")).isFalse();
    }
  }

  @Test
  @DisplayName("a message already pushed on the connection before its first sync is not repeated by that sync")
  void syncDoesNotRepeatEarlierPushes() {
    long missed = support.post(2502, 2501, "while offline").getLong("id");
    try (TestClient kate = support.connect(2501)) {
      JsonObject pushed = support.post(2502, 2501, "pushed right after connecting");
      assertThat(MessagingTestSupport.expectText(kate).getLong("id")).isEqualTo(pushed.getLong("id"));

      JsonObject reply = sync(kate, 0, null);
      assertThat(field(messages(reply), "id")).containsExactly(missed);
      // the cursor still covers the pushed message, so the next sync starts after it
      assertThat(reply.getLong("cursor")).isEqualTo(2);
      assertThat(reply.getBoolean("has_more")).isFalse();
    }
  }

  @Test
  @DisplayName("with more messages than the limit, sync pages come with has_more true, true, false and together "
      + "hold every message exactly once")
  void syncPages() {
    List<Long> sent = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      sent.add(support.post(2302, 2301, "page message " + i).getLong("id"));
    }
    try (TestClient gina = support.connect(2301)) {
      List<Long> received = new ArrayList<>();
      List<Boolean> hasMore = new ArrayList<>();
      List<Integer> sizes = new ArrayList<>();
      long cursor = 0;
      do {
        JsonObject reply = sync(gina, cursor, 10);
        List<JsonObject> messages = messages(reply);
        received.addAll(field(messages, "id"));
        sizes.add(messages.size());
        hasMore.add(reply.getBoolean("has_more"));
        assertThat(reply.getLong("cursor")).isGreaterThan(cursor);
        cursor = reply.getLong("cursor");
      } while (hasMore.get(hasMore.size() - 1) && hasMore.size() < 10);

      assertThat(hasMore).containsExactly(true, true, false);
      assertThat(sizes).containsExactly(10, 10, 5);
      assertThat(received).containsExactlyElementsOf(sent);
    }
  }

  @Test
  @DisplayName("a recipient that connects during a flood, is pushed messages, syncs from 0 and keeps receiving live "
      + "pushes sees every stored message exactly once")
  void syncDuringFlood() throws Exception {
    long sender = 2401;
    long recipient = 2402;
    int flood = 200;
    String marker = "the end";
    CountDownLatch midFlood = new CountDownLatch(1);
    CountDownLatch recipientBound = new CountDownLatch(1);
    // the sender's own inbox is ahead of the recipient's, so a sender cursor on a push would show
    for (int i = 0; i < 5; i++) {
      support.post(sender, 2403, "elsewhere " + i);
    }

    try (TestClient henry = support.connect(sender)) {
      // the sender pipelines its sends from another thread while this one plays the recipient
      CompletableFuture<List<JsonObject>> acks = CompletableFuture.supplyAsync(() -> {
        List<JsonObject> floodAcks = MessagingTestSupport.sendPipelined(henry, sender, recipient,
            MessagingTestSupport.texts("flood", flood), "f-", 16, acked -> {
              if (acked == 40) {
                // hold the flood until the recipient is bound, so that it is pushed messages before it syncs
                midFlood.countDown();
                awaitLatch(recipientBound, "recipient bound");
              }
            });
        // every flood message is stored now; the marker is stored after all of them
        henry.send(say(sender, recipient, marker, "f-marker"));
        MessagingTestSupport.expectAck(henry);
        return floodAcks;
      });
      awaitLatch(midFlood, "flood started");

      Map<Long, Integer> timesSeen = new HashMap<>();
      Map<Long, Long> cursorById = new HashMap<>();
      List<Long> synced = new ArrayList<>();
      List<Long> live = new ArrayList<>();
      int liveBeforeSync = 0;
      try (TestClient iris = support.open(recipient)) {
        iris.expect("init");
        iris.send(new JsonObject().put("type", "bind").put("fromId", recipient));
        // the heart answer says the bind is done (frames are handled in order)
        iris.send(new JsonObject().put("type", "heart").put("fromId", recipient));
        boolean syncRequested = false;
        boolean syncing = false;
        boolean markerSeen = false;
        long lastSyncCursor = -1;
        while (!syncRequested || syncing || !markerSeen) {
          JsonObject frame = nextFrame(iris, acks);
          switch (frame.getString("type")) {
            case "error" -> fail("error frame during the flood: " + frame);
            case "heart" -> recipientBound.countDown();
            case "sync" -> {
              List<JsonObject> messages = messages(frame);
              for (JsonObject message : messages) {
                synced.add(message.getLong("id"));
                timesSeen.merge(message.getLong("id"), 1, Integer::sum);
                cursorById.put(message.getLong("id"), message.getLong("cursor"));
                markerSeen |= marker.equals(message.getString("data"));
              }
              assertStrictlyIncreasing(field(messages, "cursor"));
              assertThat(frame.getLong("cursor")).isGreaterThanOrEqualTo(lastSyncCursor);
              lastSyncCursor = frame.getLong("cursor");
              if (frame.getBoolean("has_more")) {
                iris.send(new JsonObject().put("type", "sync").put("since", lastSyncCursor));
              } else {
                syncing = false;
              }
            }
            default -> {
              assertThat(frame.getLong("cursor")).as("cursor of a pushed text").isPositive();
              if (syncRequested && !syncing) {
                // after the last sync page, pushes continue beyond its cursor
                assertThat(frame.getLong("cursor")).isGreaterThan(lastSyncCursor);
              }
              live.add(frame.getLong("id"));
              timesSeen.merge(frame.getLong("id"), 1, Integer::sum);
              cursorById.put(frame.getLong("id"), frame.getLong("cursor"));
              markerSeen |= marker.equals(frame.getString("data"));
              if (!syncRequested) {
                // like a client that catches up as soon as it is connected, after a first push came in
                liveBeforeSync++;
                iris.send(new JsonObject().put("type", "sync").put("since", 0));
                syncRequested = true;
                syncing = true;
              }
            }
          }
        }
      }
      List<JsonObject> floodAcks = acks.get(ChatSystem.AWAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(floodAcks).hasSize(flood);

      Map<Long, Integer> duplicates = timesSeen.entrySet().stream().filter(entry -> entry.getValue() > 1)
          .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
      assertThat(duplicates).as("ids seen more than once (synced %s, live %s)", synced.size(), live.size()).isEmpty();
      List<Long> stored = support.longs(
          "SELECT id FROM messages WHERE from_id = " + sender + " AND to_id = " + recipient + " ORDER BY id");
      assertThat(stored).hasSize(flood + 1);
      assertThat(timesSeen.keySet()).containsExactlyInAnyOrderElementsOf(stored);
      // the recipient's inbox holds only this conversation: its cursors are 1..201 without a gap
      assertThat(cursorById.values())
          .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, flood + 1).boxed().toList());
      assertThat(liveBeforeSync).as("pushes before the sync").isPositive();
      assertThat(synced).as("messages stored before the recipient connected come by sync").isNotEmpty();
    }
  }

  private static void awaitLatch(CountDownLatch latch, String what) {
    try {
      assertThat(latch.await(ChatSystem.AWAIT.toMillis(), TimeUnit.MILLISECONDS)).as(what).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
