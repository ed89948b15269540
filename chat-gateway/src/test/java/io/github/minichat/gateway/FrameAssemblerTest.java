package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Frames in, whole messages out: any fragmentation gives back the message as sent; too big or not UTF-8 closes. */
class FrameAssemblerTest {

  private static final int MAX_BYTES = 64;

  private final List<String> received = new ArrayList<>();
  private final List<Short> closes = new ArrayList<>();
  private int binaries;

  private final FrameAssembler assembler = new FrameAssembler(MAX_BYTES, new FrameAssembler.Receiver() {
    @Override
    public void text(String text) {
      received.add(text);
    }

    @Override
    public void binary() {
      binaries++;
    }

    @Override
    public void close(short code, String reason) {
      closes.add(code);
    }
  });

  @Property(tries = 500, seed = "20261202")
  void anyFragmentationGivesTheMessageBack(@ForAll @StringLength(max = 20) String text,
                                           @ForAll @IntRange(min = 1, max = 8) int pieceBytes) {
    received.clear();
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Assume.that(bytes.length <= MAX_BYTES && isWellFormed(text));
    List<byte[]> pieces = new ArrayList<>();
    for (int from = 0; from < bytes.length || pieces.isEmpty(); from += pieceBytes) {
      pieces.add(java.util.Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + pieceBytes)));
    }
    for (int i = 0; i < pieces.size(); i++) {
      Buffer piece = Buffer.buffer(pieces.get(i));
      boolean last = i == pieces.size() - 1;
      assembler.onFrame(i == 0 ? textFrame(piece, last) : WebSocketFrame.continuationFrame(piece, last));
    }
    assertThat(received).containsExactly(text);
    assertThat(closes).isEmpty();
  }

  @Test
  @DisplayName("a message that grows past the limit over continuation frames closes with 1009")
  void tooBigOverFragments() {
    assembler.onFrame(textFrame(Buffer.buffer("x".repeat(MAX_BYTES - 1)), false));
    assembler.onFrame(WebSocketFrame.continuationFrame(Buffer.buffer("yy"), true));
    assertThat(received).isEmpty();
    assertThat(closes).containsExactly(CloseCodes.MESSAGE_TOO_BIG);
  }

  @Test
  @DisplayName("a text message that is not UTF-8 closes with 1007; a U+FFFD that was sent is kept")
  void invalidUtf8() {
    assembler.onFrame(textFrame(Buffer.buffer(new byte[] {'a', (byte) 0xC3, '(', 'b'}), true));
    assembler.onFrame(WebSocketFrame.textFrame("real \uFFFD", true));
    assertThat(closes).containsExactly(CloseCodes.INVALID_PAYLOAD);
    assertThat(received).containsExactly("real \uFFFD");
  }

  @Test
  @DisplayName("a binary message is handed on as binary; a stray continuation frame is ignored")
  void binaryAndStrayContinuation() {
    assembler.onFrame(WebSocketFrame.binaryFrame(Buffer.buffer("{}"), true));
    assembler.onFrame(WebSocketFrame.continuationFrame(Buffer.buffer("lost"), true));
    assertThat(binaries).isEqualTo(1);
    assertThat(received).isEmpty();
  }

  @Test
  @DisplayName("Netty's and Vert.x's size refusals close with 1009, a broken frame with the code Netty names")
  void failures() {
    assembler.onFailure(new CorruptedWebSocketFrameException(WebSocketCloseStatus.MESSAGE_TOO_BIG, "big"));
    assembler.onFailure(new IllegalStateException("Cannot process websocket frame: max message size exceeded"));
    assembler.onFailure(new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, "bad"));
    assembler.onFailure(new RuntimeException("connection reset"));
    assertThat(closes).containsExactly(CloseCodes.MESSAGE_TOO_BIG, CloseCodes.MESSAGE_TOO_BIG, (short) 1002);
  }

  /** A text frame of raw bytes (possibly not UTF-8, possibly cut inside a character). */
  private static WebSocketFrame textFrame(Buffer bytes, boolean last) {
    return new io.vertx.core.http.impl.ws.WebSocketFrameImpl(io.vertx.core.http.WebSocketFrameType.TEXT,
        bytes.getBytes(), last);
  }

  private static boolean isWellFormed(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(text);
  }
}
