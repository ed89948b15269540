package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the fields of client frames, request bodies and query parameters, with the seed client's field names, and
 * refuses what does not fit with an error that names the field.
 */
final class Fields {

  static final int MAX_FILE_ID_LENGTH = 64;

  private Fields() {
  }

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

  /** A JSON boolean field, false when absent. */
  static boolean flag(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return false;
    }
    if (value instanceof Boolean bool) {
      return bool;
    }
    throw invalid(field + " must be true or false");
  }

  /** An optional array of ids (as {@link #id}), each once, at most {@code max}; empty when absent. */
  static List<Long> ids(JsonObject json, String field, int max) {
    Object value = json.getValue(field);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw invalid(field + " must be an array of user ids");
    }
    if (array.size() > max) {
      throw invalid(field + " holds more than " + max + " ids");
    }
    Set<Long> ids = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      ids.add(id(new JsonObject().put(field, array.getValue(i)), field));
    }
    return List.copyOf(ids);
  }

  /** An optional text field: absent is null; present, it must be a string of 1 to {@code maxLength} characters. */
  static String optionalText(JsonObject json, String field, int maxLength) {
    return json.getValue(field) == null ? null : text(json, field, maxLength);
  }

  /** An upload's id as {@code POST /api/files} gave it ({@code file_id}), or null when absent. */
  static String fileId(JsonObject json) {
    Object value = json.getValue("file_id");
    if (value == null) {
      return null;
    }
    if (!(value instanceof String id) || id.isEmpty() || id.length() > MAX_FILE_ID_LENGTH
        || !id.chars().allMatch(Fields::isFileIdChar)) {
      throw invalid("file_id must be the id an upload was given (1 to " + MAX_FILE_ID_LENGTH
          + " letters, digits, '-' or '_')");
    }
    return id;
  }

  private static boolean isFileIdChar(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  }

  static ChatException invalid(String message) {
    return new ChatException(ChatError.INVALID_FIELD, message);
  }
}
