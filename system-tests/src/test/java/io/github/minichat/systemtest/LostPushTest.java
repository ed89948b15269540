package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.MessagingTestSupport.expectAck;
import static io.github.minichat.systemtest.MessagingTestSupport.say;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A message service that dies between its commit and its push leaves a stored message nobody was told about. Here
 * such a message is stored straight into the database (as that commit would have) while its recipient is bound:
 * the recipient must still get it live, once and in order, whether the sender resends it (a repeat is pushed again)
 * or the next message reveals the gap (the gateway reads it back from the store).
 */
class LostPushTest {

  /** Longer than the read-back after bind, so that only the mechanisms under test can deliver the message. */
  private static final Duration AFTER_BIND_CHECK = Duration.ofMillis(1_500);

  private static ChatSystem system;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("lost_push");
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  @Test
  @DisplayName("a stored message whose push was lost reaches the live recipient when the sender resends it")
  void resendPushesAgain() {
    try (TestClient sender = system.connect(3101); TestClient recipient = system.connect(3102)) {
      pastTheCheckAfterBind(recipient);
      storedWithoutPush(3101, 3102, "lost on the way", "lp-1");

      sender.send(say(3101, 3102, "lost on the way", "lp-1"));
      JsonObject ack = expectAck(sender);
      JsonObject text = recipient.expect("text");
      assertThat(text.getString("cid")).isEqualTo("lp-1");
      assertThat(text.getLong("id")).isEqualTo(ack.getLong("id"));

      sender.send(say(3101, 3102, "and then", "lp-2"));
      expectAck(sender);
      JsonObject next = recipient.expect("text");
      assertThat(next.getString("cid")).as("the repeat is not written twice").isEqualTo("lp-2");
      assertThat(next.getLong("cursor")).isEqualTo(text.getLong("cursor") + 1);
    }
  }

  @Test
  @DisplayName("a stored message whose push was lost is read back when the next message shows the gap")
  void gapIsReadBack() {
    try (TestClient sender = system.connect(3201); TestClient recipient = system.connect(3202)) {
      pastTheCheckAfterBind(recipient);
      storedWithoutPush(3201, 3202, "never pushed", "gp-1");

      sender.send(say(3201, 3202, "pushed", "gp-2"));
      expectAck(sender);
      List<String> cids = List.of(recipient.expect("text").getString("cid"), recipient.expect("text").getString("cid"));
      assertThat(cids).as("in inbox order, each once").containsExactly("gp-1", "gp-2");
      assertThat(recipient.drain()).noneMatch(frame -> "text".equals(frame.getString("type")));
    }
  }

  /** Waits out the inbox read-back after bind: nothing may arrive meanwhile. */
  private static void pastTheCheckAfterBind(TestClient recipient) {
    assertThat(recipient.drainFor(AFTER_BIND_CHECK)).noneMatch(frame -> "text".equals(frame.getString("type")));
  }

  /**
   * Stores a message as the message service's commit does (the conversation's seq and both inbox cursors moved on by
   * one, the recipient's unread total and its version too, in one transaction), but tells no gateway.
   */
  private static void storedWithoutPush(long from, long to, String text, String cid) {
    long lo = Math.min(from, to);
    long hi = Math.max(from, to);
    TestDatabase.execute(system.database, "WITH conversation AS ("
        + " INSERT INTO conversations AS c (user_lo, user_hi, last_seq) VALUES (" + lo + ", " + hi + ", 1)"
        + " ON CONFLICT (user_lo, user_hi) DO UPDATE SET last_seq = c.last_seq + 1 RETURNING c.last_seq),"
        + " sender AS (INSERT INTO inboxes AS i (user_id, last_cursor) VALUES (" + from + ", 1)"
        + " ON CONFLICT (user_id) DO UPDATE SET last_cursor = i.last_cursor + 1 RETURNING i.last_cursor),"
        + " recipient AS (INSERT INTO inboxes AS i (user_id, last_cursor, unread, unread_version)"
        + " VALUES (" + to + ", 1, 1, 1) ON CONFLICT (user_id) DO UPDATE SET last_cursor = i.last_cursor + 1,"
        + " unread = i.unread + 1, unread_version = i.unread_version + 1 RETURNING i.last_cursor)"
        + " INSERT INTO messages (user_lo, user_hi, seq, from_id, to_id, body, cid, origin, is_read, sender_cursor,"
        + " recipient_cursor) SELECT " + lo + ", " + hi + ", conversation.last_seq, " + from + ", " + to + ", "
        + MessagingTestSupport.literal(text) + ", " + MessagingTestSupport.literal(cid) + ", 'W', false,"
        + " sender.last_cursor, recipient.last_cursor FROM conversation, sender, recipient");
  }
}
