package io.github.minichat.systemtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of strings and JSON values that break naive code: NUL, lone surrogates, control characters,
 * byte order marks, direction marks, astral code points, JSON- and SQL-breaking text, very long, empty and blank
 * strings, mixed with ordinary ASCII. The same seed gives the same sequence, so a failure can be replayed.
 */
final class HostileStrings {

  /** Longest generated string, a little above the 64 KiB that some buffers, frames and columns stop at. */
  static final int MAX_LENGTH = 70_000;

  private static final List<String> FRAGMENTS = List.of(
      "'; DROP TABLE messages; --", "1' OR '1'='1", "$$; DELETE FROM inboxes; $$", "\\x00", "E'\\\\000'",
      "\"}]}", "{\"type\":\"say\"", "\\u0000", "\\ud800", "\\", "\"", "'", "`", "%s%n%x", "${jndi:ldap://x}",
      "<script>alert(1)</script>", "null", "true", "-0", "1e309", "NaN", "\r\n", "\u2028\u2029",
      "👩‍👩‍👧‍👦", "🏳️‍🌈", "𝕳𝖊𝖑𝖑𝖔", "𠜎𠜱", "مرحبا", "שלום", "e\u0301", "\u0915\u094D\u0937");

  /** Single characters that each break something: NUL, C0/C1 controls, DEL, U+FFFD, BOM, direction marks. */
  private static final char[] HOSTILE_CHARS = {
      '\u0000', '\u0001', '\u0007', '\u0008', '\t', '\n', '\u000B', '\u000C', '\r', '\u001B', '\u001F', '\u007F',
      '\u0080', '\u0085', '\u009F', '\u00A0', '\uFFFD', '\uFEFF', '\uFFFE', '\uFFFF', '\u200B', '\u200D',
      '\u200E', '\u200F', '\u202A', '\u202E', '\u2066', '\u2069', '\u061C'};

  private final Random random;

  HostileStrings(long seed) {
    this.random = new Random(seed);
  }

  /** One hostile string (sometimes an ordinary one: honest text must be in the mix too). */
  String next() {
    return switch (random.nextInt(14)) {
      case 0 -> "";
      case 1 -> whitespace();
      case 2 -> ascii(1 + random.nextInt(40));
      case 3 -> Character.toString(HOSTILE_CHARS[random.nextInt(HOSTILE_CHARS.length)]);
      case 4 -> loneSurrogate();
      case 5 -> ascii(1 + random.nextInt(10)) + '\u0000' + ascii(random.nextInt(10));
      case 6 -> FRAGMENTS.get(random.nextInt(FRAGMENTS.size()));
      case 7 -> astral(1 + random.nextInt(8));
      case 8 -> veryLong();
      case 9 -> printableAscii(1 + random.nextInt(64));
      default -> mixed(1 + random.nextInt(random.nextInt(10) == 0 ? 3_000 : 60));
    };
  }

  /** Any JSON value: hostile strings, odd numbers, booleans, null, nested objects and arrays. */
  Object nextValue() {
    return nextValue(3);
  }

  private Object nextValue(int depth) {
    int kind = random.nextInt(depth > 0 ? 12 : 10);
    return switch (kind) {
      case 0, 1, 2, 3 -> next();
      case 4 -> number();
      case 5 -> random.nextBoolean();
      case 6 -> null;
      case 7 -> random.nextInt(1_000);
      case 8 -> random.nextLong();
      case 9 -> Long.toString(random.nextLong());
      case 10 -> {
        JsonObject object = new JsonObject();
        for (int i = random.nextInt(4); i > 0; i--) {
          object.put(shortKey(), nextValue(depth - 1));
        }
        yield object;
      }
      default -> {
        JsonArray array = new JsonArray();
        for (int i = random.nextInt(4); i > 0; i--) {
          array.add(nextValue(depth - 1));
        }
        yield array;
      }
    };
  }

  /**
   * A {@code say} frame to {@code toId} with hostile values in {@code cid} and {@code data}; sometimes also a hostile
   * {@code to_id} or {@code from_id}, or extra fields.
   */
  JsonObject hostileSay(long toId) {
    JsonObject say = new JsonObject().put("type", "say").put("to_id", toId);
    say.put("cid", random.nextInt(4) == 0 ? nextValue() : next());
    say.put("data", random.nextInt(4) == 0 ? nextValue() : next());
    if (random.nextInt(8) == 0) {
      say.put("to_id", nextValue());
    }
    if (random.nextInt(8) == 0) {
      say.put("from_id", random.nextBoolean() ? nextValue() : random.nextLong());
    }
    for (int i = random.nextInt(6) == 0 ? 1 + random.nextInt(3) : 0; i > 0; i--) {
      // never "type": the frame stays a say
      say.put(random.nextBoolean() ? "x_" + ascii(1 + random.nextInt(6)) : "x" + next(), nextValue());
    }
    return say;
  }

  /**
   * The JSON text of a frame with every character outside printable ASCII written as a {@code \\uXXXX} escape: a
   * lone surrogate can only reach the server that way (a WebSocket text frame is UTF-8, which cannot carry one).
   */
  static String escapedJson(JsonObject frame) {
    String json = frame.encode();
    StringBuilder escaped = new StringBuilder(json.length() + 16);
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c >= 0x20 && c < 0x7F) {
        escaped.append(c);
      } else {
        // outside string literals the encoder writes only printable ASCII, so c is inside one
        escaped.append(String.format("\\u%04x", (int) c));
      }
    }
    return escaped.toString();
  }

  // ---- parts ----

  private String whitespace() {
    String[] blanks = {" ", "\t", "\n", "\r", "\u00A0", "\u2003", "\u3000", "\u200B"};
    StringBuilder text = new StringBuilder();
    for (int i = 1 + random.nextInt(8); i > 0; i--) {
      text.append(blanks[random.nextInt(blanks.length)]);
    }
    return text.toString();
  }

  private String ascii(int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append((char) ('a' + random.nextInt(26)));
    }
    return text.toString();
  }

  /** Any of the 94 printable ASCII characters without the space, quotes and backslashes included. */
  private String printableAscii(int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append((char) ('!' + random.nextInt('~' - '!' + 1)));
    }
    return text.toString();
  }

  private String loneSurrogate() {
    char surrogate = random.nextBoolean()
        ? (char) (0xD800 + random.nextInt(0x400))
        : (char) (0xDC00 + random.nextInt(0x400));
    return switch (random.nextInt(3)) {
      case 0 -> Character.toString(surrogate);
      case 1 -> ascii(1 + random.nextInt(8)) + surrogate;
      default -> surrogate + ascii(1 + random.nextInt(8));
    };
  }

  private String astral(int count) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < count; i++) {
      text.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000 + 1));
    }
    return text.toString();
  }

  private String veryLong() {
    int length = 1_000 + random.nextInt(MAX_LENGTH - 1_000);
    StringBuilder text = new StringBuilder(length);
    char filler = random.nextBoolean() ? 'x' : 'é';
    while (text.length() < length) {
      text.append(random.nextInt(200) == 0 ? mixed(4) : Character.toString(filler));
    }
    text.setLength(length);
    return text.toString();
  }

  /** Characters of every kind, one after another, including some that do not pair up. */
  private String mixed(int length) {
    StringBuilder text = new StringBuilder(length + 2);
    while (text.length() < length) {
      switch (random.nextInt(7)) {
        case 0 -> text.append(HOSTILE_CHARS[random.nextInt(HOSTILE_CHARS.length)]);
        case 1 -> text.append(FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
        case 2 -> text.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000 + 1));
        case 3 -> text.append((char) (0xD800 + random.nextInt(0x800)));
        case 4 -> text.append((char) (0x80 + random.nextInt(0xD800 - 0x80)));
        default -> text.append((char) (0x20 + random.nextInt(0x5F)));
      }
    }
    return text.toString();
  }

  private Object number() {
    return switch (random.nextInt(8)) {
      case 0 -> Long.MAX_VALUE;
      case 1 -> Long.MIN_VALUE;
      case 2 -> -1 - random.nextInt(1_000);
      case 3 -> random.nextDouble() * 1e6;
      case 4 -> -random.nextDouble();
      case 5 -> new java.math.BigInteger(100 + random.nextInt(200), random);
      case 6 -> 0;
      default -> 1e300 * (random.nextBoolean() ? 1 : -1);
    };
  }

  private String shortKey() {
    return switch (random.nextInt(6)) {
      case 0 -> "type";
      case 1 -> "cid";
      case 2 -> "data";
      case 3 -> "__proto__";
      default -> ascii(1 + random.nextInt(6));
    };
  }
}
