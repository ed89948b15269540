package io.github.minichat.systemtest;

import io.github.minichat.common.UserTokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One device of a group member, behaving as a careful real client: on every bind it syncs from the last cursor up to
 * which it has seen everything (0 on its first, like a fresh install, so it must end up holding the user's whole
 * inbox); it sends to its groups in turn at a fixed rate paced by a timer, at most {@code window} unacknowledged;
 * resends a send refused with a retryable error after the wait it was told; and when its socket dies reconnects to
 * another gateway, binds, syncs and resends what was not acknowledged, same cid, same text. A receive-only device
 * ({@code rate} 0) only listens. Everything it sees goes to the {@link GroupAuditLedger}. Its state is touched from
 * socket handlers, timers and the test thread, so every entry point is synchronized.
 */
final class GroupAuditClient {

  private static final long RECONNECT_PAUSE_MS = 100;
  private static final long KEEPALIVE_MS = 15_000;
  private static final int SYNC_LIMIT = 500;

  private enum Phase { CONNECTING, BINDING, SYNCING, READY }

  final String device;
  final long userId;
  private final List<Long> groups;
  private final Vertx vertx;
  private final WebSocketClient sockets;
  private final GroupAuditLedger ledger;
  private final AuditGateways gateways;
  private final int window;
  private final double ratePerSecond;

  private Phase phase = Phase.CONNECTING;
  private int generation;
  private ClientWebSocket socket;
  private GroupAuditConnection connection;
  private final Promise<Void> firstReady = Promise.promise();
  private final ArrayDeque<Promise<Void>> heartWaiters = new ArrayDeque<>();

  private final Map<String, GroupAuditLedger.Send> mine = new HashMap<>();
  private final ArrayDeque<GroupAuditLedger.Send> backlog = new ArrayDeque<>();
  private final LinkedHashMap<String, GroupAuditLedger.Send> unacked = new LinkedHashMap<>();
  private final Map<String, Integer> retries = new HashMap<>();
  /** Inbox cursors this device has seen by any means (pushes, acks, sync pages): where to sync from. */
  private final BitSet known = new BitSet();

  private long pacer = -1;
  private long pacingSince;
  private long generated;

  GroupAuditClient(Vertx vertx, WebSocketClient sockets, GroupAuditLedger ledger, AuditGateways gateways,
                   String device, long userId, List<Long> groups, int window, double ratePerSecond) {
    this.vertx = vertx;
    this.sockets = sockets;
    this.ledger = ledger;
    this.gateways = gateways;
    this.device = device;
    this.userId = userId;
    this.groups = List.copyOf(groups);
    this.window = window;
    this.ratePerSecond = ratePerSecond;
  }

  /** Connects to {@code gateway}; the future completes once bound and caught up by its first sync. */
  synchronized Future<Void> start(AuditGateways.Entry gateway) {
    connect(gateway);
    vertx.setPeriodic(KEEPALIVE_MS, ignored -> keepalive());
    return firstReady.future();
  }

  synchronized void startSending() {
    if (ratePerSecond > 0 && pacer < 0) {
      pacingSince = System.nanoTime();
      long period = Math.max(5, Math.min(20, (long) (1000 / ratePerSecond)));
      pacer = vertx.setPeriodic(period, ignored -> generate());
    }
  }

  /** No new messages from now: the backlog never sent is dropped; what is unacknowledged is resent until acked. */
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

  // ---- connection lifecycle ----

  private void connect(AuditGateways.Entry gateway) {
    int current = ++generation;
    GroupAuditConnection opened = ledger.newConnection(userId, device, gateway.name());
    connection = opened;
    phase = Phase.CONNECTING;
    ClientWebSocket webSocket = sockets.webSocket();
    socket = webSocket;
    webSocket.textMessageHandler(text -> onText(current, opened, text));
    webSocket.closeHandler(ignored -> onClosed(current, opened, webSocket.closeStatusCode()));
    webSocket.exceptionHandler(ignored -> {
      // the close handler follows
    });
    webSocket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port())
            .setURI("/ws?token=" + UserTokens.mint(LocalCluster.SECRET, userId, Duration.ofHours(2))))
        .onComplete(result -> onConnected(current, opened, result.succeeded(), result.cause()));
  }

  private synchronized void onConnected(int current, GroupAuditConnection opened, boolean succeeded,
                                        Throwable cause) {
    if (current != generation) {
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

  private synchronized void onClosed(int current, GroupAuditConnection closed, Short code) {
    closed.ended(System.nanoTime(), "closed " + (code == null ? "without a close frame" : code));
    if (current != generation) {
      return;
    }
    socket = null;
    heartWaiters.forEach(waiter -> waiter.tryFail(device + ": socket closed"));
    heartWaiters.clear();
    reconnectLater(closed.gateway);
  }

  private void reconnectLater(String from) {
    phase = Phase.CONNECTING;
    int current = generation;
    vertx.setTimer(RECONNECT_PAUSE_MS, ignored -> reconnect(current, from));
  }

  private synchronized void reconnect(int current, String from) {
    if (current == generation) {
      gateways.pickOther(from).ifPresentOrElse(this::connect, () -> reconnectLater(from));
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

  private synchronized void onText(int current, GroupAuditConnection on, String text) {
    JsonObject frame = new JsonObject(text);
    switch (String.valueOf(frame.getValue("type"))) {
      // a one-to-one text is recorded too: nobody here sends one, so the audit counts it as not held
      case "group_text", "text" -> {
        GroupAuditConnection.Received message = GroupAuditConnection.Received.of(GroupAuditConnection.Via.PUSH,
            frame);
        on.received(message);
        known.set((int) message.cursor());
      }
      case "ack" -> onAck(on, GroupAuditConnection.Ack.of(frame));
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
        // letters, receipts, init: not audited here
      }
    }
  }

  private void onHeart(GroupAuditConnection on) {
    if (phase == Phase.BINDING) {
      on.bound();
      phase = Phase.SYNCING;
      long since = contiguousCursor();
      on.syncing(since);
      requestSync(since);
      return;
    }
    Promise<Void> waiter = heartWaiters.poll();
    if (waiter != null) {
      waiter.tryComplete();
    }
  }

  private void onAck(GroupAuditConnection on, GroupAuditConnection.Ack ack) {
    on.acked(ack);
    known.set((int) ack.cursor());
    GroupAuditLedger.Send send = mine.get(ack.cid());
    if (send == null) {
      return;
    }
    ledger.acked(send, ack);
    if (unacked.remove(ack.cid()) != null) {
      pump();
    }
  }

  private void onError(int current, GroupAuditConnection on, JsonObject error) {
    String code = error.getString("code");
    boolean retryable = Boolean.TRUE.equals(error.getBoolean("retryable"));
    Object ref = error.getValue("ref");
    ledger.error(on, code, retryable, ref, error.getString("message"));
    if (current != generation) {
      return;
    }
    if (ref instanceof String cid && unacked.containsKey(cid)) {
      GroupAuditLedger.Send send = mine.get(cid);
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

  private synchronized void resend(int current, GroupAuditLedger.Send send) {
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

  private void onSyncPage(GroupAuditConnection on, JsonObject page) {
    JsonArray messages = page.getJsonArray("messages");
    for (int i = 0; i < messages.size(); i++) {
      GroupAuditConnection.Received message = GroupAuditConnection.Received.of(GroupAuditConnection.Via.SYNC,
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
    List<GroupAuditLedger.Send> resends = new ArrayList<>(unacked.values());
    resends.forEach(this::transmit);
    firstReady.tryComplete();
    pump();
  }

  // ---- sends ----

  private synchronized void generate() {
    long due = (long) ((System.nanoTime() - pacingSince) / 1e9 * ratePerSecond);
    while (generated < due) {
      long group = groups.get((int) (generated % groups.size()));
      generated++;
      String cid = device + "-" + generated;
      GroupAuditLedger.Send send = ledger.newSend(cid, userId, group, "audit " + cid + " to group " + group);
      mine.put(cid, send);
      backlog.add(send);
    }
    pump();
  }

  private void pump() {
    while (phase == Phase.READY && unacked.size() < window && !backlog.isEmpty()) {
      GroupAuditLedger.Send send = backlog.poll();
      unacked.put(send.cid, send);
      transmit(send);
    }
  }

  private void transmit(GroupAuditLedger.Send send) {
    if (socket == null) {
      return;
    }
    ledger.transmitted(send, connection);
    socket.writeTextMessage(new JsonObject().put("type", "say").put("group_id", send.groupId).put("data", send.text)
        .put("cid", send.cid).encode());
  }
}
