package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every frame the server refuses is answered with {@code {"type":"error","code","message","ref"}}, never dropped in
 * silence, and the connection goes on working afterwards.
 */
class ErrorFramesTest {

  private static final int MAX_TEXT = 50;
  private static final int MAX_FRAME_BYTES = 4096;

  private static ChatSystem system;
  private static RaceFreeSockets sockets;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("errorframes", Map.of(
        "CHAT_MAX_TEXT_LENGTH", Integer.toString(MAX_TEXT),
        "CHAT_MAX_PRESENCE_SUBSCRIPTIONS", "3",
        "CHAT_MAX_FRAME_BYTES", Integer.toString(MAX_FRAME_BYTES)));
    sockets = new RaceFreeSockets(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  private static JsonObject say(long from, Object to, Object data) {
    JsonObject frame = new JsonObject().put("type", "say").put("from_id", from);
    if (to != null) {
      frame.put("to_id", to);
    }
    if (data != null) {
      frame.put("data", data);
    }
    return frame;
  }

  /** The refused frame's error is the next frame, with the right code and ref, and the socket still works. */
  private static JsonObject refused(TestClient client, long userId, String code, Object ref) {
    JsonObject error = RaceFreeSockets.next(client);
    assertThat(error.getString("type")).as("answer %s", error).isEqualTo("error");
    assertThat(error.getString("code")).as("code of %s", error).isEqualTo(code);
    assertThat(error.getValue("ref")).as("ref of %s", error).isEqualTo(ref);
    assertThat(error.getString("message")).as("message of %s", error).isNotBlank();
    assertThat(error.containsKey("ref")).isTrue();
    RaceFreeSockets.assertAlive(client, userId);
    return error;
  }

  @Test
  @DisplayName("text that is not a JSON object (bad JSON, an array, a number) is answered invalid_json")
  void invalidJson() {
    try (TestClient client = sockets.connect(501)) {
      for (String text : new String[] {"{not json", "[1,2]", "42", "\"type\"", "", "null"}) {
        client.sendRaw(text);
        refused(client, 501, "invalid_json", null);
      }
    }
  }

  @Test
  @DisplayName("a binary frame is answered invalid_json, even if its bytes are a valid frame")
  void binaryFrame() {
    try (TestClient client = sockets.connect(502)) {
      client.socket().writeBinaryMessage(Buffer.buffer(RaceFreeSockets.heart(502).encode()));
      refused(client, 502, "invalid_json", null);
    }
  }

  @Test
  @DisplayName("a frame without a type, or with a type that is not a string, is answered invalid_field")
  void missingOrNonStringType() {
    try (TestClient client = sockets.connect(503)) {
      client.send(new JsonObject().put("fromId", 503));
      refused(client, 503, "invalid_field", null);
      client.send(new JsonObject().put("type", 7));
      refused(client, 503, "invalid_field", null);
      client.send(new JsonObject().put("type", new JsonArray().add("say")));
      refused(client, 503, "invalid_field", null);
      client.send(new JsonObject().putNull("type"));
      refused(client, 503, "invalid_field", null);
    }
  }

  @Test
  @DisplayName("an unknown type is answered unknown_type with the type as ref")
  void unknownType() {
    try (TestClient client = sockets.connect(504)) {
      client.send(new JsonObject().put("type", "dance"));
      refused(client, 504, "unknown_type", "dance");
      client.send(new JsonObject().put("type", "SAY").put("to_id", 505).put("data", "caps"));
      refused(client, 504, "unknown_type", "SAY");
    }
  }

  @Test
  @DisplayName("a say with a bad to_id (not a number, negative, zero, fractional, missing) is answered invalid_field")
  void sayWithBadRecipient() {
    try (TestClient client = sockets.connect(511)) {
      for (Object to : new Object[] {"abc", -3, 0, 1.5, "", true}) {
        client.send(say(511, to, "hello " + to));
        refused(client, 511, "invalid_field", "say");
      }
      client.send(say(511, null, "no recipient"));
      refused(client, 511, "invalid_field", "say");
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 511")).isZero();
    }
  }

  @Test
  @DisplayName("a say without data, with empty data or with non-string data is answered invalid_field")
  void sayWithBadData() {
    try (TestClient client = sockets.connect(512)) {
      client.send(say(512, 513, null));
      refused(client, 512, "invalid_field", "say");
      client.send(say(512, 513, ""));
      refused(client, 512, "invalid_field", "say");
      client.send(say(512, 513, 42));
      refused(client, 512, "invalid_field", "say");
      client.send(say(512, 513, new JsonObject().put("text", "nested")));
      refused(client, 512, "invalid_field", "say");
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 512")).isZero();
    }
  }

  @Test
  @DisplayName("a say to oneself is answered self_message and stores nothing")
  void sayToOneself() {
    try (TestClient client = sockets.connect(514)) {
      client.send(say(514, 514, "note to self"));
      refused(client, 514, "self_message", "say");
      client.send(say(514, "514", "note to self, id as a string").put("cid", "self-1"));
      refused(client, 514, "self_message", "self-1");
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 514")).isZero();
    }
  }

  @Test
  @DisplayName("text length is counted in characters: 50 emoji pass, 51 are answered text_too_long")
  void textTooLong() {
    String fifty = "😀".repeat(MAX_TEXT);
    String fiftyOne = fifty + "😀";
    try (TestClient client = sockets.connect(521); TestClient peer = sockets.connect(522)) {
      client.send(say(521, 522, fiftyOne).put("cid", "long-51"));
      refused(client, 521, "text_too_long", "long-51");
      client.send(say(521, 522, "x".repeat(MAX_TEXT + 1)));
      refused(client, 521, "text_too_long", "say");

      client.send(say(521, 522, fifty).put("cid", "long-50"));
      JsonObject ack = client.expect("ack");
      assertThat(ack.getString("cid")).isEqualTo("long-50");
      assertThat(peer.expect("text").getString("data")).isEqualTo(fifty);
      // 50 code points stored (100 UTF-16 chars, 200 UTF-8 bytes), and only that one message
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 521")).isEqualTo(1);
      assertThat(system.count("SELECT char_length(body) FROM messages WHERE from_id = 521")).isEqualTo(MAX_TEXT);
    }
  }

  @Test
  @DisplayName("before bind only bind and heart are accepted: other known frames are answered not_bound")
  void notBound() {
    try (TestClient client = sockets.open(531); TestClient peer = sockets.connect(532)) {
      client.expect("init");
      RaceFreeSockets.assertAlive(client, 531);
      client.send(say(531, 532, "too early"));
      refused(client, 531, "not_bound", "say");
      client.send(new JsonObject().put("type", "online").put("from_id", 531).put("to_id", 532));
      refused(client, 531, "not_bound", "online");
      client.send(new JsonObject().put("type", "sync").put("since", 0));
      refused(client, 531, "not_bound", "sync");
      client.send(new JsonObject().put("type", "read").put("peer", 532));
      refused(client, 531, "not_bound", "read");
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 531")).isZero();

      // after bind the same socket chats normally
      client.send(new JsonObject().put("type", "bind").put("fromId", 531));
      client.send(say(531, 532, "now bound").put("cid", "bound-1"));
      assertThat(client.expect("ack").getString("cid")).isEqualTo("bound-1");
      assertThat(peer.expect("text").getString("data")).isEqualTo("now bound");
    }
  }

  @Test
  @DisplayName("online about more distinct peers than allowed is answered too_many_subscriptions; re-asking is fine")
  void tooManySubscriptions() {
    try (TestClient client = sockets.connect(541)) {
      for (long peer = 542; peer <= 544; peer++) {
        client.send(new JsonObject().put("type", "online").put("from_id", 541).put("to_id", peer));
        assertThat(RaceFreeSockets.next(client).getLong("user_id")).isEqualTo(peer);
      }
      client.send(new JsonObject().put("type", "online").put("from_id", 541).put("to_id", 545));
      refused(client, 541, "too_many_subscriptions", "online");

      // peers already subscribed may be asked again, as often as the chat page likes
      for (long peer : new long[] {542, 544, 542}) {
        client.send(new JsonObject().put("type", "online").put("from_id", 541).put("to_id", peer));
        JsonObject answer = RaceFreeSockets.next(client);
        assertThat(answer.getString("type")).as("answer %s", answer).isEqualTo("online");
        assertThat(answer.getLong("user_id")).isEqualTo(peer);
      }
      client.send(new JsonObject().put("type", "online").put("from_id", 541).put("to_id", 546));
      refused(client, 541, "too_many_subscriptions", "online");
    }
  }

  @Test
  @DisplayName("a cid reused by the same sender for a different text is answered cid_conflict with the cid as ref")
  void cidConflict() {
    try (TestClient client = sockets.connect(551); TestClient peer = sockets.connect(552)) {
      client.send(say(551, 552, "first text").put("cid", "dup-1"));
      JsonObject ack = client.expect("ack");
      assertThat(peer.expect("text").getString("data")).isEqualTo("first text");

      client.send(say(551, 552, "another text").put("cid", "dup-1"));
      refused(client, 551, "cid_conflict", "dup-1");
      // the same cid to another peer is a conflict too
      client.send(say(551, 553, "first text").put("cid", "dup-1"));
      refused(client, 551, "cid_conflict", "dup-1");

      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 551")).isEqualTo(1);
      assertThat(system.count("SELECT id FROM messages WHERE from_id = 551 AND cid = 'dup-1'"))
          .isEqualTo(ack.getLong("id"));
      // the peer got nothing but the first message: a marker arrives next
      client.send(say(551, 552, "marker").put("cid", "dup-2"));
      JsonObject next = peer.expect(frame -> "text".equals(frame.getString("type")), "the marker");
      assertThat(next.getString("data")).isEqualTo("marker");
    }
  }

  @Test
  @DisplayName("a read with a bad or missing peer, or a bad up_to, is answered invalid_field")
  void readWithBadPeer() {
    try (TestClient client = sockets.connect(561)) {
      for (Object peer : new Object[] {"abc", -1, 0, 2.5}) {
        client.send(new JsonObject().put("type", "read").put("peer", peer));
        refused(client, 561, "invalid_field", "read");
      }
      client.send(new JsonObject().put("type", "read"));
      refused(client, 561, "invalid_field", "read");
      client.send(new JsonObject().put("type", "read").put("peer", 562).put("up_to", "latest"));
      refused(client, 561, "invalid_field", "read");

      // a good read afterwards is answered
      client.send(new JsonObject().put("type", "read").put("peer", 562));
      JsonObject answer = client.expectReadAnswer();
      assertThat(answer.getLong("countNum")).isZero();
    }
  }

  @Test
  @DisplayName("a frame larger than CHAT_MAX_FRAME_BYTES closes the socket with 1009 (message too big)")
  void frameTooLarge() {
    try (TestClient client = sockets.connect(571); TestClient other = sockets.connect(572)) {
      client.send(say(571, 572, "y".repeat(MAX_FRAME_BYTES)));
      assertThat(client.awaitClose()).isEqualTo((short) 1009);
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 571")).isZero();
      // the server is unharmed: other sockets go on
      RaceFreeSockets.assertAlive(other, 572);
    }
  }

  @Test
  @DisplayName("a message of small frames adding up to more than CHAT_MAX_FRAME_BYTES also closes with 1009")
  void fragmentedMessageTooLarge() {
    try (TestClient client = sockets.connect(573)) {
      // each fragment fits the frame limit; together they exceed the message limit (the same number)
      String half = say(573, 574, "w".repeat(MAX_FRAME_BYTES * 3 / 4)).encode();
      client.socket().writeFrame(WebSocketFrame.textFrame(half.substring(0, half.length() / 2), false));
      client.socket().writeFrame(WebSocketFrame.continuationFrame(
          Buffer.buffer(half.substring(half.length() / 2) + " ".repeat(MAX_FRAME_BYTES / 2)), true));
      assertThat(client.awaitClose()).isEqualTo((short) 1009);
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 573")).isZero();
    }
  }

  @Test
  @DisplayName("a message of small frames within the limit is put together and answered")
  void fragmentedMessageWithinLimit() {
    try (TestClient client = sockets.connect(575)) {
      String heart = RaceFreeSockets.heart(575).encode();
      client.socket().writeFrame(WebSocketFrame.textFrame(heart.substring(0, 5), false));
      client.socket().writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(heart.substring(5)), true));
      assertThat(RaceFreeSockets.next(client)).isEqualTo(new JsonObject().put("type", "heart"));
    }
  }
}
