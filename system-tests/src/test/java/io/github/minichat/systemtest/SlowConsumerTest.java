package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A client that stops reading must not make the gateway buffer without bound: once its write queue passes the
 * limit it is disconnected with 1013 (reconnect later, then sync: it is no abuse), its messages stay stored, and
 * {@code sync} brings every one of them back.
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

  /**
   * Tells when the gateway gives up on a socket (its log line). The close frame then waits behind the full write
   * queue for at most a second before the connection is cut; a client that starts reading at once gets it.
   */
  private static final class GiveUp extends AppenderBase<ILoggingEvent> {
    final CountDownLatch seen = new CountDownLatch(1);

    @Override
    protected void append(ILoggingEvent event) {
      if (event.getFormattedMessage().contains("does not read its pushes")) {
        seen.countDown();
      }
    }
  }

  /** What the stalled client read once the gateway gave up on it: texts, then the close code (-1 if none came). */
  private record Cut(int texts, int closeCode) {
  }

  @Test
  @DisplayName("a client that stops reading is cut off with 1013; every message stays stored and sync returns them all")
  void slowConsumerIsDisconnectedAndCatchesUpWithSync() throws Exception {
    long reader = 7201;
    long sender = 7202;
    long bystander = 7203;
    List<JsonObject> acks;
    Cut cut;
    Logger socketLog = (Logger) LoggerFactory.getLogger("io.github.minichat.gateway.Outbound");
    GiveUp giveUp = new GiveUp();
    giveUp.start();
    socketLog.addAppender(giveUp);
    ExecutorService readerThread = Executors.newSingleThreadExecutor();
    try (RawWebSocket stalled = RawWebSocket.connect(system.port, "/ws?token=" + ChatSystem.token(reader), 4096);
         TestClient from = sockets.connect(sender); TestClient other = sockets.connect(bystander)) {
      assertThat(stalled.readFrame().text()).contains("init");
      stalled.sendText(new JsonObject().put("type", "bind").put("fromId", reader).encode());
      stalled.sendText(RaceFreeSockets.heart(reader).encode());
      assertThat(stalled.readFrame().text()).contains("heart");
      // from here on the stalled client reads nothing, until the gateway gives up on it
      Future<Cut> afterGiveUp = readerThread.submit(() -> {
        assertThat(giveUp.seen.await(ChatSystem.AWAIT.toMillis(), TimeUnit.MILLISECONDS))
            .as("the gateway gave up on the stalled socket").isTrue();
        return readUntilClosed(stalled);
      });

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

      // what reached the stalled socket before the cut is a prefix, then the close frame
      cut = afterGiveUp.get(ChatSystem.AWAIT.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      readerThread.shutdownNow();
      socketLog.detachAppender(giveUp);
    }
    assertThat(cut.texts()).as("pushes that reached the stalled client").isLessThan(MESSAGES);
    // 1013: try again later (reconnect, then sync); 1008 is kept for abuse
    assertThat(cut.closeCode()).as("close code of the slow consumer's socket").isEqualTo(1013);
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

  /** Reads as fast as it can: the texts, then the close frame's code, or -1 if the connection ended without one. */
  private static Cut readUntilClosed(RawWebSocket stalled) {
    int texts = 0;
    RawWebSocket.Frame frame;
    while ((frame = stalled.readFrame()) != null && frame.opcode() == RawWebSocket.TEXT) {
      texts++;
    }
    return new Cut(texts, frame != null && frame.opcode() == RawWebSocket.CLOSE ? frame.closeCode() : -1);
  }
}
