package io.github.minichat.message;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ConversationSummary;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where a page of the conversation list ended: the sort key of its last line (pinned, last activity, kind, id), a
 * total order, so that the next page starts strictly after it. Travels as an opaque string: clients hand back what
 * they were given, and a string that is not one of ours is refused, not guessed at.
 */
record ConversationCursor(boolean pinned, long lastActiveAt, String kind, long id) {

  /** Longer than any cursor this class writes (two flags and two longs). */
  private static final int MAX_LENGTH = 96;

  static ConversationCursor after(ConversationSummary last) {
    return new ConversationCursor(last.pinned(), last.lastActiveAt(), last.kind(), last.id());
  }

  String encode() {
    String key = (pinned ? "1" : "0") + ":" + lastActiveAt + ":" + kind + ":" + id;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.US_ASCII));
  }

  /** The cursor {@link #encode} wrote; anything else fails {@code invalid_field}. */
  static ConversationCursor parse(String text) {
    if (text.length() > MAX_LENGTH) {
      throw malformed();
    }
    try {
      String[] parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.US_ASCII).split(":", -1);
      if (parts.length != 4 || !(parts[0].equals("0") || parts[0].equals("1"))
          || !(parts[2].equals(ConversationStore.USER) || parts[2].equals(ConversationStore.GROUP))) {
        throw malformed();
      }
      long lastActiveAt = Long.parseLong(parts[1]);
      long id = Long.parseLong(parts[3]);
      // epoch milliseconds and ids are positive: anything else was not written here (and would not negate safely)
      if (lastActiveAt < 0 || id <= 0) {
        throw malformed();
      }
      return new ConversationCursor(parts[0].equals("1"), lastActiveAt, parts[2], id);
    } catch (IllegalArgumentException e) {
      // not base64, or not numbers where numbers belong (NumberFormatException is one)
      throw malformed();
    }
  }

  private static ChatException malformed() {
    return new ChatException(ChatError.INVALID_FIELD, "cursor is not one this service handed out");
  }
}
