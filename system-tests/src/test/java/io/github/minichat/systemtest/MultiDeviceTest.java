package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.MessagingTestSupport.expectAck;
import static io.github.minichat.systemtest.MessagingTestSupport.expectText;
import static io.github.minichat.systemtest.MessagingTestSupport.say;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A user may have several devices: every message reaches all of them, except the one that sent it. */
class MultiDeviceTest {

  private static ChatSystem system;
  private static MessagingTestSupport support;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("multidevice");
    support = new MessagingTestSupport(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  private static void assertMessage(JsonObject text, JsonObject stored, long from, long to) {
    assertThat(text.getString("type")).isEqualTo("text");
    assertThat(text.getLong("id")).isEqualTo(stored.getLong("id"));
    assertThat(text.getLong("seq")).isEqualTo(stored.getLong("seq"));
    assertThat(text.getLong("from_id")).isEqualTo(from);
    assertThat(text.getLong("to_id")).isEqualTo(to);
  }

  @Test
  @DisplayName("a say reaches both of the recipient's connections and the sender's other connection, while the "
      + "sending connection gets only the ack")
  void sayReachesEveryOtherDevice() {
    try (TestClient alicePhone = support.connect(3101); TestClient aliceLaptop = support.connect(3101);
         TestClient bobPhone = support.connect(3102); TestClient bobLaptop = support.connect(3102)) {
      alicePhone.send(say(3101, 3102, "to all your devices", "md-1"));
      JsonObject ack = expectAck(alicePhone);

      JsonObject onBobPhone = expectText(bobPhone);
      JsonObject onBobLaptop = expectText(bobLaptop);
      assertMessage(onBobPhone, ack, 3101, 3102);
      assertMessage(onBobLaptop, ack, 3101, 3102);
      assertThat(onBobPhone.getString("data")).isEqualTo("to all your devices");
      assertThat(onBobLaptop.getLong("cursor")).isEqualTo(onBobPhone.getLong("cursor"));

      // the copy on alice's laptop is her own message, positioned in her own inbox (the ack's cursor)
      JsonObject copy = expectText(aliceLaptop);
      assertMessage(copy, ack, 3101, 3102);
      assertThat(copy.getString("data")).isEqualTo("to all your devices");
      assertThat(copy.getLong("cursor")).isEqualTo(ack.getLong("cursor"));

      // bob's answer is pushed after alice's message was pushed everywhere: had the sending connection been sent a
      // copy of her own message, it would come before this answer
      bobLaptop.send(say(3102, 3101, "got it", "md-2"));
      JsonObject answerAck = expectAck(bobLaptop);
      JsonObject next = expectText(alicePhone);
      assertMessage(next, answerAck, 3102, 3101);
      assertThat(next.getString("data")).isEqualTo("got it");
      // and bob's other device gets the copy of bob's answer, the sending one does not
      assertMessage(expectText(bobPhone), answerAck, 3102, 3101);
      assertMessage(expectText(aliceLaptop), answerAck, 3102, 3101);
    }
  }

  @Test
  @DisplayName("an HTTP send reaches every connection of the sender and every connection of the recipient")
  void httpSendReachesAllConnections() {
    try (TestClient carolPhone = support.connect(3201); TestClient carolLaptop = support.connect(3201);
         TestClient davePhone = support.connect(3202); TestClient daveLaptop = support.connect(3202)) {
      JsonObject stored = support.post(3201, 3202, "sent over http");

      for (TestClient sender : new TestClient[] {carolPhone, carolLaptop}) {
        JsonObject text = expectText(sender);
        assertMessage(text, stored, 3201, 3202);
        assertThat(text.getString("data")).isEqualTo("sent over http");
        assertThat(text.getLong("cursor")).isEqualTo(stored.getLong("cursor"));
      }
      for (TestClient recipient : new TestClient[] {davePhone, daveLaptop}) {
        JsonObject text = expectText(recipient);
        assertMessage(text, stored, 3201, 3202);
        assertThat(text.getString("data")).isEqualTo("sent over http");
        assertThat(text.getInteger("is_read")).isZero();
      }
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 3201")).isEqualTo(1);
    }
  }
}
