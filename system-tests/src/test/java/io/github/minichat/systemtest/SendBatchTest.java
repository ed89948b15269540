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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The sends of one gateway event-loop turn travel as one request and are answered one by one. */
class SendBatchTest {

  private static ChatSystem system;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("sendbatch");
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  @Test
  @DisplayName("each send of a batch gets what it would have got alone: stored, repeat, or its own error")
  void answeredSendBySend() {
    SendResult earlier = await(system.vertx.eventBus().<SendResult>request(Addresses.MESSAGE_SEND,
        send(701, 702, "first", "c-1")).map(Message::body));

    List<SendMessage> sends = List.of(
        send(701, 702, "hello", "b-1"),
        send(701, 702, "hello", "b-1"),    // the same send twice in one batch: stored once
        send(701, 701, "to myself", "b-2"),
        send(701, 702, "not first", "c-1"), // an earlier cid with another text
        send(701, 702, "first", "c-1"));    // the earlier send, repeated
    List<Outcome> outcomes = await(system.vertx.eventBus().<SendOutcomes>request(Addresses.MESSAGE_SEND_BATCH,
        new SendBatch(sends)).map(Message::body)).outcomes();

    assertThat(outcomes).hasSize(5);
    assertThat(outcomes.get(0).result().duplicate()).isFalse();
    assertThat(outcomes.get(0).result().message().data()).isEqualTo("hello");
    assertThat(outcomes.get(1).result().duplicate()).isTrue();
    assertThat(outcomes.get(1).result().message().id()).isEqualTo(outcomes.get(0).result().message().id());
    assertThat(outcomes.get(2).error()).isEqualTo(ChatError.SELF_MESSAGE);
    assertThat(outcomes.get(3).error()).isEqualTo(ChatError.CID_CONFLICT);
    assertThat(outcomes.get(3).errorMessage()).contains("c-1");
    assertThat(outcomes.get(4).result().duplicate()).isTrue();
    assertThat(outcomes.get(4).result().message().id()).isEqualTo(earlier.message().id());
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 701")).isEqualTo(2);
  }

  @Test
  @DisplayName("sends from many sockets at once are each acked with their own message and delivered once")
  void manySocketsAtOnce() {
    int pairs = 20;
    List<TestClient> senders = new ArrayList<>();
    List<TestClient> recipients = new ArrayList<>();
    try {
      for (int i = 0; i < pairs; i++) {
        senders.add(system.connect(710 + i));
        recipients.add(system.connect(760 + i));
      }
      // written back to back, so that the gateway reads many of them in one turn of its event loops
      for (int i = 0; i < pairs; i++) {
        senders.get(i).send(say(710 + i, 760 + i, "text " + i, "m-" + i));
      }
      Set<Long> ids = new HashSet<>();
      for (int i = 0; i < pairs; i++) {
        JsonObject ack = senders.get(i).expect("ack");
        assertThat(ack.getString("cid")).isEqualTo("m-" + i);
        JsonObject text = recipients.get(i).expect("text");
        assertThat(text.getString("data")).isEqualTo("text " + i);
        assertThat(text.getLong("id")).isEqualTo(ack.getLong("id"));
        ids.add(ack.getLong("id"));
      }
      assertThat(ids).hasSize(pairs);
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id BETWEEN 710 AND 729")).isEqualTo(pairs);
    } finally {
      senders.forEach(TestClient::close);
      recipients.forEach(TestClient::close);
    }
  }

  private static SendMessage send(long from, long to, String text, String cid) {
    return new SendMessage(from, to, text, cid, Origin.WS, null);
  }
}
