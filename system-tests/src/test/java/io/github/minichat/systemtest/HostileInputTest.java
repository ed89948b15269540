package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One user's input never hurts another's sends: honest senders share the system with a hostile one who floods
 * generated {@link HostileStrings} frames (NUL, lone surrogates, controls, huge and odd values) from several
 * sockets at once, so that its sends share group-commit batches with theirs. Every honest send is acknowledged,
 * stored once and pushed once; every hostile frame is refused with a named error or stored exactly as sent. The
 * seed is fixed; {@code -Dhostile.seed=N} runs other frames.
 */
class HostileInputTest {

  private static final long HONEST_BASE = 4_100;
  private static final int HONEST_SENDERS = 12;
  private static final int WINDOWS = 6;
  private static final int SENDS_PER_WINDOW = 5;
  private static final long HOSTILE = 4_200;
  /** Receives the hostile sender's probes (never connected: a probe only has to be stored and acked). */
  private static final long SINK = 4_300;
  private static final int HOSTILE_SOCKETS = 3;
  private static final int FRAMES_PER_SOCKET = 150;
  private static final int MAX_FRAME_BYTES = 1 << 20;
  /** The codes that name what was wrong with a frame; anything else (internal, unavailable, …) is the server's. */
  private static final Set<String> REFUSALS = Set.of("invalid_json", "invalid_field", "unknown_type",
      "self_message", "text_too_long", "too_large", "forbidden", "not_found", "cid_conflict");
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  private static ChatSystem system;

  private final long seed = Long.getLong("hostile.seed", 20_261_202L);

  @BeforeAll
  static void start() {
    // frames of up to a few hundred kilobytes (long strings, every character escaped) must reach the validation
    system = ChatSystem.start("hostile", Map.of("CHAT_MAX_FRAME_BYTES", Integer.toString(MAX_FRAME_BYTES)));
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  /** What the server must have stored for a hostile frame it accepted. */
  private record Accepted(Long messageId, long toId, String body, String cid, String frame) {
  }

  private record HostileRun(List<Accepted> accepted, List<String> problems) {
  }

  @Test
  @DisplayName("a hostile sender flooding generated frames: honest sends all acked, stored and pushed once; hostile frames refused by name or stored as sent")
  void hostileSenderHurtsNoHonestSender() throws Exception {
    List<Peer> honest = IntStream.range(0, HONEST_SENDERS)
        .mapToObj(i -> new Peer(system.connect(honestId(i)))).toList();
    List<TestClient> hostileSockets = IntStream.range(0, HOSTILE_SOCKETS)
        .mapToObj(i -> system.connect(HOSTILE)).toList();

    List<CompletableFuture<HostileRun>> hostile = IntStream.range(0, HOSTILE_SOCKETS)
        .mapToObj(i -> CompletableFuture.supplyAsync(() -> flood(i, hostileSockets.get(i)))).toList();
    List<String> honestProblems = sendHonestly(honest);
    List<HostileRun> runs = new ArrayList<>();
    for (CompletableFuture<HostileRun> run : hostile) {
      runs.add(run.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
    }

    assertThat(honestProblems).as("honest sends that were not simply acked").isEmpty();
    List<String> hostileProblems = runs.stream().flatMap(run -> run.problems().stream()).toList();
    assertThat(hostileProblems).as("hostile frames neither refused by name nor acked").isEmpty();
    assertHonestStoredOnce();
    assertHonestPushedOnce(honest);
    assertHostileStoredAsSent(runs.stream().flatMap(run -> run.accepted().stream()).toList());
  }

  // ---- honest senders ----

  private static long honestId(int index) {
    return HONEST_BASE + 1 + index;
  }

  /** Sender i writes to sender i+1: every honest user sends and receives, beside the hostile one's messages. */
  private static long recipientOf(int index) {
    return honestId((index + 1) % HONEST_SENDERS);
  }

  private static String honestCid(int sender, int n) {
    return "h" + sender + "-" + n;
  }

  private static String honestText(int sender, int n) {
    return "message " + n + " from " + honestId(sender) + " 👋 «ok»";
  }

  /** Windows of a few sends on every socket at once, each window acked before the next; what went wrong. */
  private static List<String> sendHonestly(List<Peer> honest) {
    List<String> problems = new ArrayList<>();
    for (int window = 0; window < WINDOWS; window++) {
      Map<Peer, List<String>> waiting = new HashMap<>();
      for (int i = 0; i < HONEST_SENDERS; i++) {
        List<String> cids = new ArrayList<>();
        for (int k = 0; k < SENDS_PER_WINDOW; k++) {
          int n = window * SENDS_PER_WINDOW + k;
          cids.add(honestCid(i, n));
          honest.get(i).client.send(new JsonObject().put("type", "say").put("to_id", recipientOf(i))
              .put("cid", honestCid(i, n)).put("data", honestText(i, n)));
        }
        waiting.put(honest.get(i), cids);
      }
      waiting.forEach((peer, cids) -> cids.forEach(cid -> {
        JsonObject answer = peer.await(frame -> cid.equals(frame.getValue("cid")) && "ack".equals(frame.getString("type"))
            || cid.equals(frame.getValue("ref")) && "error".equals(frame.getString("type")), DEADLINE);
        if (answer == null || !"ack".equals(answer.getString("type"))) {
          problems.add(cid + ": " + answer);
        }
      }));
    }
    return problems;
  }

  private static void assertHonestStoredOnce() throws SQLException {
    try (Connection connection = TestDatabase.connect(system.database);
         PreparedStatement statement = connection.prepareStatement(
             "SELECT cid, count(*), min(body), min(to_id) FROM messages WHERE from_id = ? GROUP BY cid")) {
      for (int i = 0; i < HONEST_SENDERS; i++) {
        statement.setLong(1, honestId(i));
        Map<String, String> stored = new HashMap<>();
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            stored.put(rows.getString(1), rows.getLong(2) + " " + rows.getLong(4) + " " + rows.getString(3));
          }
        }
        Map<String, String> expected = new HashMap<>();
        for (int n = 0; n < WINDOWS * SENDS_PER_WINDOW; n++) {
          expected.put(honestCid(i, n), "1 " + recipientOf(i) + " " + honestText(i, n));
        }
        assertThat(stored).as("messages of honest sender %d: count, recipient, text", honestId(i))
            .isEqualTo(expected);
      }
    }
  }

  private static void assertHonestPushedOnce(List<Peer> honest) {
    for (int i = 0; i < HONEST_SENDERS; i++) {
      long sender = honestId(i);
      Peer recipient = honest.get((i + 1) % HONEST_SENDERS);
      int expected = WINDOWS * SENDS_PER_WINDOW;
      Predicate<JsonObject> fromSender = frame -> "text".equals(frame.getString("type"))
          && Long.valueOf(sender).equals(frame.getLong("from_id"));
      recipient.awaitCount(fromSender, expected, DEADLINE);
      Map<String, Integer> pushes = new HashMap<>();
      recipient.frames.stream().filter(fromSender)
          .forEach(frame -> pushes.merge(frame.getString("cid") + " " + frame.getString("data"), 1, Integer::sum));
      Map<String, Integer> once = new HashMap<>();
      for (int n = 0; n < expected; n++) {
        once.put(honestCid(i, n) + " " + honestText(i, n), 1);
      }
      assertThat(pushes).as("pushes of sender %d's messages to %d", sender, recipientOf(i)).isEqualTo(once);
    }
  }

  // ---- the hostile sender ----

  /**
   * One socket's frames, one at a time, each followed by a probe send on the same socket: sends are handled in
   * order, so whatever answers the frame (an error, an ack, or nothing for a send without cid) comes before the
   * probe's ack.
   */
  private HostileRun flood(int worker, TestClient socket) {
    HostileStrings strings = new HostileStrings(seed + worker);
    Random recipients = new Random(seed - worker);
    List<Accepted> accepted = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Peer peer = new Peer(socket);
    for (int i = 0; i < FRAMES_PER_SOCKET && problems.size() < 20; i++) {
      JsonObject say = strings.hostileSay(honestId(recipients.nextInt(HONEST_SENDERS)));
      String frame = HostileStrings.escapedJson(say);
      String probe = "probe-" + worker + "-" + i;
      int mark = peer.frames.size();
      peer.client.sendRaw(frame);
      peer.client.send(new JsonObject().put("type", "say").put("to_id", SINK).put("cid", probe).put("data", probe));
      JsonObject probeAnswer = peer.await(answer -> probe.equals(answer.getValue("cid"))
          || probe.equals(answer.getValue("ref")), DEADLINE);
      List<JsonObject> answers = peer.answersSince(mark, probe);
      if (probeAnswer == null) {
        // the socket was closed: allowed for a frame over the size limit (1009) or after an impersonation (1008)
        short code = peer.client.closed.isDone() ? peer.client.closed.join() : -1;
        boolean tooLarge = code == 1009 && frame.length() > MAX_FRAME_BYTES;
        boolean impersonation = code == 1008 && answers.stream().anyMatch(a -> "forbidden".equals(a.getString("code")));
        if (!tooLarge && !impersonation) {
          problems.add(describe(frame) + ": no answer to the probe, close code " + code + ", answers " + answers);
        }
        peer = new Peer(system.connect(HOSTILE));
        continue;
      }
      if (!"ack".equals(probeAnswer.getString("type"))) {
        problems.add("probe after " + describe(frame) + " answered " + probeAnswer);
      }
      judge(say, frame, answers, accepted, problems);
    }
    return new HostileRun(accepted, problems);
  }

  /** Refused by name, acked (and so stored), or taken without a cid: anything else is a problem. */
  private static void judge(JsonObject sent, String frame, List<JsonObject> answers, List<Accepted> accepted,
                            List<String> problems) {
    if (answers.size() > 1) {
      problems.add(describe(frame) + ": more than one answer " + answers);
    } else if (answers.size() == 1 && "error".equals(answers.get(0).getString("type"))) {
      if (!REFUSALS.contains(answers.get(0).getString("code"))) {
        problems.add(describe(frame) + ": refused without naming what is wrong: " + answers.get(0));
      }
    } else if (answers.size() == 1 && !answers.get(0).getValue("cid").equals(cidOf(sent.getValue("cid")))) {
      problems.add(describe(frame) + ": acked under another cid: " + answers.get(0));
    } else if (answers.size() == 1) {
      accepted.add(new Accepted(answers.get(0).getLong("id"), idOf(sent.getValue("to_id")),
          sent.getString("data"), cidOf(sent.getValue("cid")), frame));
    } else if (sent.getValue("cid") != null) {
      problems.add(describe(frame) + ": a send with a cid neither acked nor refused");
    } else {
      accepted.add(new Accepted(null, idOf(sent.getValue("to_id")), sent.getString("data"), null, frame));
    }
  }

  /** Every accepted hostile frame is in the database exactly as sent, and nothing else of the hostile sender is. */
  private static void assertHostileStoredAsSent(List<Accepted> accepted) throws SQLException {
    List<String> expectedWithoutCid = new ArrayList<>();
    Map<Long, String> expectedById = new HashMap<>();
    for (Accepted message : accepted) {
      String stored = message.toId() + " " + message.cid() + " " + message.body();
      if (message.messageId() == null) {
        expectedWithoutCid.add(stored);
      } else {
        expectedById.put(message.messageId(), stored);
      }
    }
    Map<Long, String> storedById = new HashMap<>();
    List<String> storedWithoutCid = new ArrayList<>();
    try (Connection connection = TestDatabase.connect(system.database);
         PreparedStatement statement = connection.prepareStatement(
             "SELECT id, to_id, cid, body FROM messages WHERE from_id = ? AND to_id <> ?")) {
      statement.setLong(1, HOSTILE);
      statement.setLong(2, SINK);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          String stored = rows.getLong(2) + " " + rows.getString(3) + " " + rows.getString(4);
          if (rows.getString(3) == null) {
            storedWithoutCid.add(stored);
          } else {
            storedById.put(rows.getLong(1), stored);
          }
        }
      }
    }
    assertThat(storedById).as("hostile messages with a cid, as stored and as sent").isEqualTo(expectedById);
    Collections.sort(expectedWithoutCid);
    Collections.sort(storedWithoutCid);
    assertThat(storedWithoutCid).as("hostile messages without a cid").isEqualTo(expectedWithoutCid);
    assertThat(accepted).as("some hostile frames are accepted, so that storing them is tested").hasSizeGreaterThan(10);
  }

  /** An id as the gateway reads it: a number, or a numeric string. */
  private static long idOf(Object value) {
    return value instanceof Number number ? number.longValue() : Long.parseLong((String) value);
  }

  /** A cid as the gateway reads it: a string, or an integer as its decimal string. */
  private static String cidOf(Object value) {
    return value == null ? null : value.toString();
  }

  private static String describe(String frame) {
    return frame.length() > 300 ? frame.substring(0, 300) + "…(" + frame.length() + " characters)" : frame;
  }

  /** A socket and every frame it has received, read by one thread only. */
  private static final class Peer {
    final TestClient client;
    final List<JsonObject> frames = new ArrayList<>();

    Peer(TestClient client) {
      this.client = client;
    }

    /** The first frame received that matches, waiting for it until the deadline; null if none came. */
    JsonObject await(Predicate<JsonObject> wanted, Duration within) {
      long deadline = System.nanoTime() + within.toNanos();
      int checked = 0;
      while (true) {
        for (; checked < frames.size(); checked++) {
          if (wanted.test(frames.get(checked))) {
            return frames.get(checked);
          }
        }
        if (!receive(deadline)) {
          return null;
        }
      }
    }

    /** Waits until {@code count} received frames match, or the deadline. */
    void awaitCount(Predicate<JsonObject> wanted, int count, Duration within) {
      long deadline = System.nanoTime() + within.toNanos();
      while (frames.stream().filter(wanted).count() < count && receive(deadline)) {
        // received more: count again
      }
    }

    /** The acks and errors received since {@code mark}, but the probe's. */
    List<JsonObject> answersSince(int mark, String probe) {
      return frames.subList(mark, frames.size()).stream()
          .filter(frame -> "ack".equals(frame.getString("type")) || "error".equals(frame.getString("type")))
          .filter(frame -> !probe.equals(frame.getValue("cid")) && !probe.equals(frame.getValue("ref")))
          .toList();
    }

    /** Takes what has arrived, waiting for a frame if none has; false once the deadline passed or the socket closed. */
    private boolean receive(long deadline) {
      while (System.nanoTime() < deadline) {
        // short waits, so that a close is noticed too
        if (client.awaitFrame(Duration.ofMillis(50))) {
          frames.addAll(client.drain());
          return true;
        }
        if (client.closed.isDone()) {
          frames.addAll(client.drain());
          return false;
        }
      }
      return false;
    }
  }
}
