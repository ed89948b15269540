package io.github.minichat.systemtest;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One device of an honest user, behaving as a careful real client: it sends to its recipients in turn at a fixed
 * rate, paced by a timer (open loop: a slow server makes a backlog, not a slower schedule), keeps at most
 * {@code window} sends unacknowledged, resends a send refused with a retryable error after the wait it was told (or a
 * short backoff), and when its socket dies reconnects to another gateway, binds, syncs from the last cursor up to
 * which it has seen everything and resends what was not acknowledged, same cid, same text. A receive-only device (no
 * recipients, rate 0) only listens. Everything it sees goes to the {@link AuditLedger}. Its state is touched from
 * socket handlers, timers and the test thread, so every entry point is synchronized.
 */
final class AuditClient {

  private static final long RECONNECT_PAUSE_MS = 100;
  private static final long KEEPALIVE_MS = 15_000;
  private static final int SYNC_LIMIT = 500;

  /** What a device does on its very first bind. */
  enum FirstBind {
    /** Ready at once: delivery is audited from the bind on, and only a reconnect syncs. */
    LIVE,
    /** Syncs from 0, like a fresh install, so that it must end up holding its user's whole inbox. */
    CATCH_UP
  }

  /** What the devices of one audit share. */
  record Setup(Vertx vertx, WebSocketClient sockets, AuditLedger ledger, AuditGateways gateways, int window,
               FirstBind firstBind) {
  }

  private enum Phase { CONNECTING, BINDING, SYNCING, READY, CLOSED }

  final String device;
  final long userId;
  private final Setup setup;
  private final Vertx vertx;
  private final AuditLedger ledger;
  private final List<AuditRecipient> recipients;
  private final double ratePerSecond;

  private Phase phase = Phase.CONNECTING;
  private int generation;
  private ClientWebSocket socket;
  private AuditConnection connection;
  private boolean everBound;
  private boolean closing;
  private final Promise<Void> firstReady = Promise.promise();
  private final ArrayDeque<Promise<Void>> heartWaiters = new ArrayDeque<>();

  private final Map<String, AuditLedger.Send> mine = new HashMap<>();
  private final ArrayDeque<AuditLedger.Send> backlog = new ArrayDeque<>();
  private final LinkedHashMap<String, AuditLedger.Send> unacked = new LinkedHashMap<>();
  private final Map<String, Integer> retries = new HashMap<>();
  /** Inbox cursors this device has seen by any means (pushes, acks, sync pages): where to sync from. */
  private final BitSet known = new BitSet();

  private long pacer = -1;
  private long keepalive = -1;
  private long pacingSince;
  private long generated;

  AuditClient(Setup setup, String device, long userId, List<AuditRecipient> recipients, double ratePerSecond) {
    if (ratePerSecond > 0 && recipients.isEmpty()) {
      throw new IllegalArgumentException(device + " sends but has nobody to send to");
    }
    this.setup = setup;
    this.vertx = setup.vertx();
    this.ledger = setup.ledger();
    this.device = device;
    this.userId = userId;
    this.recipients = List.copyOf(recipients);
    this.ratePerSecond = ratePerSecond;
  }

  /** Connects to {@code gateway}; the future completes once ready: bound, and caught up if it syncs first. */
  synchronized Future<Void> start(AuditGateways.Entry gateway) {
    connect(gateway);
    keepalive = vertx.setPeriodic(KEEPALIVE_MS, ignored -> keepalive());
    return firstReady.future();
  }

  /** Starts the paced sends (the schedule counts from now). */
  synchronized void startSending() {
    if (ratePerSecond > 0 && pacer < 0) {
      pacingSince = System.nanoTime();
      long period = Math.max(5, Math.min(20, (long) (1000 / ratePerSecond)));
      pacer = vertx.setPeriodic(period, ignored -> generate());
    }
  }

  /**
   * No new messages from now: the backlog not yet put on a socket is dropped (it was never sent); what is
   * unacknowledged is still resent until acknowledged.
   */
  synchronized void stopSending() {
    if (pacer >= 0) {
      vertx.cancelTimer(pacer);
      pacer = -1;
    }
    backlog.forEach(send -> {
      ledger.withdraw(send);
      mine.remove(send.cid);
    });
    backlog.clear();
  }

  synchronized boolean ready() {
    return phase == Phase.READY;
  }

  synchronized String gateway() {
    return connection.gateway;
  }

  /** The highest cursor up to which this device has seen every message of its user's inbox. */
  synchronized long contiguousCursor() {
    return known.nextClearBit(1) - 1;
  }

  /** A heart round trip on the current socket: every frame written to it before the answer has arrived. */
  synchronized Future<Void> heartRoundTrip() {
    if (phase != Phase.READY || socket == null) {
      return Future.failedFuture(device + " is not ready (" + phase + ")");
    }
    Promise<Void> answered = Promise.promise();
    heartWaiters.add(answered);
    socket.writeTextMessage(new JsonObject().put("type", "heart").encode());
    return answered.future();
  }

  /** Closes the socket for good (the user goes away); the connection counts as ended from now. */
  synchronized Future<Void> close() {
    closing = true;
    stopSending();
    if (keepalive >= 0) {
      vertx.cancelTimer(keepalive);
    }
    connection.ended(System.nanoTime(), "closed by the client");
    phase = Phase.CLOSED;
    return socket == null ? Future.succeededFuture() : socket.close().recover(failure -> Future.succeededFuture());
  }

  // ---- connection lifecycle ----

  private void connect(AuditGateways.Entry gateway) {
    int current = ++generation;
    AuditConnection opened = ledger.newConnection(userId, device, gateway.name());
    connection = opened;
    phase = Phase.CONNECTING;
    ClientWebSocket webSocket = setup.sockets().webSocket();
    socket = webSocket;
    webSocket.textMessageHandler(text -> onText(current, opened, text));
    webSocket.closeHandler(ignored -> onClosed(current, opened, webSocket.closeStatusCode()));
    webSocket.exceptionHandler(ignored -> {
      // the close handler follows
    });
    webSocket.connect(gateway.socketOf(userId))
        .onComplete(result -> onConnected(current, opened, result.succeeded(), result.cause()));
  }

  private synchronized void onConnected(int current, AuditConnection opened, boolean succeeded, Throwable cause) {
    if (current != generation) {
      return;
    }
    if (closing) {
      socket.close();
      return;
    }
    if (!succeeded) {
      opened.ended(System.nanoTime(), "connect failed: " + cause.getMessage());
      reconnectLater(opened.gateway);
      return;
    }
    phase = Phase.BINDING;
    socket.writeTextMessage(new JsonObject().put("type", "bind").put("fromId", userId).encode());
    // answered only once the bind is registered: from its answer on, every message stored reaches this socket
    socket.writeTextMessage(new JsonObject().put("type", "heart").put("fromId", userId).encode());
  }

  private synchronized void onClosed(int current, AuditConnection closed, Short code) {
    closed.ended(System.nanoTime(), "closed " + (code == null ? "without a close frame" : code));
    if (current != generation) {
      return;
    }
    socket = null;
    heartWaiters.forEach(waiter -> waiter.tryFail(device + ": socket closed"));
    heartWaiters.clear();
    if (!closing) {
      reconnectLater(closed.gateway);
    }
  }

  private void reconnectLater(String from) {
    phase = Phase.CONNECTING;
    int current = generation;
    vertx.setTimer(RECONNECT_PAUSE_MS, ignored -> reconnect(current, from));
  }

  private synchronized void reconnect(int current, String from) {
    if (current == generation && !closing) {
      setup.gateways().pickOther(from).ifPresentOrElse(this::connect, () -> reconnectLater(from));
    }
  }

  private synchronized void keepalive() {
    // a device that only listens would be closed as idle; a heart is what a real client sends
    if (phase == Phase.READY && socket != null) {
      heartWaiters.add(Promise.promise());
      socket.writeTextMessage(new JsonObject().put("type", "heart").encode());
    }
  }

  // ---- frames from the server ----

  private synchronized void onText(int current, AuditConnection on, String text) {
    JsonObject frame = new JsonObject(text);
    switch (String.valueOf(frame.getValue("type"))) {
      // every message is recorded, of whatever kind: the audit checks each against its user's inbox
      case "text", "group_text" -> {
        AuditConnection.Received message = AuditConnection.Received.of(AuditConnection.Via.PUSH, frame);
        on.received(message);
        known.set((int) message.cursor());
      }
      case "ack" -> onAck(on, AuditConnection.Ack.of(frame));
      case "error" -> onError(current, on, frame);
      case "sync" -> {
        if (current == generation) {
          onSyncPage(on, frame);
        }
      }
      case "heart" -> {
        if (current == generation) {
          onHeart(on);
        }
      }
      default -> {
        // letters, online, receipts, init: not audited here
      }
    }
  }

  private void onHeart(AuditConnection on) {
    if (phase == Phase.BINDING) {
      on.bound();
      if (everBound || setup.firstBind() == FirstBind.CATCH_UP) {
        phase = Phase.SYNCING;
        long since = contiguousCursor();
        on.syncing(since);
        requestSync(since);
      } else {
        becomeReady();
      }
      everBound = true;
      return;
    }
    Promise<Void> waiter = heartWaiters.poll();
    if (waiter != null) {
      waiter.tryComplete();
    }
  }

  private void onAck(AuditConnection on, AuditConnection.Ack ack) {
    on.acked(ack);
    known.set((int) ack.cursor());
    AuditLedger.Send send = mine.get(ack.cid());
    if (send == null) {
      return;
    }
    ledger.acked(send, ack);
    if (unacked.remove(ack.cid()) != null) {
      pump();
    }
  }

  /** Every error is recorded; only one on the current connection is acted on. */
  private void onError(int current, AuditConnection on, JsonObject error) {
    String code = error.getString("code");
    boolean retryable = Boolean.TRUE.equals(error.getBoolean("retryable"));
    Object ref = error.getValue("ref");
    ledger.error(on, code, retryable, ref, error.getString("message"));
    if (current != generation) {
      return;
    }
    if (ref instanceof String cid && unacked.containsKey(cid)) {
      AuditLedger.Send send = mine.get(cid);
      if (retryable) {
        int attempt = retries.merge(cid, 1, Integer::sum);
        long wait = error.getLong("retry_after_ms") != null
            ? Math.max(10, error.getLong("retry_after_ms")) : Math.min(1_000, 100L << Math.min(attempt - 1, 4));
        vertx.setTimer(wait, ignored -> resend(current, send));
      } else {
        unacked.remove(cid);
        ledger.refused(send, code);
        pump();
      }
    } else if ("sync".equals(ref) && phase == Phase.SYNCING) {
      if (retryable) {
        vertx.setTimer(200, ignored -> retrySync(current));
      } else {
        becomeReady(); // recorded as a failure; carry on without the catch-up
      }
    }
  }

  private synchronized void resend(int current, AuditLedger.Send send) {
    // after a reconnect the resend of everything unacknowledged covers it
    if (current == generation && phase == Phase.READY && unacked.containsKey(send.cid)) {
      transmit(send);
    }
  }

  private synchronized void retrySync(int current) {
    if (current == generation && phase == Phase.SYNCING) {
      requestSync(contiguousCursor());
    }
  }

  private void onSyncPage(AuditConnection on, JsonObject page) {
    JsonArray messages = page.getJsonArray("messages");
    for (int i = 0; i < messages.size(); i++) {
      AuditConnection.Received message = AuditConnection.Received.of(AuditConnection.Via.SYNC,
          messages.getJsonObject(i));
      on.received(message);
      known.set((int) message.cursor());
    }
    if (Boolean.TRUE.equals(page.getBoolean("has_more"))) {
      requestSync(page.getLong("cursor"));
    } else {
      becomeReady();
    }
  }

  private void requestSync(long since) {
    socket.writeTextMessage(new JsonObject().put("type", "sync").put("since", since).put("limit", SYNC_LIMIT)
        .encode());
  }

  private void becomeReady() {
    phase = Phase.READY;
    // same cid, same text, in the order first sent: the server acks a stored one again instead of storing it twice
    List<AuditLedger.Send> resends = new ArrayList<>(unacked.values());
    resends.forEach(this::transmit);
    firstReady.tryComplete();
    pump();
  }

  // ---- sends ----

  private synchronized void generate() {
    long due = (long) ((System.nanoTime() - pacingSince) / 1e9 * ratePerSecond);
    while (generated < due) {
      AuditRecipient to = recipients.get((int) (generated % recipients.size()));
      generated++;
      String cid = device + "-" + generated;
      AuditLedger.Send send = ledger.newSend(cid, userId, to, "audit " + cid + " to " + to);
      mine.put(cid, send);
      backlog.add(send);
    }
    pump();
  }

  private void pump() {
    while (phase == Phase.READY && unacked.size() < setup.window() && !backlog.isEmpty()) {
      AuditLedger.Send send = backlog.poll();
      unacked.put(send.cid, send);
      transmit(send);
    }
  }

  private void transmit(AuditLedger.Send send) {
    if (socket == null) {
      return;
    }
    ledger.transmitted(send, connection);
    socket.writeTextMessage(send.to.say(userId, send.cid, send.text).encode());
  }
}
