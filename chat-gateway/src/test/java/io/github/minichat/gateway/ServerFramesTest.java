package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.Attachment;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.Notice;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The frames written as text directly must be exactly what Jackson writes for the same fields, whatever the
 * strings hold; a message is the same object in a push, a sync page and an HTTP answer.
 */
class ServerFramesTest {

  private static final FileLinks LINKS = (id, thumb) -> "https://chat.test/" + (thumb ? "t/" : "f/") + id;

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
  @DisplayName("a text frame is byte for byte what Jackson writes for its fields, for either participant")
  void textFrameMatchesJsonObjectForm(String data) {
    ChatMessage withCid = new ChatMessage(9_007_199_254_740_993L, 42, 7, 8, data, false, 1_764_000_000_123L, 5, 6,
        "c-1 \"quoted\" \\ " + data);
    ChatMessage withoutCid = new ChatMessage(1, 1, 8, 7, data, true, 0, 1, 2, null);
    for (ChatMessage message : List.of(withCid, withoutCid)) {
      for (long forUser : new long[] {message.fromId(), message.toId()}) {
        String frame = ServerFrames.text(message, forUser, LINKS);
        assertThat(frame).isEqualTo(ENCODER.toString(jsonForm(message, forUser), false));
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
    String frame = ServerFrames.ack(cid, message);
    assertThat(frame).isEqualTo(ENCODER.toString(expected, false));
    assertThat(new JsonObject(frame)).isEqualTo(expected);
  }

  @ParameterizedTest
  @MethodSource("texts")
  @DisplayName("a sync page and a history page hold each message exactly as its pushed text frame")
  void pagesHoldTheTextFrames(String data) {
    ChatMessage first = new ChatMessage(1, 1, 7, 8, data, false, 10, 3, 4, "c-" + data);
    ChatMessage second = new ChatMessage(2, 2, 8, 7, data, true, 11, 5, 6, null);
    JsonArray expected = new JsonArray().add(new JsonObject(ServerFrames.text(first, 7, LINKS)))
        .add(new JsonObject(ServerFrames.text(second, 7, LINKS)));
    JsonObject sync = new JsonObject(ServerFrames.syncPage(List.of(first, second), 5, true, 7, LINKS));
    assertThat(sync).isEqualTo(new JsonObject().put("type", "sync").put("messages", expected).put("cursor", 5)
        .put("has_more", true));
    JsonObject history = new JsonObject(ServerFrames.historyPage(List.of(first, second), false, 7, LINKS));
    assertThat(history).isEqualTo(new JsonObject().put("messages", expected).put("has_more", false));
    assertThat(new JsonObject(ServerFrames.syncPage(List.of(), 0, false, 7, LINKS)).getJsonArray("messages")).isEmpty();
  }

  @Test
  @DisplayName("an error frame names its code, what it answers, whether to retry and after how long")
  void errorFrame() {
    JsonObject frame = new JsonObject(ServerFrames.error(ChatError.RATE_LIMITED, "slow down", "c-1", 250));
    assertThat(frame).isEqualTo(new JsonObject().put("type", "error").put("code", ChatError.RATE_LIMITED.code())
        .put("message", "slow down").put("ref", "c-1").put("retryable", true).put("retry_after_ms", 250));
    JsonObject unref = new JsonObject(ServerFrames.error(ChatError.FORBIDDEN, "no", new Object(), 0));
    assertThat(unref.containsKey("ref")).isTrue();
    assertThat(unref.getValue("ref")).isNull();
    assertThat(unref.containsKey("retry_after_ms")).isFalse();
  }

  @Test
  @DisplayName("a picture, a file and a recalled message show a seed client a placeholder, new clients the file")
  void nonTextMessages() {
    Attachment picture = new Attachment("pic1", Attachment.IMAGE, "image/png", 2048, "a \"b\".png", 640, 480, true);
    Attachment document = new Attachment("doc1", Attachment.FILE, "application/pdf", 99, "报告.pdf", 0, 0, false);
    ChatMessage base = new ChatMessage(5, 2, 7, 8, "", false, 10, 3, 4, "c-5");
    JsonObject image = new JsonObject(ServerFrames.text(base.withAttachment(picture), 8, LINKS));
    assertThat(image.getString("kind")).isEqualTo("image");
    assertThat(image.getString("data")).isEqualTo("[图片] https://chat.test/f/pic1");
    assertThat(image.getJsonObject("file")).isEqualTo(new JsonObject().put("id", "pic1").put("name", "a \"b\".png")
        .put("mime", "image/png").put("size", 2048).put("width", 640).put("height", 480)
        .put("url", "https://chat.test/f/pic1").put("thumb_url", "https://chat.test/t/pic1"));
    JsonObject file = new JsonObject(ServerFrames.text(base.withAttachment(document), 7, LINKS));
    assertThat(file.getString("kind")).isEqualTo("file");
    assertThat(file.getString("data")).isEqualTo("[文件] 报告.pdf https://chat.test/f/doc1");
    assertThat(file.getJsonObject("file").containsKey("width")).isFalse();
    assertThat(file.getJsonObject("file").containsKey("thumb_url")).isFalse();
    ChatMessage recalled = new ChatMessage(5, 2, 7, 8, "", true, 10, 3, 4, "c-5", 0, false, false, null, true);
    JsonObject gone = new JsonObject(ServerFrames.text(recalled, 8, LINKS));
    assertThat(gone.getString("kind")).isEqualTo("recalled");
    assertThat(gone.getString("data")).isEqualTo("[消息已撤回]");
    assertThat(gone.containsKey("file")).isFalse();
  }

  @Test
  @DisplayName("notices: a read receipt has by, a recall names its sender, typing its typist")
  void notices() {
    assertThat(new JsonObject(ServerFrames.notice(new Notice(Notice.Kind.READ, 7, 8, 41, 3, 8)))).isEqualTo(
        new JsonObject().put("type", "read").put("by", 8).put("peer", 8).put("up_to", 41).put("seq", 3));
    assertThat(new JsonObject(ServerFrames.notice(new Notice(Notice.Kind.RECALL, 8, 7, 41, 3, 7)))).isEqualTo(
        new JsonObject().put("type", "recall").put("id", 41).put("peer", 7).put("seq", 3).put("from_id", 7));
    assertThat(new JsonObject(ServerFrames.notice(new Notice(Notice.Kind.DELETED, 8, 7, 41, 3, 8)))).isEqualTo(
        new JsonObject().put("type", "deleted").put("id", 41).put("peer", 7).put("seq", 3));
    assertThat(new JsonObject(ServerFrames.notice(new Notice(Notice.Kind.TYPING, 8, 7, 0, 0, 7)))).isEqualTo(
        new JsonObject().put("type", "typing").put("from_id", 7).put("expires_ms", ServerFrames.TYPING_EXPIRES_MS));
  }

  /** The seed's text frame, field by field, in the order the gateway writes them. */
  private static JsonObject jsonForm(ChatMessage message, long forUser) {
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

  @Test
  @DisplayName("a letters frame carries the unread count and its version")
  void lettersFrame() {
    JsonObject expected = new JsonObject().put("type", "letters").put("countNum", 12L).put("version", 34L);
    assertThat(ServerFrames.letters(new UnreadCount(8, 12, 34))).isEqualTo(ENCODER.toString(expected, false));
  }
}
