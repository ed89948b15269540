package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * When the database stops keeping up, the gateway sheds load: sends beyond its budget of pending requests are
 * refused at once with a retryable {@code overloaded} (HTTP: 503 with Retry-After) instead of queueing until the heap
 * is gone. Nothing refused is stored, nothing acknowledged is lost, and a client that resends gets everything stored
 * exactly once when the database is back.
 */
class OverloadTest {

  private static final int PENDING_BUDGET = 40;
  private static final int SENDERS = 20;
  private static final int WINDOW = 64;
  private static final Duration FLOOD = Duration.ofSeconds(5);
  private static final long RECIPIENT = 7400;
  /** About 12 KB per message in UTF-8. */
  private static final String TEXT = "载".repeat(4_000);
  private static final long MIB = 1024 * 1024;

  private static ChatSystem system;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("overload", Map.of(
        "CHAT_MAX_PENDING_REQUESTS", Integer.toString(PENDING_BUDGET),
        "CHAT_BUS_TIMEOUT_MS", "2000",
        "CHAT_SEND_ATTEMPTS", "1",
        "PG_POOL_SIZE", "2"));
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  /** One flooding client: its sends in flight, and what became of each cid. */
  private static final class Sender {
    final long userId;
    final TestClient client;
    final Map<String, Boolean> inFlight = new HashMap<>();
    final Set<String> acked = new HashSet<>();
    final Set<String> shed = new HashSet<>();
    /** Sends that timed out: maybe stored, maybe not; resent with the same cid. */
    final Set<String> unanswered = new HashSet<>();
    /** Cids sent again after a timeout: a resend shed with 'overloaded' may still have been stored the first time. */
    final Set<String> resent = new HashSet<>();
    int next;

    Sender(long userId) {
      this.userId = userId;
      this.client = system.connect(userId);
    }

    void topUp() {
      while (inFlight.size() < WINDOW) {
        send("c" + userId + "-" + next++);
      }
    }

    void send(String cid) {
      inFlight.put(cid, Boolean.TRUE);
      client.send(MessagingTestSupport.say(userId, RECIPIENT, cid + " " + TEXT, cid));
    }

    /** Reads the answers so far; returns how many there were. */
    int collect(Map<String, Integer> errorsByCode) {
      List<JsonObject> frames = client.drain();
      for (JsonObject frame : frames) {
        String cid = frame.getString(frame.containsKey("cid") ? "cid" : "ref");
        if (cid == null || inFlight.remove(cid) == null) {
          continue;
        }
        if ("ack".equals(frame.getString("type"))) {
          acked.add(cid);
          unanswered.remove(cid);
          shed.remove(cid);
        } else {
          String code = frame.getString("code");
          errorsByCode.merge(code, 1, Integer::sum);
          assertThat(frame.getBoolean("retryable")).as("refusal %s", frame).isTrue();
          (code.equals("overloaded") && !resent.contains(cid) ? shed : unanswered).add(cid);
        }
      }
      return frames.size();
    }
  }

  /**
   * The test thread waits for a sender's next answer (woken as it arrives) rather than spinning over its clients: it
   * must not take a whole core from the server on a 2-core machine.
   */
  private static void awaitAnswer(Sender sender, Duration atMost) {
    sender.client.awaitFrame(atMost);
  }

  private static long heapAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  @Test
  @DisplayName("a flood against a stalled database is shed with 'overloaded', the heap stays bounded, nothing is lost")
  void floodIsShedAndNothingIsLost() throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    List<Sender> senders = new ArrayList<>();
    for (int i = 1; i <= SENDERS; i++) {
      senders.add(new Sender(7300 + i));
    }
    Map<String, Integer> errorsByCode = new HashMap<>();
    long heapBefore = heapAfterGc(memory);
    long heapDuring;
    ChatSystem.HttpResult httpDuringFlood;

    try (Connection blocker = TestDatabase.connect(system.database); Statement statement = blocker.createStatement()) {
      // the database stalls: every insert into messages waits for this transaction
      blocker.setAutoCommit(false);
      statement.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");

      long end = System.nanoTime() + FLOOD.toNanos();
      for (int round = 0; System.nanoTime() < end; round++) {
        for (Sender sender : senders) {
          sender.collect(errorsByCode);
          sender.topUp();
        }
        awaitAnswer(senders.get(round % senders.size()), Duration.ofMillis(1)); // the others are served too
      }
      httpDuringFlood = new RaceFreeHttp(system).call("POST", "/api/messages", 7399,
          new JsonObject().put("to_id", RECIPIENT).put("message", "over http during the flood"));
      // what the gateway still holds while the database is stalled: its queues, if it had any
      heapDuring = heapAfterGc(memory);

      blocker.rollback();
    }


    // the database is back: the sends that were admitted are answered; those that timed out are resent with the
    // same cid until acknowledged (a shed send was never admitted, so it needs no resend to be accounted for)
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (Sender sender : senders) {
      while (!sender.inFlight.isEmpty() || !sender.unanswered.isEmpty()) {
        assertThat(System.nanoTime()).as("everything admitted is acknowledged in time: %d in flight, %d to resend",
            sender.inFlight.size(), sender.unanswered.size()).isLessThan(deadline);
        sender.collect(new HashMap<>());
        if (sender.inFlight.isEmpty()) {
          Set<String> resend = new HashSet<>(sender.unanswered);
          sender.unanswered.clear();
          sender.resent.addAll(resend);
          resend.forEach(sender::send);
        }
        awaitAnswer(sender, Duration.ofMillis(50));
      }
    }
    senders.forEach(sender -> sender.client.close());

    long cids = senders.stream().mapToLong(sender -> sender.next).sum();
    long acked = senders.stream().mapToLong(sender -> sender.acked.size()).sum();
    long shed = senders.stream().mapToLong(sender -> sender.shed.size()).sum();
    long stored = system.count("SELECT count(*) FROM messages WHERE to_id = " + RECIPIENT);
    long distinct = system.count("SELECT count(DISTINCT cid) FROM messages WHERE to_id = " + RECIPIENT);
    System.out.printf("Flood against a stalled database for %d s: %d sends offered (%d MiB of text), answered %s; "
            + "HTTP %d %s; heap after GC %d MiB before, %d MiB while stalled; %d acknowledged and stored, "
            + "%d shed and not stored%n",
        FLOOD.toSeconds(), cids, cids * TEXT.length() * 3L / MIB, errorsByCode, httpDuringFlood.status(),
        httpDuringFlood.body(), heapBefore / MIB, heapDuring / MIB, stored, shed);

    assertThat(errorsByCode.getOrDefault("overloaded", 0)).as("sends shed").isGreaterThan(1_000);
    assertThat(httpDuringFlood.status()).isEqualTo(503);
    assertThat(httpDuringFlood.retryAfter()).isNotNull();
    // queues that grew with the offered load would hold a good share of it; the gateway holds its budget at most
    long offeredBytes = cids * TEXT.length() * 3L;
    assertThat(offeredBytes).as("bytes offered").isGreaterThan(64 * MIB);
    assertThat(heapDuring - heapBefore).as("heap growth while stalled")
        .isLessThan(Math.min(32 * MIB, offeredBytes / 4));
    // every cid was either acknowledged or shed; the acknowledged ones, and only they, are stored, each once
    assertThat(acked + shed).isEqualTo(cids);
    assertThat(stored).isEqualTo(acked);
    assertThat(distinct).isEqualTo(acked);
  }
}
