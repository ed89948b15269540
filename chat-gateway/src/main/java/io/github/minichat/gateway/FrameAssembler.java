package io.github.minichat.gateway;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The first stage of a connection: WebSocket frames in, whole client messages out. It reassembles fragmented
 * messages itself rather than through Vert.x's text handler, which decodes invalid UTF-8 into replacement
 * characters: a text message that is not UTF-8 closes the socket with 1007, as RFC 6455 asks, so nothing altered
 * can reach the store. A message over the size limit closes it with 1009, so the client learns why.
 */
final class FrameAssembler {

  /** Where whole messages go. */
  interface Receiver {
    void text(String text);

    void binary();

    void close(short code, String reason);
  }

  private final int maxBytes;
  private final Receiver receiver;
  /** A fragmented message being reassembled, and whether it is text. */
  private Buffer fragments;
  private boolean fragmentedText;

  FrameAssembler(int maxBytes, Receiver receiver) {
    this.maxBytes = maxBytes;
    this.receiver = receiver;
  }

  void onFrame(WebSocketFrame frame) {
    if (frame.isText() || frame.isBinary()) {
      fragments = null;
      if (frame.isFinal()) {
        onMessage(frame.isText(), frame.binaryData());
      } else {
        // a growable buffer of our own: the frame's may be a fixed-size view of the network buffer
        fragments = Buffer.buffer(frame.binaryData().length() * 2).appendBuffer(frame.binaryData());
        fragmentedText = frame.isText();
      }
    } else if (frame.isContinuation() && fragments != null) {
      if (fragments.length() + frame.binaryData().length() > maxBytes) {
        fragments = null;
        tooBig();
        return;
      }
      fragments.appendBuffer(frame.binaryData());
      if (frame.isFinal()) {
        Buffer message = fragments;
        fragments = null;
        onMessage(fragmentedText, message);
      }
    }
  }

  /**
   * A frame over the frame limit (Netty refuses it) or a message over the message limit (Vert.x drops it) closes
   * the socket with the code the failure names, instead of an abnormal close or a silent drop.
   */
  void onFailure(Throwable failure) {
    if (failure instanceof CorruptedWebSocketFrameException corrupted && corrupted.closeStatus() != null) {
      short code = (short) corrupted.closeStatus().code();
      // 1009 for an oversized frame, 1007 for a text frame that is not UTF-8, 1002 for a broken frame
      if (code == CloseCodes.MESSAGE_TOO_BIG) {
        tooBig();
      } else {
        receiver.close(code, corrupted.closeStatus().reasonText());
      }
    } else if (failure instanceof IllegalStateException && failure.getMessage() != null
        && failure.getMessage().contains("max message size")) {
      tooBig();
    }
  }

  private void onMessage(boolean text, Buffer bytes) {
    if (!text) {
      receiver.binary();
      return;
    }
    String decoded = bytes.toString(StandardCharsets.UTF_8);
    // the lenient decode marks bad bytes with U+FFFD; only then is the strict (slower) check needed
    if (decoded.indexOf('\uFFFD') >= 0 && !isUtf8(bytes.getBytes())) {
      receiver.close(CloseCodes.INVALID_PAYLOAD, "text frame is not valid UTF-8");
      return;
    }
    receiver.text(decoded);
  }

  private void tooBig() {
    receiver.close(CloseCodes.MESSAGE_TOO_BIG, "larger than " + maxBytes + " bytes");
  }

  private static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
