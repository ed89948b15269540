package io.github.minichat.load;

import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

/**
 * One client socket of the storm, touched only on its verticle's event loop. It is ready once the server answers
 * the frame sent right after {@code bind}. The gateway handles a socket's frames in order, so a {@code heart}
 * answer shows the bind was taken; the presence registration it starts may still be on its way. A {@code sync}
 * answer waits for that registration (and adds one inbox query).
 */
final class StormConnection {

  /** What the verticle is told about its connections. */
  interface Listener {
    /** Ready, or failed for good. */
    void settled(StormConnection connection);

    /** The close asked for by {@link #close()} is done. */
    void closed(StormConnection connection);
  }

  private enum State { CONNECTING, AWAIT_INIT, AWAIT_ANSWER, READY, CLOSING, DONE }

  private final long userId;
  private final ReadyProbe probe;
  private final StormStats stats;
  private final Listener listener;
  private ClientWebSocket socket;
  private State state = State.CONNECTING;
  private long startNanos;
  private long handshakeNanos;
  /** When the unanswered heartbeat was sent; 0: none outstanding. */
  private long heartSentNanos;

  StormConnection(long userId, ReadyProbe probe, StormStats stats, Listener listener) {
    this.userId = userId;
    this.probe = probe;
    this.stats = stats;
    this.listener = listener;
  }

  void open(WebSocketClient client, WebSocketConnectOptions options) {
    startNanos = System.nanoTime();
    stats.started.increment();
    socket = client.webSocket();
    // handlers before connecting: the server's init may follow the upgrade response at once
    socket.textMessageHandler(this::onText);
    socket.closeHandler(ignored -> onClosed());
    socket.exceptionHandler(ignored -> { }); // a close follows; counted there
    socket.connect(options).onComplete(connected -> {
      if (connected.failed()) {
        fail(FailureReason.of(connected.cause()));
      } else if (state == State.CONNECTING) {
        handshakeNanos = System.nanoTime();
        state = State.AWAIT_INIT;
      } else if (state == State.DONE) {
        socket.close(); // upgraded after it had timed out
      }
    });
  }

  boolean ready() {
    return state == State.READY;
  }

  boolean pending() {
    return state.ordinal() < State.READY.ordinal();
  }

  long startNanos() {
    return startNanos;
  }

  /** Called once the timeout has passed since {@link #open}: fails the connection if it is still not ready. */
  void expire() {
    if (pending()) {
      fail("timeout: " + switch (state) {
        case CONNECTING -> "handshake";
        case AWAIT_INIT -> "no init frame";
        default -> "no " + probe.name().toLowerCase() + " answer after bind";
      });
    }
  }

  void heartbeat() {
    if (state == State.READY && heartSentNanos == 0) {
      heartSentNanos = System.nanoTime();
      stats.heartsSent.increment();
      socket.writeTextMessage(heartFrame());
    }
  }

  /** Our own close at the end of the run. */
  void close() {
    if (state == State.READY) {
      state = State.CLOSING;
      socket.close();
    }
  }

  private void onText(String text) {
    String type;
    JsonObject frame;
    try {
      frame = new JsonObject(text);
      type = frame.getString("type", "");
    } catch (RuntimeException e) {
      stats.incident("unparsable frame from server");
      return;
    }
    switch (type) {
      case "init" -> onInit();
      case "heart" -> onHeart();
      case "sync" -> onSync();
      case "error" -> onError(frame.getString("code", "?"));
      default -> { } // pushes (letters, online…) are not this scenario's concern
    }
  }

  private void onInit() {
    if (state == State.CONNECTING || state == State.AWAIT_INIT) {
      if (handshakeNanos == 0) {
        handshakeNanos = System.nanoTime();
      }
      state = State.AWAIT_ANSWER;
      socket.writeTextMessage("{\"type\":\"bind\",\"fromId\":" + userId + "}");
      socket.writeTextMessage(probe == ReadyProbe.SYNC ? "{\"type\":\"sync\",\"since\":0,\"limit\":1}" : heartFrame());
    }
  }

  private void onSync() {
    if (state == State.AWAIT_ANSWER && probe == ReadyProbe.SYNC) {
      becomeReady();
    }
  }

  private void onHeart() {
    if (state == State.AWAIT_ANSWER && probe == ReadyProbe.HEART) {
      becomeReady();
    } else if (heartSentNanos != 0) {
      long roundTrip = System.nanoTime() - heartSentNanos;
      stats.heartbeat.recordNanos(roundTrip);
      if (stats.holding) {
        stats.heldHeartbeat.recordNanos(roundTrip);
      }
      heartSentNanos = 0;
    }
  }

  private void becomeReady() {
    state = State.READY;
    stats.ready(startNanos, handshakeNanos, System.nanoTime());
    listener.settled(this);
  }

  private void onError(String code) {
    if (pending()) {
      fail("error frame: " + code);
    } else {
      stats.incident("error frame after ready: " + code);
    }
  }

  private void onClosed() {
    switch (state) {
      case READY -> {
        state = State.DONE;
        stats.dropped.increment();
        stats.incident("closed by server after ready: " + socket.closeStatusCode());
      }
      case CLOSING -> {
        state = State.DONE;
        stats.closedByUs.increment();
        listener.closed(this);
      }
      case DONE -> { }
      default -> fail("closed by server before ready: " + socket.closeStatusCode());
    }
  }

  private void fail(String reason) {
    if (!pending()) {
      return;
    }
    boolean upgraded = state != State.CONNECTING;
    state = State.DONE;
    stats.failed(reason);
    listener.settled(this);
    if (upgraded) {
      socket.close();
    }
  }

  private String heartFrame() {
    return "{\"type\":\"heart\",\"fromId\":" + userId + "}";
  }
}
