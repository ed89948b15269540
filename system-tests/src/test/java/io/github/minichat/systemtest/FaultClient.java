package io.github.minichat.systemtest;

import io.github.minichat.common.UserTokens;
import io.github.minichat.gateway.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A WebSocket client for the fault tests: like {@link TestClient}, but the server closing the socket arrives in
 * the same stream as the frames (as a {@code {"type":"closed","code":N}} event), so a client driving traffic sees
 * a close at once instead of waiting out a deadline; and every {@code text} frame is kept, also those skipped while
 * waiting for something else, so that the messages a recipient was pushed can be counted at the end. It also
 * drives pipelined sends with cids the way a real client does: resending a cid answered by a retryable error.
 */
final class FaultClient implements AutoCloseable {

  /** Longest wait for one answer: a send can take several bus timeouts when the gateway retries it. */
  static final Duration REPLY = Duration.ofSeconds(20);

  final long userId;
  private final ClientWebSocket webSocket;
  private final LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
  private final List<JsonObject> texts = Collections.synchronizedList(new ArrayList<>());
  final CompletableFuture<Short> closed = new CompletableFuture<>();
  /** The messages of the sync made on connecting. */
  List<JsonObject> firstSync = List.of();

  private FaultClient(ClientWebSocket webSocket, long userId) {
    this.webSocket = webSocket;
    this.userId = userId;
    webSocket.textMessageHandler(text -> {
      JsonObject frame = new JsonObject(text);
      if ("text".equals(frame.getString("type"))) {
        texts.add(frame);
      }
      inbox.add(frame);
    });
    webSocket.closeHandler(ignored -> {
      Short code = webSocket.closeStatusCode();
      closed.complete(code);
      inbox.add(new JsonObject().put("type", "closed").put("code", code));
    });
  }

  /** Opens the socket only; the future fails when the handshake is refused (e.g. 503 from a draining gateway). */
  static Future<FaultClient> open(WebSocketClient client, int port, long userId) {
    ClientWebSocket webSocket = client.webSocket();
    FaultClient faultClient = new FaultClient(webSocket, userId);
    return webSocket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
            .setURI("/ws?token=" + UserTokens.mint(LocalCluster.SECRET, userId, Duration.ofHours(1))))
        .map(ignored -> faultClient);
  }

  /**
   * Opens, waits for init, binds and syncs, as a client does after every (re)connect. The sync is answered only once
   * the bind is registered with presence, so on return the user is online and reachable; the messages of that
   * first sync are in {@link #firstSync}.
   */
  static FaultClient connect(WebSocketClient client, int port, long userId) {
    // 1013 "try again later" is what a bind gets while presence cannot answer (a freshly started cluster's first
    // requests are slow): a real client reconnects after a pause, and so does this one, a bounded number of times
    for (int attempt = 1; ; attempt++) {
      FaultClient faultClient = ChatSystem.await(open(client, port, userId));
      try {
        faultClient.next(frame -> "init".equals(frame.getString("type")), "init", REPLY);
        faultClient.send(new JsonObject().put("type", "bind").put("fromId", userId));
        faultClient.firstSync = faultClient.syncAll();
        return faultClient;
      } catch (AssertionError refused) {
        faultClient.close();
        if (attempt == 3 || refused.getMessage() == null || !refused.getMessage().contains("closed (1013)")) {
          throw refused;
        }
        try {
          Thread.sleep(500L * attempt);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw refused;
        }
      }
    }
  }

  void send(JsonObject frame) {
    webSocket.writeTextMessage(frame.encode());
  }

  void say(long to, String cid) {
    send(new JsonObject().put("type", "say").put("to_id", to).put("data", "text of " + cid).put("cid", cid));
  }

  /** A heart answered: everything the server wrote before it has arrived (frames on one socket keep their order). */
  void heartRoundTrip() {
    send(new JsonObject().put("type", "heart"));
    next(frame -> "heart".equals(frame.getString("type")), "heart", REPLY);
  }

  /** The next frame matching {@code wanted}, skipping others; a close fails the wait unless it is wanted. */
  JsonObject next(Predicate<JsonObject> wanted, String description, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    List<String> skipped = new ArrayList<>();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        JsonObject frame = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
        if (frame == null) {
          throw new AssertionError("user " + userId + ": no " + description + " within " + within + "; skipped "
              + skipped.size() + " frames, last " + skipped.subList(Math.max(0, skipped.size() - 5), skipped.size()));
        }
        if (wanted.test(frame)) {
          return frame;
        }
        if ("closed".equals(frame.getString("type"))) {
          throw new AssertionError("user " + userId + ": socket closed (" + frame.getValue("code")
              + ") while waiting for " + description);
        }
        skipped.add(frame.encode());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Every text frame pushed to this client so far. */
  List<JsonObject> texts() {
    synchronized (texts) {
      return new ArrayList<>(texts);
    }
  }

  /** All messages of this user from the start, in sync pages (the client's catch-up after a reconnect). */
  List<JsonObject> syncAll() {
    List<JsonObject> messages = new ArrayList<>();
    long since = 0;
    boolean more = true;
    while (more) {
      send(new JsonObject().put("type", "sync").put("since", since).put("limit", 500));
      JsonObject page = next(frame -> "sync".equals(frame.getString("type")), "sync page", REPLY);
      JsonArray array = page.getJsonArray("messages");
      for (int i = 0; i < array.size(); i++) {
        messages.add(array.getJsonObject(i));
      }
      since = page.getLong("cursor");
      more = page.getBoolean("has_more");
    }
    return messages;
  }

  @Override
  public void close() {
    if (!webSocket.isClosed()) {
      webSocket.close().toCompletionStage().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS)
          .exceptionally(failure -> null).join();
    }
  }

  /** What became of a batch of sends. */
  static final class Sends {
    /** The ack of each acknowledged cid. */
    final Map<String, JsonObject> acks = new HashMap<>();
    /** Cids acknowledged a second time (must stay empty: one send, one answer). */
    final List<String> repeatedAcks = new ArrayList<>();
    /** Error codes of the retryable error frames the client answered by sending the cid again. */
    final List<String> retriedErrors = new ArrayList<>();
    /** Milliseconds from the first send of each acknowledged cid to its ack. */
    final Map<String, Long> latencies = new HashMap<>();
    /** Cids sent (or not yet sent) but not acknowledged when the socket closed. */
    final Set<String> unacked = new LinkedHashSet<>();
    Short closeCode;
  }

  /**
   * Sends every cid to {@code to}, keeping at most {@code window} unanswered, until each is acknowledged or the
   * server closes the socket. A retryable error frame for a cid is answered by sending the same cid again (at most
   * {@code maxResends} times per cid); any other error fails. {@code onAck} runs after each ack.
   */
  Sends sendAll(long to, List<String> cids, int window, int maxResends, Runnable onAck) {
    return sendAll(to, cids, window, maxResends, onAck, () -> { });
  }

  /** As above; {@code onResend} runs each time a retryable error frame makes the client send a cid again. */
  Sends sendAll(long to, List<String> cids, int window, int maxResends, Runnable onAck, Runnable onResend) {
    Sends sends = new Sends();
    Deque<String> waiting = new ArrayDeque<>(cids);
    Set<String> inFlight = new LinkedHashSet<>();
    Map<String, Integer> resends = new HashMap<>();
    Map<String, Long> sentAt = new HashMap<>();
    while (!waiting.isEmpty() || !inFlight.isEmpty()) {
      while (inFlight.size() < window && !waiting.isEmpty()) {
        String cid = waiting.poll();
        inFlight.add(cid);
        sentAt.put(cid, System.nanoTime());
        say(to, cid);
      }
      JsonObject frame = next(f -> List.of("ack", "error", "closed").contains(f.getString("type")),
          "ack, error or close", REPLY);
      switch (frame.getString("type")) {
        case "closed" -> {
          sends.closeCode = frame.getInteger("code") == null ? null : frame.getInteger("code").shortValue();
          sends.unacked.addAll(inFlight);
          sends.unacked.addAll(waiting);
          return sends;
        }
        case "ack" -> {
          String cid = frame.getString("cid");
          if (inFlight.remove(cid)) {
            sends.acks.put(cid, frame);
            sends.latencies.put(cid, (System.nanoTime() - sentAt.get(cid)) / 1_000_000);
            onAck.run();
          } else {
            sends.repeatedAcks.add(cid);
          }
        }
        default -> {
          Object ref = frame.getValue("ref");
          if (!Boolean.TRUE.equals(frame.getBoolean("retryable")) || !(ref instanceof String cid)
              || !inFlight.contains(cid)) {
            throw new AssertionError("user " + userId + ": unexpected error " + frame.encode());
          }
          int count = resends.merge(cid, 1, Integer::sum);
          if (count > maxResends) {
            throw new AssertionError("user " + userId + ": " + cid + " still failing after " + maxResends
                + " resends: " + frame.encode());
          }
          sends.retriedErrors.add(frame.getString("code"));
          onResend.run();
          say(to, cid);
        }
      }
    }
    return sends;
  }
}
