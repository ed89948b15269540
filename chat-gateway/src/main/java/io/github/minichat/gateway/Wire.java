package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.common.UnreadCount;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The wire shapes of the mini-program protocol, with the seed client's field names: reading fields of client
 * frames and request bodies with clear errors, and building every server frame.
 */
final class Wire {

  static final String OFFLINE_STATUS = "对方不在线";
  static final String ONLINE_STATUS = "对方在线";

  private static final JsonStringEncoder ESCAPER = JsonStringEncoder.getInstance();

  private Wire() {
  }

  // ---- reading ----

  /**
   * A positive user or message id. Seed clients keep ids from local storage, so numeric strings are accepted too.
   */
  static long id(JsonObject json, String field) {
    Long value = optionalId(json, field);
    if (value == null) {
      throw invalid(field + " is required");
    }
    return value;
  }

  static Long optionalId(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    long id;
    if (value instanceof Number number) {
      if (!(value instanceof Integer || value instanceof Long) || number.longValue() <= 0) {
        throw invalid(field + " must be a positive integer");
      }
      id = number.longValue();
    } else if (value instanceof String text && text.matches("[0-9]{1,18}")) {
      id = Long.parseLong(text);
    } else {
      throw invalid(field + " must be a positive integer");
    }
    if (id <= 0) {
      throw invalid(field + " must be a positive integer");
    }
    return id;
  }

  /** A non-negative integer (cursors, limits). */
  static long number(JsonObject json, String field, long defaultValue) {
    Object value = json.getValue(field);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Integer || value instanceof Long) {
      long number = ((Number) value).longValue();
      if (number >= 0) {
        return number;
      }
    } else if (value instanceof String text && text.matches("[0-9]{1,18}")) {
      return Long.parseLong(text);
    }
    throw invalid(field + " must be a non-negative integer");
  }

  static String text(JsonObject json, String field, int maxLength) {
    Object value = json.getValue(field);
    if (!(value instanceof String text)) {
      throw invalid(field + (value == null ? " is required" : " must be a string"));
    }
    if (text.isEmpty()) {
      throw invalid(field + " must not be empty");
    }
    if (text.codePointCount(0, text.length()) > maxLength) {
      throw new ChatException(ChatError.TEXT_TOO_LONG, field + " is longer than " + maxLength + " characters");
    }
    checkStorable(text, field);
    return text;
  }

  /**
   * Texts are stored and returned exactly as sent, so they must be valid Unicode that PostgreSQL can hold: a lone
   * surrogate (possible through a JSON escape) would be silently replaced on the way to UTF-8, and PostgreSQL refuses
   * the NUL character.
   */
  private static void checkStorable(String text, String field) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        throw invalid(field + " must not contain the NUL character");
      }
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw invalid(field + " is not valid Unicode (unpaired surrogate)");
      }
    }
  }

  /** The longest client message id. */
  static final int MAX_CID_LENGTH = 64;

  /**
   * An optional client message id: 1 to {@value #MAX_CID_LENGTH} printable ASCII characters, {@code !} to
   * {@code ~} (0x21 to 0x7E: no space, no control character, nothing outside ASCII), so that it is stored, compared
   * and echoed byte for byte whatever the encoding on the way. An integer is accepted too and becomes its decimal
   * string (a negative one keeps its {@code -}).
   */
  static String cid(JsonObject json) {
    Object value = json.getValue("cid");
    if (value == null) {
      return null;
    }
    if (value instanceof Integer || value instanceof Long) {
      return value.toString();
    }
    if (value instanceof String cid && isCid(cid)) {
      return cid;
    }
    throw invalid("cid must be a string of 1 to " + MAX_CID_LENGTH + " printable ASCII characters (! to ~)");
  }

  private static boolean isCid(String cid) {
    if (cid.isEmpty() || cid.length() > MAX_CID_LENGTH) {
      return false;
    }
    for (int i = 0; i < cid.length(); i++) {
      char c = cid.charAt(i);
      if (c < '!' || c > '~') {
        return false;
      }
    }
    return true;
  }

  static boolean flag(String value, boolean defaultValue) {
    if (value == null) {
      return defaultValue;
    }
    return switch (value) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw invalid("mark_read must be true or false");
    };
  }

  static ChatException invalid(String message) {
    return new ChatException(ChatError.INVALID_FIELD, message);
  }

  // ---- writing ----

  static JsonObject init() {
    return new JsonObject().put("type", "init");
  }

  static JsonObject heart() {
    return new JsonObject().put("type", "heart");
  }

  /** A message as the seed's {@code text} frame, plus {@code seq}, {@code cursor} (for the given user) and cid. */
  static JsonObject text(ChatMessage message, long forUser) {
    JsonObject frame = new JsonObject()
        .put("type", "text")
        .put("id", message.id())
        .put("seq", message.seq())
        .put("cursor", message.cursorFor(forUser))
        .put("from_id", message.fromId())
        .put("to_id", message.toId())
        .put("data", message.data())
        .put("is_read", message.read() ? 1 : 0)
        .put("created_at", message.createdAt());
    if (message.cid() != null) {
      frame.put("cid", message.cid());
    }
    return frame;
  }

  static JsonArray texts(List<ChatMessage> messages, long forUser) {
    JsonArray array = new JsonArray();
    messages.forEach(message -> array.add(text(message, forUser)));
    return array;
  }

  // ---- the frames of every message, written as text directly ----
  // A delivery is a text frame, an ack and a letters frame: most of what a gateway writes. Building each as a
  // JsonObject (a map) and then encoding it was about a tenth of a gateway's CPU, so these three are written
  // straight into a string. The text frame has the same fields in the same order as text(), which HTTP
  // and sync pages use; WireTest holds them equal.

  static String textFrame(ChatMessage message, long forUser) {
    StringBuilder frame = new StringBuilder(180 + message.data().length())
        .append("{\"type\":\"text\",\"id\":").append(message.id())
        .append(",\"seq\":").append(message.seq())
        .append(",\"cursor\":").append(message.cursorFor(forUser))
        .append(",\"from_id\":").append(message.fromId())
        .append(",\"to_id\":").append(message.toId())
        .append(",\"data\":");
    quoted(frame, message.data())
        .append(",\"is_read\":").append(message.read() ? 1 : 0)
        .append(",\"created_at\":").append(message.createdAt());
    if (message.cid() != null) {
      quoted(frame.append(",\"cid\":"), message.cid());
    }
    return frame.append('}').toString();
  }

  static String ackFrame(String cid, ChatMessage message) {
    return quoted(new StringBuilder(140).append("{\"type\":\"ack\",\"cid\":"), cid)
        .append(",\"id\":").append(message.id())
        .append(",\"seq\":").append(message.seq())
        .append(",\"cursor\":").append(message.senderCursor())
        .append(",\"created_at\":").append(message.createdAt())
        .append('}').toString();
  }

  static String lettersFrame(UnreadCount count) {
    return "{\"type\":\"letters\",\"countNum\":" + count.countNum() + ",\"version\":" + count.version() + "}";
  }

  /** A JSON string: quoted, with quotes, backslashes and control characters escaped as Jackson's generator does. */
  private static StringBuilder quoted(StringBuilder frame, String value) {
    frame.append('"');
    ESCAPER.quoteAsString(value, frame);
    return frame.append('"');
  }

  static JsonObject online(PresenceStatus status) {
    return new JsonObject()
        .put("type", "online")
        .put("user_id", status.userId())
        .put("online", status.online())
        .put("status", status.online() ? ONLINE_STATUS : OFFLINE_STATUS)
        .put("last_seen", status.lastSeen());
  }

  static JsonObject presence(PresenceStatus status) {
    return new JsonObject()
        .put("user_id", status.userId())
        .put("online", status.online())
        .put("last_seen", status.lastSeen());
  }

  static JsonObject error(ChatError error, String message, Object ref, long retryAfterMillis) {
    JsonObject frame = new JsonObject()
        .put("type", "error")
        .put("code", error.code())
        .put("message", message)
        .put("ref", ref)
        .put("retryable", error.retryable() || retryAfterMillis > 0);
    if (retryAfterMillis > 0) {
      frame.put("retry_after_ms", retryAfterMillis);
    }
    return frame;
  }

  static JsonObject httpError(ChatError error, String message) {
    return new JsonObject().put("error", new JsonObject().put("code", error.code()).put("message", message));
  }
}
