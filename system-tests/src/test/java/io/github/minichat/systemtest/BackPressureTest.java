package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that writes faster than its sends are stored is slowed down, not refused: once
 * {@code CHAT_MAX_QUEUED_SENDS} sends wait on its socket the gateway stops reading it, and TCP holds the rest back.
 * Only the rate limits count toward the 1008 close; a sync refused because another one is in flight does not.
 */
class BackPressureTest {

  private static final int MAX_QUEUED_SENDS = 64;
  /** Strikes toward the abuse close: fewer than the syncs written at once below. */
  private static final int STRIKES = 20;
  private static final int SYNCS_AT_ONCE = 40;

  private static ChatSystem system;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("backpressure", Map.of(
        "CHAT_MAX_QUEUED_SENDS", Integer.toString(MAX_QUEUED_SENDS),
        "CHAT_RATE_STRIKES", Integer.toString(STRIKES)));
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  @ParameterizedTest(name = "{0} says written at once")
  @ValueSource(ints = {100, 300})
  @DisplayName("says written at once, beyond the queue, are all acked in order; no error, the socket stays open")
  void saysBeyondTheQueueAreSlowedNotRefused(int count) {
    long sender = 8_100 + count;
    long recipient = sender + 1;
    try (TestClient client = system.connect(sender)) {
      for (int i = 0; i < count; i++) {
        client.send(MessagingTestSupport.say(sender, recipient, "pressed " + i, "p-" + i));
      }
      List<String> answered = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        // an error frame instead of an ack fails here at once, naming it
        answered.add(MessagingTestSupport.expectAck(client).getString("cid"));
      }
      assertThat(answered).as("acks, in the order sent")
          .containsExactlyElementsOf(IntStream.range(0, count).mapToObj(i -> "p-" + i).toList());
      RaceFreeSockets.assertAlive(client, sender);
      assertThat(client.closed).as("the sender's socket").isNotDone();
    }
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = " + sender)).isEqualTo(count);
  }

  @Test
  @DisplayName("syncs written at once are answered, and a sync refused for one in flight is no strike: no 1008")
  void syncsAtOnceAreNoAbuse() {
    long user = 8_501;
    try (TestClient client = system.connect(user)) {
      for (int i = 0; i < SYNCS_AT_ONCE; i++) {
        client.send(new JsonObject().put("type", "sync").put("since", 0));
      }
      // each sync gets its answer: a page, or a refusal that is not a strike
      List<JsonObject> answers = new ArrayList<>();
      for (int i = 0; i < SYNCS_AT_ONCE; i++) {
        answers.add(client.expect(frame -> "sync".equals(frame.getString("type"))
            || "error".equals(frame.getString("type")), "the answer to sync " + i));
      }
      assertThat(answers).filteredOn(frame -> "error".equals(frame.getString("type")))
          .allSatisfy(error -> assertThat(error.getValue("ref")).as("ref of %s", error).isEqualTo("sync"));
      assertThat(answers).as("answers to the syncs").anyMatch(frame -> "sync".equals(frame.getString("type")));
      // the socket still works: a say is acked, and nothing closed it
      client.send(MessagingTestSupport.say(user, user + 1, "after the syncs", "after-syncs"));
      assertThat(MessagingTestSupport.expectAck(client).getString("cid")).isEqualTo("after-syncs");
      assertThat(client.closed).as("the socket, closed with %s", client.closed.getNow(null)).isNotDone();
    }
  }
}
