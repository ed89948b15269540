package io.github.minichat.gateway;

import io.github.minichat.common.ConnectionEvent;
import io.vertx.core.Future;

/**
 * One connection's identity and where it stands: new, binding (presence recording it, the inbox head being read),
 * bound. Also what the connection counts about its client: when it last sent a frame, and how many frames in a row
 * a rate limit refused. Used on the connection's event loop only.
 */
final class Session {

  private final long userId;
  private final String connectionId;
  private final String gatewayId;
  private final FileLinks links;
  /** The user whose chat the connection has open (its last {@code online}), 0 for none. */
  private long viewing;
  /** Presence has recorded the connection (or refused to); null before bind. */
  private Future<?> presenceRecorded;
  /** Presence has recorded the connection and the inbox head is known: from then on it is bound. */
  private Future<?> registration;
  private long lastActivity = System.nanoTime();
  private int strikes;

  Session(long userId, String connectionId, String gatewayId, FileLinks links) {
    this.userId = userId;
    this.connectionId = connectionId;
    this.gatewayId = gatewayId;
    this.links = links;
  }

  /** Links to uploads, signed for this connection's user. */
  FileLinks links() {
    return links;
  }

  long viewing() {
    return viewing;
  }

  void viewing(long peer) {
    viewing = peer;
  }

  long userId() {
    return userId;
  }

  String connectionId() {
    return connectionId;
  }

  String gatewayId() {
    return gatewayId;
  }

  /** This connection as presence knows it. */
  ConnectionEvent event() {
    return new ConnectionEvent(userId, gatewayId, connectionId);
  }

  /** A bind was taken: frames other than bind and heart are handled from now on (they wait for the registration). */
  boolean bindStarted() {
    return registration != null;
  }

  void binding(Future<?> presenceRecorded, Future<?> registration) {
    this.presenceRecorded = presenceRecorded;
    this.registration = registration;
  }

  /** Completes once the connection is bound (or its bind failed); already complete when no bind was sent. */
  Future<?> registration() {
    return registration == null ? Future.succeededFuture() : registration;
  }

  /** Completes once presence has answered the connect; null when no bind was sent. */
  Future<?> presenceRecorded() {
    return presenceRecorded;
  }

  void active() {
    lastActivity = System.nanoTime();
  }

  long lastActivityNanos() {
    return lastActivity;
  }

  /** One more frame refused by a rate limit; the number in a row. */
  int strike() {
    return ++strikes;
  }

  void clearStrikes() {
    strikes = 0;
  }
}
