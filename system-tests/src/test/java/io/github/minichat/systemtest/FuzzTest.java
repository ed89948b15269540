package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Thousands of random, malformed and mutated frames over real connections. Every frame the server must refuse gets
 * an error frame that names the problem without internals; every valid send is acknowledged and stored byte for byte;
 * nothing is stored that a valid frame did not send; the server logs no error and stays healthy. The seed is printed;
 * {@code -Dfuzz.seed=N} runs other frames.
 */
class FuzzTest {

  private static final long FUZZER = 7501;
  private static final long RECIPIENT = 7502;
  private static final int FRAMES = 4_000;
  private static final int MAX_FRAME_BYTES = 16 * 1024;
  private static final int MAX_TEXT = 2_000;
  /** What an error message must never contain: class names, stack frames, SQL or library internals. */
  private static final Pattern INTERNALS = Pattern.compile(
      "exception|\\bat [a-z]+\\.|java\\.|vertx|netty|jackson|postgres|hazelcast|sqlstate|\\bsql\\b|\\tat ",
      Pattern.CASE_INSENSITIVE);
  /** A strict parser like the server's, to tell which mutated frames are still well-formed sends. */
  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private static final List<String> PAYLOADS = List.of(
      "'; DROP TABLE messages; --", "1' OR '1'='1", "\\\\'; SELECT pg_sleep(10); --", "$$; DELETE FROM inboxes; $$",
      "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&lt;b&gt; &amp; &#x27;",
      "👩‍👩‍👧‍👦🏳️‍🌈👍🏽", "مرحبا بالعالم", "שלום \u202Eolleh\u202C", "zero\u200Bwidth\u200D\uFEFFjoin",
      "e\u0301 a\u0308 \u0915\u094D\u0937", "tab\there\nnewline\r\u0001\u001f\u007f", "\"quoted\" \\back\\slash",
      "{\"type\":\"say\",\"nested\":true}", "𝕳𝖊𝖑𝖑𝖔 𠜎𠜱", "%s%n%x %d", "null", " ", "\u2028\u2029");

  private static ChatSystem system;
  private static RaceFreeSockets sockets;
  private static final ConcurrentLinkedQueue<Throwable> uncaught = new ConcurrentLinkedQueue<>();
  private static final ConcurrentLinkedQueue<String> loggedErrors = new ConcurrentLinkedQueue<>();
  private static AppenderBase<ILoggingEvent> errorCounter;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("fuzz", Map.of(
        "CHAT_MAX_FRAME_BYTES", Integer.toString(MAX_FRAME_BYTES),
        "CHAT_MAX_TEXT_LENGTH", Integer.toString(MAX_TEXT)));
    sockets = new RaceFreeSockets(system);
    system.vertx.exceptionHandler(uncaught::add);
    errorCounter = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
          loggedErrors.add(event.getLoggerName() + ": " + event.getFormattedMessage());
        }
      }
    };
    errorCounter.start();
    root().addAppender(errorCounter);
  }

  @AfterAll
  static void stop() {
    root().detachAppender(errorCounter);
    system.close();
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  /** What a fuzz frame must get: an error before the next barrier, an ack for its cid, or either (mutations). */
  private enum Expect { ERROR, ACK, ANY }

  private record Fuzz(String kind, Expect expect, String text, byte[] binary, String cid, String data) {
  }

  /** Fixed by default so that CI runs the same frames every time; other seeds explore further. */
  private final long seed = Long.getLong("fuzz.seed", 20_261_125L);
  private final Random random = new Random(seed);
  private int cids;

  // ---- generators ----

  private String randomText(int maxLength) {
    StringBuilder text = new StringBuilder();
    int length = 1 + random.nextInt(maxLength);
    while (text.length() < length) {
      int codePoint = switch (random.nextInt(4)) {
        case 0 -> 0x20 + random.nextInt(0x5f);
        case 1 -> 0x01 + random.nextInt(0x1f);
        case 2 -> 0xa0 + random.nextInt(0xd7ff - 0xa0);
        default -> 0x10000 + random.nextInt(0x10ffff - 0x10000);
      };
      text.appendCodePoint(codePoint);
    }
    return text.toString();
  }

  private String payload() {
    return random.nextInt(3) == 0 ? randomText(200) : PAYLOADS.get(random.nextInt(PAYLOADS.size()))
        + (random.nextBoolean() ? "" : " " + random.nextInt(1000));
  }

  private Fuzz validSay() {
    String cid = "v" + ++cids;
    String data = random.nextInt(50) == 0 ? "长".repeat(MAX_TEXT) : payload();
    JsonObject frame = new JsonObject().put("type", "say").put("to_id", RECIPIENT).put("data", data).put("cid", cid);
    if (random.nextBoolean()) {
      frame.put("from_id", random.nextBoolean() ? FUZZER : Long.toString(FUZZER));
    }
    return new Fuzz("valid say", Expect.ACK, frame.encode(), null, cid, data);
  }

  private Object wrongValue() {
    return switch (random.nextInt(12)) {
      case 0 -> -random.nextInt(1000);
      case 1 -> 0;
      case 2 -> 1.5;
      case 3 -> 1e308;
      case 4 -> new java.math.BigInteger("99999999999999999999999");
      case 5 -> new JsonArray().add(1);
      case 6 -> new JsonObject().put("id", 1);
      case 7 -> true;
      case 8 -> "";
      case 9 -> "12abc";
      case 10 -> "-5";
      default -> "１２３"; // full-width digits
    };
  }

  /** A value no text field accepts (an empty string included). */
  private Object notAString() {
    return List.of(1.5, 1e308, new java.math.BigInteger("99999999999999999999999"), new JsonArray().add("x"),
        new JsonObject().put("text", "x"), true, "").get(random.nextInt(7));
  }

  private Fuzz invalid() {
    int choice = random.nextInt(22);
    String cid = "x" + ++cids;
    JsonObject say = new JsonObject().put("type", "say").put("to_id", RECIPIENT).put("data", "x").put("cid", cid);
    return switch (choice) {
      case 0 -> error("not JSON", randomText(40).replace("{", "("));
      case 1 -> error("truncated JSON", say.encode().substring(0, 1 + random.nextInt(say.encode().length() - 2)));
      case 2 -> error("JSON that is not an object", List.of("null", "[]", "123", "\"say\"", "true", "[{}]")
          .get(random.nextInt(6)));
      case 3 -> error("no type", new JsonObject().put("to_id", RECIPIENT).put("data", "x").encode());
      case 4 -> error("type not a string", new JsonObject().put("type", wrongValue()).encode());
      case 5 -> error("unknown type", new JsonObject().put("type", randomText(20)).encode());
      case 6 -> error("bad to_id", say.copy().put("to_id", wrongValue()).encode());
      case 7 -> error("bad data", say.copy().put("data", notAString()).encode());
      case 8 -> error("no data", new JsonObject().put("type", "say").put("to_id", RECIPIENT).encode());
      case 9 -> error("data too long", say.copy().put("data", "x".repeat(MAX_TEXT + 1)).encode());
      case 10 -> error("bad cid", say.copy().put("cid", random.nextBoolean() ? "c".repeat(65) : notAString())
          .encode());
      case 11 -> error("message to self", say.copy().put("to_id", FUZZER).encode());
      case 12 -> error("from someone else", say.copy().put("from_id", FUZZER + 1 + random.nextInt(100)).encode());
      case 13 -> error("bad online", new JsonObject().put("type", "online").put("to_id", wrongValue()).encode());
      case 14 -> error("bad read", new JsonObject().put("type", "read").put("peer", wrongValue()).encode());
      case 15 -> error("bad sync", new JsonObject().put("type", "sync").put("since",
          List.of(-1, "abc", 1.5, new JsonArray()).get(random.nextInt(4))).encode());
      case 16 -> error("nested too deep", "{\"type\":\"heart\",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}");
      case 17 -> error("number too long", "{\"type\":\"say\",\"to_id\":" + "9".repeat(60) + ",\"data\":\"x\"}");
      case 18 -> error("duplicate key", "{\"type\":\"say\",\"to_id\":7502,\"data\":\"a\",\"data\":\"b\"}");
      case 19 -> error("NUL or lone surrogate", "{\"type\":\"say\",\"to_id\":7502,\"data\":\"a"
          + List.of("\\u0000", "\\ud800", "\\udfff", "\\ud800\\ud800").get(random.nextInt(4)) + "\"}");
      case 20 -> error("raw control character", "{\"type\":\"say\",\"to_id\":7502,\"data\":\"a"
          + (char) (1 + random.nextInt(0x1f)) + "\"}");
      default -> {
        byte[] bytes = new byte[1 + random.nextInt(300)];
        random.nextBytes(bytes);
        yield new Fuzz("binary frame", Expect.ERROR, null, bytes, null, null);
      }
    };
  }

  private static Fuzz error(String kind, String text) {
    return new Fuzz(kind, Expect.ERROR, text, null, null, null);
  }

  private Fuzz mutated() {
    List<Supplier<String>> bases = List.of(
        // its own cids ("m…": the mutation alphabet has no 'v'), so that a mutated cid never takes a valid send's
        () -> new JsonObject().put("type", "say").put("to_id", RECIPIENT).put("data", payload())
            .put("cid", "m" + ++cids).encode(),
        () -> new JsonObject().put("type", "heart").put("fromId", FUZZER).encode(),
        () -> new JsonObject().put("type", "online").put("from_id", FUZZER).put("to_id", RECIPIENT).encode(),
        () -> new JsonObject().put("type", "sync").put("since", random.nextInt(50)).put("limit", 5).encode(),
        () -> new JsonObject().put("type", "read").put("peer", RECIPIENT).encode());
    StringBuilder text = new StringBuilder(bases.get(random.nextInt(bases.size())).get());
    String alphabet = "{}[]\":,\\0123456789-.eE truefalsnul\u0000\u00e9\ud83d\ude00";
    for (int i = 1 + random.nextInt(3); i > 0 && text.length() > 1; i--) {
      int at = random.nextInt(text.length());
      char c = alphabet.charAt(random.nextInt(alphabet.length()));
      switch (random.nextInt(3)) {
        case 0 -> text.deleteCharAt(at);
        case 1 -> text.insert(at, c);
        default -> text.setCharAt(at, c);
      }
    }
    return new Fuzz("mutated", Expect.ANY, text.toString(), null, null, null);
  }

  // ---- the run ----

  @Test
  @DisplayName("thousands of random and mutated frames: each refused with a clean error or accepted correctly")
  void fuzz() throws Exception {
    Map<String, Integer> tried = new TreeMap<>();
    Map<String, Integer> errorCodes = new TreeMap<>();
    Map<String, String> validSends = new HashMap<>();
    Set<String> sentSayData = new HashSet<>();
    int errorsReturned = 0;
    int barriers = 0;

    try (TestClient recipient = sockets.connect(RECIPIENT)) {
      TestClient fuzzer = sockets.connect(FUZZER);
      List<JsonObject> fuzzerFrames = new ArrayList<>();
      Set<String> acked = new HashSet<>();
      for (int i = 0; i < FRAMES; i++) {
        int dice = random.nextInt(100);
        Fuzz fuzz = dice < 20 ? validSay() : dice < 65 ? invalid() : mutated();
        tried.merge(fuzz.kind(), 1, Integer::sum);
        if (fuzz.expect() == Expect.ACK) {
          validSends.put(fuzz.cid(), fuzz.data());
        }
        if (fuzz.text() != null) {
          // what travels is the UTF-8 of the text: a lone surrogate a mutation left behind goes out as '?'
          sayData(new String(fuzz.text().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
              .ifPresent(sentSayData::add);
          fuzzer.sendRaw(fuzz.text());
        } else {
          fuzzer.socket().writeBinaryMessage(Buffer.buffer(fuzz.binary()));
        }
        // an unknown type is refused at once with its name as ref: everything before it answers the fuzz frame
        String barrier = "barrier-" + ++barriers;
        fuzzer.send(new JsonObject().put("type", barrier));
        List<JsonObject> answers = new ArrayList<>();
        JsonObject frame;
        while (!barrier.equals((frame = RaceFreeSockets.next(fuzzer)).getValue("ref"))) {
          answers.add(frame);
        }
        fuzzerFrames.addAll(answers);
        List<JsonObject> errors = answers.stream().filter(f -> "error".equals(f.getString("type"))).toList();
        for (JsonObject error : errors) {
          errorsReturned++;
          errorCodes.merge(error.getString("code"), 1, Integer::sum);
          assertClean(error, fuzz);
        }
        if (fuzz.expect() == Expect.ERROR) {
          assertThat(errors).as("error for %s: %s", fuzz.kind(), fuzz.text()).isNotEmpty();
        }
        if (fuzz.expect() == Expect.ACK) {
          // only an error naming this cid refuses it: a store's answer to an earlier frame may arrive meanwhile
          assertThat(errors).as("valid send refused: %s", fuzz.text())
              .noneMatch(error -> fuzz.cid().equals(error.getValue("ref")));
        }
        // like a real client, keep the sends in flight under the server's per-socket queue: a socket's sends are
        // stored in order, so once a fresh valid send is acknowledged every send before it is done
        answers.stream().filter(f -> "ack".equals(f.getString("type"))).forEach(f -> acked.add(f.getString("cid")));
        if (i % 16 == 15) {
          Fuzz fence = validSay();
          tried.merge(fence.kind(), 1, Integer::sum);
          validSends.put(fence.cid(), fence.data());
          sentSayData.add(fence.data());
          fuzzer.sendRaw(fence.text());
          while (!acked.contains(fence.cid())) {
            JsonObject late = RaceFreeSockets.next(fuzzer);
            fuzzerFrames.add(late);
            if ("ack".equals(late.getString("type"))) {
              acked.add(late.getString("cid"));
            } else if ("error".equals(late.getString("type"))) {
              errorsReturned++;
              errorCodes.merge(late.getString("code"), 1, Integer::sum);
              assertClean(late, fence);
              assertThat(late.getValue("ref")).as("refusal %s", late).isNotEqualTo(fence.cid());
            }
          }
        }
      }

      // frames a well-behaved client library would never send, each on a connection of its own
      for (int i = 0; i < 20; i++) {
        tried.merge("text frame that is not UTF-8", 1, Integer::sum);
        assertThat(closeCodeAfter(RawWebSocket.TEXT, new byte[] {'{', '"', (byte) 0xc3, (byte) 0x28, '"', '}'}))
            .isEqualTo(1007);
        tried.merge("frame over the size limit", 1, Integer::sum);
        assertThat(closeCodeAfter(RawWebSocket.TEXT, "x".repeat(MAX_FRAME_BYTES + 1 + random.nextInt(1000))
            .getBytes(StandardCharsets.UTF_8))).isEqualTo(1009);
      }

      // every valid send is acknowledged (acks come after the barrier when the store is slower)
      while (!acked.containsAll(validSends.keySet())) {
        JsonObject frame = RaceFreeSockets.next(fuzzer);
        if ("ack".equals(frame.getString("type"))) {
          acked.add(frame.getString("cid"));
        }
      }
      RaceFreeSockets.assertAlive(fuzzer, FUZZER);
      fuzzer.close();

      // stored exactly as sent; and nothing stored that a well-formed say did not carry
      Map<String, String> storedByCid = new HashMap<>();
      List<String> storedBodies = new ArrayList<>();
      try (Connection connection = io.github.minichat.message.testing.TestDatabase.connect(system.database);
           Statement statement = connection.createStatement();
           ResultSet rows = statement.executeQuery("SELECT cid, body FROM messages WHERE from_id = " + FUZZER)) {
        while (rows.next()) {
          storedBodies.add(rows.getString(2));
          if (rows.getString(1) != null) {
            storedByCid.put(rows.getString(1), rows.getString(2));
          }
        }
      }
      validSends.forEach((cid, data) -> assertThat(storedByCid.get(cid)).as("stored text of %s", cid).isEqualTo(data));
      assertThat(storedBodies.stream().filter(body -> !sentSayData.contains(body)).map(FuzzTest::escaped).toList())
          .as("stored texts that no well-formed send carried").isEmpty();

      // the recipient got each message stored for it once: no phantom, no repeat
      long storedForRecipient = system.count("SELECT count(*) FROM messages WHERE from_id = " + FUZZER
          + " AND to_id = " + RECIPIENT);
      Set<Long> pushed = new HashSet<>();
      int pushes = 0;
      while (pushed.size() < storedForRecipient) {
        JsonObject text = recipient.expect("text");
        pushes++;
        pushed.add(text.getLong("id"));
      }
      recipient.send(RaceFreeSockets.heart(RECIPIENT));
      recipient.expect("heart");
      assertThat(pushes).isEqualTo(pushed.size());

      assertThat(new RaceFreeHttp(system).call("GET", "/health", 0, null).status()).isEqualTo(200);
      int total = tried.values().stream().mapToInt(Integer::intValue).sum();
      System.out.printf("Fuzz (seed %d): %d frames tried %s; %d error frames returned %s; %d valid sends acknowledged and "
              + "stored byte for byte; %d messages stored in all; uncaught exceptions %d; errors logged %d%n",
          seed, total, tried, errorsReturned, errorCodes, validSends.size(), storedBodies.size(), uncaught.size(),
          loggedErrors.size());
      assertThat(total).isGreaterThanOrEqualTo(FRAMES);
    }
    assertThat(uncaught).as("uncaught exceptions in the server").isEmpty();
    assertThat(loggedErrors).as("errors logged by the server").isEmpty();
  }

  private static String escaped(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().forEach(c -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u{%x}", c) : (char) c));
    return out.toString();
  }

  private static void assertClean(JsonObject error, Fuzz fuzz) {
    String message = error.getString("message");
    assertThat(message).as("message of %s for %s", error, fuzz.kind()).isNotBlank().hasSizeLessThan(200);
    assertThat(INTERNALS.matcher(message).find()).as("internals in %s for %s", error, fuzz.kind()).isFalse();
    assertThat(error.getString("code")).isNotEqualTo("internal");
  }

  /** The data of a frame that is a well-formed say (as the server parses it), if it is one. */
  private static java.util.Optional<String> sayData(String text) {
    try {
      Map<?, ?> frame = STRICT.readValue(text, Map.class);
      return "say".equals(frame.get("type")) && frame.get("data") instanceof String data
          ? java.util.Optional.of(data) : java.util.Optional.empty();
    } catch (Exception notJson) {
      return java.util.Optional.empty();
    }
  }

  /** Opens a bound socket of its own, sends one raw frame and returns the server's close code. */
  private static int closeCodeAfter(int opcode, byte[] payload) {
    try (RawWebSocket socket = RawWebSocket.connect(system.port, "/ws?token=" + ChatSystem.token(FUZZER), 0)) {
      assertThat(socket.readFrame().text()).contains("init");
      socket.sendFrame(opcode, payload);
      RawWebSocket.Frame frame;
      while ((frame = socket.readFrame()) != null) {
        if (frame.opcode() == RawWebSocket.CLOSE) {
          return frame.closeCode();
        }
      }
      return -1;
    }
  }
}
