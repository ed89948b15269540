package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.MessagingTestSupport.expectAck;
import static io.github.minichat.systemtest.MessagingTestSupport.expectText;
import static io.github.minichat.systemtest.MessagingTestSupport.literal;
import static io.github.minichat.systemtest.MessagingTestSupport.say;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** One message per cid, one message per seed double send, and gapless sequence numbers. */
class IdempotencyTest {

  private static ChatSystem system;
  private static MessagingTestSupport support;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("idempotency");
    support = new MessagingTestSupport(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  private static long rows(long from, long to) {
    return system.count("SELECT count(*) FROM messages WHERE from_id = " + from + " AND to_id = " + to);
  }

  /** The recipient's next text frame must be the marker: nothing (no duplicate) was pushed before it. */
  private static void assertNextTextIs(TestClient recipient, String marker) {
    assertThat(expectText(recipient).getString("data")).as("next text frame").isEqualTo(marker);
  }

  @Test
  @DisplayName("a say with a cid is acked once stored; the same say again is acked with the same id and seq, "
      + "and is neither stored nor delivered twice")
  void sayWithCidIsIdempotent() {
    try (TestClient alice = support.connect(1101); TestClient bob = support.connect(1102)) {
      alice.send(say(1101, 1102, "hello once", "cid-1"));
      JsonObject ack = expectAck(alice);
      assertThat(ack.fieldNames()).contains("type", "cid", "id", "seq", "cursor", "created_at");
      assertThat(ack.getString("cid")).isEqualTo("cid-1");
      assertThat(ack.getLong("id")).isPositive();
      assertThat(ack.getLong("seq")).isEqualTo(1);
      assertThat(ack.getLong("cursor")).isPositive();
      assertThat(ack.getLong("created_at")).isPositive();

      JsonObject text = expectText(bob);
      assertThat(text.getLong("id")).isEqualTo(ack.getLong("id"));
      assertThat(text.getString("data")).isEqualTo("hello once");

      // a client that lost the ack retries with the same cid
      alice.send(say(1101, 1102, "hello once", "cid-1"));
      JsonObject again = expectAck(alice);
      assertThat(again.getString("cid")).isEqualTo("cid-1");
      assertThat(again.getLong("id")).isEqualTo(ack.getLong("id"));
      assertThat(again.getLong("seq")).isEqualTo(ack.getLong("seq"));

      // the marker is stored after the retry (one socket's sends are handled in order), so a duplicate push of the
      // retry would reach bob before it
      alice.send(say(1101, 1102, "marker", "cid-2"));
      assertThat(expectAck(alice).getLong("seq")).isEqualTo(2);
      assertNextTextIs(bob, "marker");

      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 1101 AND cid = 'cid-1'")).isEqualTo(1);
      assertThat(rows(1101, 1102)).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("POST /api/messages twice with the same cid returns the same message and stores one row")
  void httpSendWithCidIsIdempotent() {
    try (TestClient bob = support.connect(1202)) {
      JsonObject first = support.post(1201, 1202, "over http", "http-cid");
      JsonObject second = support.post(1201, 1202, "over http", "http-cid");
      assertThat(second.getLong("id")).isEqualTo(first.getLong("id"));
      assertThat(second.getLong("seq")).isEqualTo(first.getLong("seq"));
      assertThat(expectText(bob).getLong("id")).isEqualTo(first.getLong("id"));

      // HTTP sends are stored and pushed in the order of the calls: a second push would come before the marker
      support.post(1201, 1202, "marker");
      assertNextTextIs(bob, "marker");
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 1201 AND cid = 'http-cid'")).isEqualTo(1);
      assertThat(rows(1201, 1202)).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("the seed's double send (HTTP, then say with the same text, no cid) is stored and delivered once")
  void httpThenSayIsOneMessage() {
    try (TestClient alice = support.connect(1301); TestClient bob = support.connect(1302)) {
      JsonObject stored = support.post(1301, 1302, "seed says hi");
      assertThat(stored.getString("data")).isEqualTo("seed says hi");
      alice.send(say(1301, 1302, "seed says hi"));

      // the say has no cid and so no ack: a marker with a cid on the same socket is handled after it
      alice.send(say(1301, 1302, "marker", "m-1301"));
      expectAck(alice);

      JsonObject text = expectText(bob);
      assertThat(text.getLong("id")).isEqualTo(stored.getLong("id"));
      assertThat(text.getString("data")).isEqualTo("seed says hi");
      assertNextTextIs(bob, "marker");
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 1301 AND body = 'seed says hi'"))
          .isEqualTo(1);
      assertThat(rows(1301, 1302)).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("the seed's double send the other way round (say, then HTTP) answers the HTTP call with the stored "
      + "message's id, and stores and delivers it once")
  void sayThenHttpIsOneMessage() {
    try (TestClient alice = support.connect(1401); TestClient bob = support.connect(1402)) {
      alice.send(say(1401, 1402, "say first"));
      // bob's push proves the say is stored before the HTTP call is made
      JsonObject text = expectText(bob);
      assertThat(text.getString("data")).isEqualTo("say first");

      JsonObject response = support.post(1401, 1402, "say first");
      assertThat(response.getLong("id")).isEqualTo(text.getLong("id"));
      assertThat(response.getLong("seq")).isEqualTo(text.getLong("seq"));

      support.post(1401, 1402, "marker");
      assertNextTextIs(bob, "marker");
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 1401 AND body = 'say first'"))
          .isEqualTo(1);
      assertThat(rows(1401, 1402)).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("two HTTP sends of the same text without cid are two messages")
  void twoHttpSendsAreTwoMessages() {
    try (TestClient bob = support.connect(1502)) {
      JsonObject first = support.post(1501, 1502, "again and again");
      JsonObject second = support.post(1501, 1502, "again and again");
      assertThat(second.getLong("id")).isNotEqualTo(first.getLong("id"));
      assertThat(second.getLong("seq")).isEqualTo(first.getLong("seq") + 1);
      assertThat(expectText(bob).getLong("id")).isEqualTo(first.getLong("id"));
      assertThat(expectText(bob).getLong("id")).isEqualTo(second.getLong("id"));
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 1501 AND body = 'again and again'"))
          .isEqualTo(2);
    }
  }

  @Test
  @DisplayName("an HTTP send and a say whose texts differ are two messages")
  void httpAndSayWithDifferentTextsAreTwoMessages() {
    try (TestClient alice = support.connect(1601); TestClient bob = support.connect(1602)) {
      JsonObject overHttp = support.post(1601, 1602, "first text");
      alice.send(say(1601, 1602, "second text", "c-1601"));
      JsonObject ack = expectAck(alice);
      assertThat(ack.getLong("id")).isNotEqualTo(overHttp.getLong("id"));

      assertThat(expectText(bob).getString("data")).isEqualTo("first text");
      JsonObject second = expectText(bob);
      assertThat(second.getString("data")).isEqualTo("second text");
      assertThat(second.getLong("id")).isEqualTo(ack.getLong("id"));
      assertThat(rows(1601, 1602)).isEqualTo(2);
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 1601 AND body IN ("
          + literal("first text") + ", " + literal("second text") + ")")).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("sequence numbers of a conversation are 1, 2, 3, ... with no gap while both users send at once")
  void sequenceIsGaplessWhenBothSend() {
    int each = 20;
    try (TestClient alice = support.connect(1701); TestClient bob = support.connect(1702)) {
      // both pipelines are in flight together, so the two users' sends contend for the conversation
      for (int i = 0; i < each; i++) {
        alice.send(say(1701, 1702, "from alice " + i, "a-" + i));
        bob.send(say(1702, 1701, "from bob " + i, "b-" + i));
      }
      List<Long> aliceSeqs = new ArrayList<>();
      List<Long> bobSeqs = new ArrayList<>();
      for (int i = 0; i < each; i++) {
        aliceSeqs.add(expectAck(alice).getLong("seq"));
        bobSeqs.add(expectAck(bob).getLong("seq"));
      }
      // each user's messages take their places in the order that user sent them
      assertThat(aliceSeqs).isSorted();
      assertThat(bobSeqs).isSorted();
      List<Long> seqs = new ArrayList<>(aliceSeqs);
      seqs.addAll(bobSeqs);
      assertThat(seqs).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 2L * each).boxed().toList());

      List<Long> stored =
          support.longs("SELECT seq FROM messages WHERE user_lo = 1701 AND user_hi = 1702 ORDER BY seq");
      assertThat(stored).containsExactlyElementsOf(LongStream.rangeClosed(1, 2L * each).boxed().toList());
    }
  }
}
