package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The frames written as text directly must be exactly what encoding the JsonObject form would write. */
class WireTest {

  private static final JacksonCodec ENCODER = new JacksonCodec();

  static List<String> texts() {
    return List.of(
        "hello",
        "quote \" backslash \\ slash / tab \t newline \n return \r",
        "controls \u0000\u0001\u001f\u007f and a form feed \f and a backspace \b",
        "你好，对方不在线",
        "emoji 😀 and a line separator \u2028 and a paragraph separator \u2029",
        "<script>alert('x')</script> & more",
        "");
  }

  @ParameterizedTest
  @MethodSource("texts")
  @DisplayName("a text frame is byte for byte the encoding of its JsonObject form, for either participant")
  void textFrameMatchesJsonObjectForm(String data) {
    ChatMessage withCid = new ChatMessage(9_007_199_254_740_993L, 42, 7, 8, data, false, 1_764_000_000_123L, 5, 6,
        "c-1 \"quoted\" \\ " + data);
    ChatMessage withoutCid = new ChatMessage(1, 1, 8, 7, data, true, 0, 1, 2, null);
    for (ChatMessage message : List.of(withCid, withoutCid)) {
      for (long forUser : new long[] {message.fromId(), message.toId()}) {
        String frame = Wire.textFrame(message, forUser);
        assertThat(frame).isEqualTo(ENCODER.toString(Wire.text(message, forUser), false));
        assertThat(new JsonObject(frame).getString("data")).isEqualTo(data);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("texts")
  @DisplayName("an ack frame carries the cid as sent and the sender's position of the stored message")
  void ackFrame(String cid) {
    ChatMessage message = new ChatMessage(11, 3, 7, 8, "hi", false, 1_764_000_000_123L, 21, 22, cid);
    JsonObject expected = new JsonObject()
        .put("type", "ack").put("cid", cid).put("id", 11L).put("seq", 3L).put("cursor", 21L)
        .put("created_at", 1_764_000_000_123L);
    String frame = Wire.ackFrame(cid, message);
    assertThat(frame).isEqualTo(ENCODER.toString(expected, false));
    assertThat(new JsonObject(frame)).isEqualTo(expected);
  }

  @Test
  @DisplayName("a letters frame carries the unread count and its version")
  void lettersFrame() {
    JsonObject expected = new JsonObject().put("type", "letters").put("countNum", 12L).put("version", 34L);
    assertThat(Wire.lettersFrame(new UnreadCount(8, 12, 34))).isEqualTo(ENCODER.toString(expected, false));
  }
}
