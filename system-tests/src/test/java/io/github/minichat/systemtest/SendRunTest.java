package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.ChatSystem.await;
import static io.github.minichat.systemtest.MessagingTestSupport.say;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendBatch;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.SendOutcomes;
import io.github.minichat.common.SendOutcomes.Outcome;
import io.github.minichat.common.SendResult;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A connection's sends that queue up behind the one in flight leave together as a run, which the message service
 * stores in its order in one transaction. Tried against the real store: a run with repeats and refusals inside,
 * and many sockets bursting at once, with hostile cids among their sends, audited frame by frame.
 */
class SendRunTest {

  private static ChatSystem system;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("sendrun");
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  @Test
  @DisplayName("a run is stored in its order: refused sends are left out, repeats get the first one's message")
  void storedInItsOrder() {
    SendResult earlier = await(system.vertx.eventBus().<SendResult>request(Addresses.MESSAGE_SEND,
        send(801, 802, "first", "e-1")).map(Message::body));

    List<SendMessage> run = List.of(
        send(801, 802, "one", "r-1"),
        send(801, 802, "one", "r-1"),        // the same send twice in one run: stored once
        send(801, 801, "to myself", "r-2"),  // refused on its own
        send(801, 802, "not first", "e-1"),  // an earlier cid with another text
        send(801, 802, "two", "r-3"),
        send(801, 802, "first", "e-1"));     // the earlier send, repeated
    List<Outcome> outcomes = await(system.vertx.eventBus().<SendOutcomes>request(Addresses.MESSAGE_SEND_RUN,
        new SendBatch(run)).map(Message::body)).outcomes();

    assertThat(outcomes).hasSize(6);
    assertThat(outcomes).as("errors: %s", outcomes.stream().map(Outcome::errorMessage).toList())
        .extracting(Outcome::error).containsExactly(null, null, ChatError.SELF_MESSAGE, ChatError.CID_CONFLICT,
            null, null);
    SendResult one = outcomes.get(0).result();
    assertThat(one.duplicate()).isFalse();
    assertThat(outcomes.get(1).result().duplicate()).isTrue();
    assertThat(outcomes.get(1).result().message().id()).isEqualTo(one.message().id());
    assertThat(outcomes.get(2).error()).isEqualTo(ChatError.SELF_MESSAGE);
    assertThat(outcomes.get(3).error()).isEqualTo(ChatError.CID_CONFLICT);
    SendResult two = outcomes.get(4).result();
    assertThat(two.message().seq()).as("the next place in the conversation").isEqualTo(one.message().seq() + 1);
    assertThat(one.message().seq()).isEqualTo(earlier.message().seq() + 1);
    assertThat(outcomes.get(5).result().duplicate()).isTrue();
    assertThat(outcomes.get(5).result().message().id()).isEqualTo(earlier.message().id());
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 801")).isEqualTo(3);
  }

  @Test
  @DisplayName("a run whose every send is refused stores nothing and leaves the store working")
  void everySendRefused() {
    List<Outcome> outcomes = await(system.vertx.eventBus().<SendOutcomes>request(Addresses.MESSAGE_SEND_RUN,
        new SendBatch(List.of(send(803, 803, "a", "x-1"), send(803, 803, "b", "x-2")))).map(Message::body))
        .outcomes();
    assertThat(outcomes).extracting(Outcome::error).containsExactly(ChatError.SELF_MESSAGE, ChatError.SELF_MESSAGE);
    SendResult after = await(system.vertx.eventBus().<SendResult>request(Addresses.MESSAGE_SEND,
        send(803, 804, "after", "x-3")).map(Message::body));
    assertThat(after.message().seq()).isEqualTo(1);
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 803")).isEqualTo(1);
  }

  @Test
  @DisplayName("sockets bursting sends at once, some cids repeated at once: each stored once, acked and delivered "
      + "in the client's order")
  void burstsKeepTheirOrder() throws Exception {
    int pairs = 12;
    int perSender = 60;
    List<TestClient> senders = new ArrayList<>();
    List<TestClient> recipients = new ArrayList<>();
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try {
      for (int i = 0; i < pairs; i++) {
        senders.add(system.connect(810 + i));
        recipients.add(system.connect(860 + i));
      }
      Random random = new Random(810);
      List<List<String>> sentCids = new ArrayList<>();
      List<Future<?>> writing = new ArrayList<>();
      for (int i = 0; i < pairs; i++) {
        // a client that resends a cid right after sending it (a retry racing its ack) sends the same message twice
        List<String> cids = new ArrayList<>();
        for (int m = 0; m < perSender; m++) {
          cids.add("s" + i + "-" + m);
          if (random.nextInt(5) == 0) {
            cids.add("s" + i + "-" + m);
          }
        }
        sentCids.add(cids);
        TestClient sender = senders.get(i);
        long from = 810 + i;
        long to = 860 + i;
        // back to back from several threads at once, so that sends queue behind each socket's request in flight
        writing.add(writers.submit(() -> cids.forEach(cid -> sender.send(say(from, to, "text " + cid, cid)))));
      }
      for (Future<?> each : writing) {
        each.get(30, TimeUnit.SECONDS);
      }

      for (int i = 0; i < pairs; i++) {
        List<String> cids = sentCids.get(i);
        Map<String, Long> idOfCid = new HashMap<>();
        long lastSeq = 0;
        for (String cid : cids) {
          JsonObject ack = MessagingTestSupport.expectAck(senders.get(i));
          assertThat(ack.getString("cid")).as("acks come in the order of the sends").isEqualTo(cid);
          Long earlier = idOfCid.putIfAbsent(cid, ack.getLong("id"));
          if (earlier != null) {
            assertThat(ack.getLong("id")).as("a repeated cid is the same message").isEqualTo(earlier);
          } else {
            assertThat(ack.getLong("seq")).as("each new message takes the next place").isEqualTo(lastSeq + 1);
            lastSeq = ack.getLong("seq");
          }
        }
        List<String> distinct = cids.stream().distinct().toList();
        for (String cid : distinct) {
          JsonObject text = recipients.get(i).expect("text");
          assertThat(text.getString("data")).as("delivered once each, in order").isEqualTo("text " + cid);
          assertThat(text.getLong("id")).isEqualTo(idOfCid.get(cid));
        }
        assertThat(recipients.get(i).drainFor(Duration.ofMillis(200)))
            .as("no copy delivered twice").noneMatch(frame -> "text".equals(frame.getString("type")));
        assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = " + (810 + i)))
            .isEqualTo(distinct.size());
      }
    } finally {
      writers.shutdownNow();
      senders.forEach(TestClient::close);
      recipients.forEach(TestClient::close);
    }
  }

  private static SendMessage send(long from, long to, String text, String cid) {
    return new SendMessage(from, to, text, cid, Origin.WS, null);
  }
}
