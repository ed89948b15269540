package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.UnreadPresenceSupport.call;
import static io.github.minichat.systemtest.UnreadPresenceSupport.connect;
import static io.github.minichat.systemtest.UnreadPresenceSupport.framesUntil;
import static io.github.minichat.systemtest.UnreadPresenceSupport.ofType;
import static io.github.minichat.systemtest.UnreadPresenceSupport.online;
import static io.github.minichat.systemtest.UnreadPresenceSupport.say;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.systemtest.ChatSystem.HttpResult;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The unread count: pushed as letters, served by the API, never drifting from the rows, and the read rules. */
class UnreadTest {

  private static ChatSystem system;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("unread");
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  @Test
  @DisplayName("each unread message pushes letters with the new count and a growing version, and the API agrees")
  void lettersPerMessage() {
    long me = 1001;
    long first = 1002;
    long second = 1003;
    try (TestClient recipient = connect(system, me); TestClient sender = connect(system, first)) {
      long lastVersion = 0;
      for (int n = 1; n <= 3; n++) {
        if (n < 3) {
          sender.send(say(first, me, "hello " + n, "a-" + n));
          sender.expect("ack");
        } else {
          // the HTTP send path counts the same way as say
          HttpResult sent = call(system, HttpMethod.POST, "/api/messages", second,
              new JsonObject().put("to_id", me).put("message", "hello over http").put("is_read", 1));
          assertThat(sent.status()).isEqualTo(201);
        }
        JsonObject letters = recipient.expect("letters");
        assertThat(letters.fieldNames()).containsExactlyInAnyOrder("type", "countNum", "version");
        assertThat(letters.getLong("countNum")).isEqualTo(n);
        assertThat(letters.getLong("version")).isGreaterThan(lastVersion);
        lastVersion = letters.getLong("version");
      }

      HttpResult unread = call(system, HttpMethod.GET, "/api/messages/unread", me, null);
      assertThat(unread.status()).isEqualTo(200);
      JsonObject body = unread.json();
      assertThat(body.getLong("countNum")).isEqualTo(3);
      JsonObject peers = body.getJsonObject("peers");
      assertThat(peers.fieldNames()).containsExactlyInAnyOrder(Long.toString(first), Long.toString(second));
      assertThat(peers.getLong(Long.toString(first))).isEqualTo(2);
      assertThat(peers.getLong(Long.toString(second))).isEqualTo(1);
      assertThat(system.count("SELECT count(*) FROM messages WHERE to_id = " + me + " AND NOT is_read")).isEqualTo(3);
    }
  }

  @Test
  @DisplayName("with four concurrent senders and concurrent read marks the count equals the rows; letters only grow")
  void concurrentSendersAndReads() {
    long me = 1100;
    long[] senders = {1101, 1102, 1103, 1104};
    int perSender = 50;
    int total = senders.length * perSender;
    List<TestClient> senderSockets = new ArrayList<>();
    try (TestClient recipient = connect(system, me)) {
      for (long sender : senders) {
        senderSockets.add(connect(system, sender));
      }
      // all senders fire all their messages at once, interleaved; each socket's sends run concurrently with the others
      for (int i = 0; i < perSender; i++) {
        for (int s = 0; s < senders.length; s++) {
          senderSockets.get(s).send(say(senders[s], me, "msg " + senders[s] + "/" + i, senders[s] + "-" + i));
        }
      }

      // meanwhile the recipient marks conversations read up to what it has seen, every 20 messages
      List<JsonObject> letters = new ArrayList<>();
      int texts = 0;
      int readsSent = 0;
      int readsAnswered = 0;
      while (texts < total || readsAnswered < readsSent) {
        JsonObject frame = recipient.expect(any -> true, "frames for the recipient (texts " + texts + "/" + total
            + ", reads " + readsAnswered + "/" + readsSent + ")");
        switch (frame.getString("type")) {
          case "text" -> {
            texts++;
            if (texts % 20 == 0) {
              recipient.send(new JsonObject().put("type", "read").put("peer", frame.getLong("from_id"))
                  .put("up_to", frame.getLong("id")));
              readsSent++;
            }
          }
          case "letters" -> letters.add(frame);
          case "read" -> readsAnswered++;
          default -> throw new AssertionError("unexpected frame " + frame);
        }
      }
      for (TestClient sender : senderSockets) {
        for (int i = 0; i < perSender; i++) {
          sender.expect("ack");
        }
      }

      long rows = system.count("SELECT count(*) FROM messages WHERE to_id = " + me + " AND NOT is_read");
      long inbox = system.count("SELECT unread FROM inboxes WHERE user_id = " + me);
      long version = system.count("SELECT unread_version FROM inboxes WHERE user_id = " + me);
      assertThat(system.count("SELECT count(*) FROM messages WHERE to_id = " + me)).isEqualTo(total);
      assertThat(rows).as("some read, some still unread").isBetween(1L, (long) total - 1);
      assertThat(inbox).isEqualTo(rows);
      HttpResult unread = call(system, HttpMethod.GET, "/api/messages/unread", me, null);
      assertThat(unread.json().getLong("countNum")).isEqualTo(rows);
      long perPeer = unread.json().getJsonObject("peers").stream()
          .mapToLong(entry -> ((Number) entry.getValue()).longValue()).sum();
      assertThat(perPeer).isEqualTo(rows);

      // the push of the last change carries the final version; wait for it, keeping every letters frame on the way
      if (letters.isEmpty() || letters.get(letters.size() - 1).getLong("version") < version) {
        List<JsonObject> rest = framesUntil(recipient,
            frame -> "letters".equals(frame.getString("type")) && frame.getLong("version") == version,
            "letters with version " + version);
        rest.stream().filter(ofType("letters")).forEach(letters::add);
      }
      for (int i = 1; i < letters.size(); i++) {
        assertThat(letters.get(i).getLong("version")).as("version of letters #%d after %s", i, letters.get(i - 1))
            .isGreaterThan(letters.get(i - 1).getLong("version"));
      }
      JsonObject last = letters.get(letters.size() - 1);
      assertThat(last.getLong("version")).isEqualTo(version);
      assertThat(last.getLong("countNum")).isEqualTo(rows);
    } finally {
      senderSockets.forEach(TestClient::close);
    }
  }

  @Test
  @DisplayName("read frames, POST read and loading history mark only the caller's own messages from that peer read")
  void readRules() {
    long me = 1201;
    long first = 1202;
    long second = 1203;
    long stranger = 1204;
    try (TestClient recipient = connect(system, me); TestClient one = connect(system, first);
         TestClient two = connect(system, second); TestClient other = connect(system, stranger)) {
      List<Long> fromFirst = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        one.send(say(first, me, "one " + i, "one-" + i));
        fromFirst.add(one.expect("ack").getLong("id"));
      }
      // the stranger has a conversation of its own with the first peer, so it has an inbox to mark in
      one.send(say(first, stranger, "hello stranger", "one-x"));
      long toStranger = one.expect("ack").getLong("id");
      List<Long> fromSecond = new ArrayList<>();
      for (int i = 1; i <= 2; i++) {
        two.send(say(second, me, "two " + i, "two-" + i));
        fromSecond.add(two.expect("ack").getLong("id"));
      }
      recipient.expect(frame -> "letters".equals(frame.getString("type")) && frame.getLong("countNum") == 5,
          "letters with countNum 5");

      // read up to the second message of the first peer: the third one and the other peer's stay unread
      recipient.send(new JsonObject().put("type", "read").put("peer", first).put("up_to", fromFirst.get(1)));
      // the answer and the letters push travel separately: take both, in whichever order they come
      Map<String, JsonObject> answered = both(recipient, "read", "letters");
      JsonObject read = answered.get("read");
      assertThat(read.getLong("peer")).isEqualTo(first);
      assertThat(read.getLong("up_to")).isEqualTo(fromFirst.get(1));
      assertThat(read.getLong("countNum")).isEqualTo(3);
      assertThat(isRead(fromFirst.get(0))).isTrue();
      assertThat(isRead(fromFirst.get(1))).isTrue();
      assertThat(isRead(fromFirst.get(2))).isFalse();
      assertThat(isRead(fromSecond.get(0))).isFalse();
      assertThat(isRead(fromSecond.get(1))).isFalse();
      assertThat(answered.get("letters").getLong("countNum")).isEqualTo(3);

      // nobody else can mark the recipient's messages: not a stranger, not the sender itself, not over any path
      HttpResult byStranger = call(system, HttpMethod.POST, "/api/messages/read", stranger,
          new JsonObject().put("peer", first));
      assertThat(byStranger.status()).isEqualTo(200);
      assertThat(byStranger.json().getLong("countNum")).isZero();
      assertThat(isRead(toStranger)).as("the stranger's own message from that peer").isTrue();
      HttpResult bySender = call(system, HttpMethod.POST, "/api/messages/read", first,
          new JsonObject().put("peer", me));
      assertThat(bySender.json().getLong("countNum")).isZero();
      one.send(new JsonObject().put("type", "read").put("peer", me).put("up_to", fromFirst.get(2)));
      assertThat(one.expectReadAnswer().getLong("countNum")).isZero();
      other.send(new JsonObject().put("type", "read").put("peer", second));
      assertThat(other.expectReadAnswer().getLong("countNum")).isZero();
      assertThat(unreadRows(me)).isEqualTo(3);
      assertThat(isRead(fromFirst.get(2))).isFalse();

      // POST read without up_to marks everything from that peer
      HttpResult posted = call(system, HttpMethod.POST, "/api/messages/read", me, new JsonObject().put("peer", second));
      assertThat(posted.status()).isEqualTo(200);
      assertThat(posted.json()).isEqualTo(new JsonObject().put("countNum", 1L));
      assertThat(isRead(fromSecond.get(0))).isTrue();
      assertThat(isRead(fromSecond.get(1))).isTrue();
      JsonObject afterPost = recipient.expect("letters");
      assertThat(afterPost.getLong("countNum")).isEqualTo(1);

      // peeking at the history with mark_read=false leaves the last one unread
      HttpResult peek = call(system, HttpMethod.GET, "/api/messages?peer=" + first + "&mark_read=false", me, null);
      assertThat(peek.status()).isEqualTo(200);
      List<JsonObject> peeked = messages(peek);
      assertThat(peeked).extracting(message -> message.getLong("id")).containsExactlyElementsOf(fromFirst);
      assertThat(peeked.get(2).getInteger("is_read")).isZero();
      assertThat(isRead(fromFirst.get(2))).isFalse();
      assertThat(unreadRows(me)).isEqualTo(1);

      // loading the history marks the conversation read and pushes the lower count
      HttpResult load = call(system, HttpMethod.GET, "/api/messages?peer=" + first, me, null);
      assertThat(load.status()).isEqualTo(200);
      assertThat(messages(load)).extracting(message -> message.getInteger("is_read")).containsOnly(1);
      assertThat(isRead(fromFirst.get(2))).isTrue();
      assertThat(unreadRows(me)).isZero();
      // the peek pushed nothing: the next letters frame is the one of the load, with count 0
      List<JsonObject> frames = framesUntil(recipient, ofType("letters"), "letters after loading the history");
      JsonObject afterLoad = frames.get(frames.size() - 1);
      assertThat(afterLoad.getLong("countNum")).isZero();
      assertThat(afterLoad.getLong("version")).isGreaterThan(afterPost.getLong("version"));
      assertThat(system.count("SELECT unread FROM inboxes WHERE user_id = " + me)).isZero();
      HttpResult unread = call(system, HttpMethod.GET, "/api/messages/unread", me, null);
      assertThat(unread.json().getLong("countNum")).isZero();
      assertThat(unread.json().getJsonObject("peers").isEmpty()).isTrue();
    }
  }

  @Test
  @DisplayName("a message from the peer whose chat is open (last online query) arrives read and leaves the count alone")
  void openChatReadsOnArrival() {
    long me = 1301;
    long peer = 1302;
    long elsewhere = 1303;
    try (TestClient recipient = connect(system, me)) {
      // opening the chat page: the seed client asks whether the peer is online. The peer is not connected yet, so
      // no push about them can pass for the answer, which comes once the open chat is recorded.
      recipient.send(online(me, peer));
      JsonObject peerOffline = recipient.expect(frame -> "online".equals(frame.getString("type"))
          && frame.getLong("user_id") == peer, "the online answer about the peer");
      assertThat(peerOffline.getBoolean("online")).isFalse();
      try (TestClient sender = connect(system, peer)) {
        JsonObject peerOnline = recipient.expect(frame -> "online".equals(frame.getString("type"))
            && frame.getLong("user_id") == peer, "the push of the peer coming online");
        assertThat(peerOnline.getBoolean("online")).isTrue();
        messagesFromAnOpenChat(recipient, sender, me, peer, elsewhere);
      }
    }
  }

  /** The peer's first message comes while the chat is open, the second after the recipient opened another. */
  private void messagesFromAnOpenChat(TestClient recipient, TestClient sender, long me, long peer, long elsewhere) {
    sender.send(say(peer, me, "seen at once", "open-1"));
    long seenId = sender.expect("ack").getLong("id");
    // no letters may come with it (checked on every frame until the second message's letters)
    List<JsonObject> frames = new ArrayList<>(framesUntil(recipient, ofType("text"), "the first text"));
    JsonObject seen = frames.get(frames.size() - 1);
    assertThat(seen.getLong("id")).isEqualTo(seenId);
    assertThat(seen.getInteger("is_read")).isEqualTo(1);
    assertThat(isRead(seenId)).isTrue();
    assertThat(unreadRows(me)).isZero();
    assertThat(call(system, HttpMethod.GET, "/api/messages/unread", me, null).json().getLong("countNum")).isZero();

    // the recipient opens another chat: messages from the first peer count as unread again
    recipient.send(online(me, elsewhere));
    // (wait for the answer itself, whatever comes before it)
    frames.addAll(framesUntil(recipient, frame -> "online".equals(frame.getString("type"))
        && frame.getLong("user_id") == elsewhere, "the online answer about the other user"));
    assertThat(frames.get(frames.size() - 1).getBoolean("online")).isFalse();

    sender.send(say(peer, me, "waits for later", "open-2"));
    long laterId = sender.expect("ack").getLong("id");
    // the first message pushed no letters: the first letters frame is this one's, with count 1
    frames.addAll(framesUntil(recipient, ofType("letters"), "letters for the second message"));
    assertThat(frames).filteredOn(ofType("letters")).singleElement()
        .satisfies(letters -> assertThat(letters.getLong("countNum")).isEqualTo(1));
    assertThat(frames).filteredOn(ofType("text")).hasSize(2).last()
        .satisfies(text -> {
          assertThat(text.getLong("id")).isEqualTo(laterId);
          assertThat(text.getInteger("is_read")).isZero();
        });
    assertThat(isRead(laterId)).isFalse();
    assertThat(unreadRows(me)).isEqualTo(1);
    assertThat(system.count("SELECT unread FROM inboxes WHERE user_id = " + me)).isEqualTo(1);
  }

  /** Waits for one frame of each of two types that may arrive in either order; other frames are skipped. */
  private static Map<String, JsonObject> both(TestClient client, String type, String otherType) {
    Map<String, JsonObject> found = new HashMap<>();
    while (found.size() < 2) {
      JsonObject frame = client.expect(any -> (type.equals(any.getString("type"))
              || otherType.equals(any.getString("type"))) && !found.containsKey(any.getString("type")),
          "a '" + type + "' and a '" + otherType + "' frame");
      found.put(frame.getString("type"), frame);
    }
    return found;
  }

  private static boolean isRead(long messageId) {
    return system.count("SELECT CASE WHEN is_read THEN 1 ELSE 0 END FROM messages WHERE id = " + messageId) == 1;
  }

  private static long unreadRows(long userId) {
    return system.count("SELECT count(*) FROM messages WHERE to_id = " + userId + " AND NOT is_read");
  }

  private static List<JsonObject> messages(HttpResult result) {
    List<JsonObject> messages = new ArrayList<>();
    result.json().getJsonArray("messages").forEach(message -> messages.add((JsonObject) message));
    return messages;
  }
}
