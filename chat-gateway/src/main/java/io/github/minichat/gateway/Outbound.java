package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last stage of a connection: every frame to the client goes through here, counted by type, and nothing is
 * written once the connection is closing. A client that stops reading would make the gateway buffer its pushes
 * without bound: once more than the write-queue limit waits for it, it is closed with 1013 (reconnect later; reading
 * slowly is not abuse). Its messages are stored and it gets them back with {@code sync}. The close frame sits
 * behind the full queue, so a client that does not read it within a second is cut off.
 */
final class Outbound {

  private static final Logger LOG = LoggerFactory.getLogger(Outbound.class);

  /** How long a slow consumer's close frame may wait in its full write queue before the connection is cut. */
  static final long SLOW_CONSUMER_CLOSE_MILLIS = 1_000;

  private final ClientLink link;
  private final Vertx vertx;
  private final String connectionId;
  private boolean closed;

  Outbound(ClientLink link, Vertx vertx, String connectionId) {
    this.link = link;
    this.vertx = vertx;
    this.connectionId = connectionId;
  }

  /** Writes a frame of the given type (for the meters), unless the connection is closing. */
  void write(String type, String frame) {
    if (closed || link.isClosed()) {
      return;
    }
    GatewayMetrics.frameOut(type);
    link.write(frame);
    if (link.writeQueueFull()) {
      closeSlowConsumer();
    }
  }

  void error(ChatError error, String message, Object ref, long retryAfterMillis) {
    GatewayMetrics.error(error);
    write("error", ServerFrames.error(error, message, ref, retryAfterMillis));
  }

  void close(short code, String reason) {
    if (!closed) {
      link.close(code, reason);
    }
  }

  /** The socket has closed: nothing more is written. */
  void closed() {
    closed = true;
  }

  boolean isClosed() {
    return closed;
  }

  private void closeSlowConsumer() {
    LOG.info("Connection {} does not read its pushes: closing it", connectionId);
    closed = true;
    link.close(CloseCodes.TRY_AGAIN_LATER, "slow consumer: reconnect and sync");
    vertx.setTimer(SLOW_CONSUMER_CLOSE_MILLIS, ignored -> link.cut());
  }
}
