package io.github.minichat.gateway;

/** The client end of a connection, as the gateway's connection pipeline sees it: a real WebSocket, or a test's. */
interface ClientLink {

  void write(String frame);

  /** More than the write-queue limit waits for the client to read. */
  boolean writeQueueFull();

  /** A graceful close: the close frame waits behind whatever is queued. */
  void close(short code, String reason);

  /** Drops the connection now, queued frames and all. */
  void cut();

  boolean isClosed();

  /** Stops reading the client's frames: TCP then pushes back on the client. */
  void pause();

  void resume();
}
