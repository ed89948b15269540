package io.github.minichat.gateway;

import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

/** A connection's {@link ClientLink} over Vert.x's server WebSocket. */
final class WebSocketLink implements ClientLink {

  private final ServerWebSocket webSocket;

  WebSocketLink(ServerWebSocket webSocket, int maxWriteQueueBytes) {
    this.webSocket = webSocket;
    webSocket.setWriteQueueMaxSize(maxWriteQueueBytes);
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
