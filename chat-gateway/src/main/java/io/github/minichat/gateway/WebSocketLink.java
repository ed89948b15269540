package io.github.minichat.gateway;

import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

/** A connection's {@link ClientLink} over Vert.x's server WebSocket. */
final class WebSocketLink implements ClientLink {

  /** At most this many frames are held back before a flush, so a burst still reaches the client in pieces. */
  private static final int MAX_FRAMES_PER_FLUSH = 64;

  private final ServerWebSocket webSocket;

  WebSocketLink(ServerWebSocket webSocket, int maxWriteQueueBytes) {
    this.webSocket = webSocket;
    webSocket.setWriteQueueMaxSize(maxWriteQueueBytes);
    coalesceFlushes(webSocket);
  }

  /**
   * Vert.x flushes every frame written outside a read, one system call each. A message's pushes (its text, then the
   * unread count) arrive as separate tasks of the same event-loop turn: flushing once at the end of the turn sends
   * them in one call, without delaying either past that turn.
   */
  private static void coalesceFlushes(ServerWebSocket webSocket) {
    if (webSocket instanceof WebSocketInternal internal) {
      internal.channelHandlerContext().pipeline()
          .addFirst("flush-coalescing", new FlushConsolidationHandler(MAX_FRAMES_PER_FLUSH, true));
    }
  }

  @Override
  public void write(String frame) {
    webSocket.writeTextMessage(frame);
  }

  @Override
  public boolean writeQueueFull() {
    return webSocket.writeQueueFull();
  }

  @Override
  public void close(short code, String reason) {
    webSocket.close(code, reason);
  }

  /**
   * Every graceful close waits for the write queue to flush and Vert.x's public API has no hard close, so this cuts
   * the channel. It needs Vert.x's own socket, not vertx-web's wrapper: the gateway takes upgrades before its router.
   */
  @Override
  public void cut() {
    if (!webSocket.isClosed() && webSocket instanceof WebSocketInternal internal) {
      internal.channelHandlerContext().close();
    }
  }

  @Override
  public boolean isClosed() {
    return webSocket.isClosed();
  }

  @Override
  public void pause() {
    webSocket.pause();
  }

  @Override
  public void resume() {
    webSocket.resume();
  }
}
