package io.github.minichat.allinone;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading must not make the gateway buffer without bound: once its write queue passes the
 * limit it is disconnected, its messages stay stored, and {@code sync} brings every one of them back.
 */
class SlowConsumerTest {

  private static final int WRITE_QUEUE_BYTES = 64 * 1024;
  /** Messages of about 12 KB each: together far more than the socket buffers of both ends and the write queue. */
  private static final int MESSAGES = 800;
  private static final String BIG_TEXT = "慢".repeat(4_000);

  private static ChatSystem system;
  private static RaceFreeSockets sockets;
  private static RaceFreeHttp http;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("slowconsumer", Map.of(
        "CHAT_MAX_WRITE_QUEUE_BYTES", Integer.toString(WRITE_QUEUE_BYTES)));
    sockets = new RaceFreeSockets(system);
    http = new RaceFreeHttp(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  @Test
  @DisplayName("a client that stops reading is cut off; every message stays stored and sync returns them all")
  void slowConsumerIsDisconnectedAndCatchesUpWithSync() {
    long reader = 7201;
    long sender = 7202;
    long bystander = 7203;
    List<JsonObject> acks;
    int pushedBeforeCut = 0;
    try (RawWebSocket stalled = RawWebSocket.connect(system.port, "/ws?token=" + ChatSystem.token(reader), 4096);
         TestClient from = sockets.connect(sender); TestClient other = sockets.connect(bystander)) {
      assertThat(stalled.readFrame().text()).contains("init");
      stalled.sendText(new JsonObject().put("type", "bind").put("fromId", reader).encode());
      stalled.sendText(RaceFreeSockets.heart(reader).encode());
      assertThat(stalled.readFrame().text()).contains("heart");
      // from here on the stalled client reads nothing

      List<String> texts = new ArrayList<>();
      for (int i = 0; i < MESSAGES; i++) {
        texts.add(i + " " + BIG_TEXT);
      }
      acks = MessagingTestSupport.sendPipelined(from, sender, reader, texts, "big-", 32, acked -> { });

      // the gateway gave up on the stalled socket: its user went offline
      long deadline = System.nanoTime() + ChatSystem.AWAIT.toNanos();
      while (http.call("GET", "/api/presence/" + reader, bystander, null).json().getBoolean("online")) {
        assertThat(System.nanoTime()).as("the stalled reader is disconnected in time").isLessThan(deadline);
        Thread.onSpinWait();
      }

      // the gateway is fine for everyone else
      from.send(MessagingTestSupport.say(sender, bystander, "still here", "small-1"));
      assertThat(MessagingTestSupport.expectText(other).getString("data")).isEqualTo("still here");

      // what reached the stalled socket before the cut is a prefix, then the connection ends
      RawWebSocket.Frame frame;
      while ((frame = stalled.readFrame()) != null && frame.opcode() == RawWebSocket.TEXT) {
        pushedBeforeCut++;
      }
    }
    assertThat(pushedBeforeCut).as("pushes that reached the stalled client").isLessThan(MESSAGES);
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = " + sender + " AND to_id = " + reader))
        .isEqualTo(MESSAGES);

    // on reconnect, sync brings back every message, in order, once
    try (TestClient back = sockets.connect(reader)) {
      List<Long> synced = new ArrayList<>();
      long cursor = 0;
      boolean more = true;
      while (more) {
        back.send(new JsonObject().put("type", "sync").put("since", cursor));
        JsonObject page = back.expect("sync");
        page.getJsonArray("messages").forEach(m -> synced.add(((JsonObject) m).getLong("id")));
        cursor = page.getLong("cursor");
        more = page.getBoolean("has_more");
      }
      assertThat(synced).containsExactlyElementsOf(acks.stream().map(ack -> ack.getLong("id")).toList());
    }
  }
}
