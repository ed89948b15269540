package io.github.minichat.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * One user's socket speaking the chat protocol, with the answers as futures: {@link #open} completes once bound (the
 * {@code heart} or {@code sync} after {@code bind} answered), {@link #say} and {@link #sayInGroup} with the
 * {@code ack}, {@link #sync} with the page. Pushed {@code text} and {@code group_text} frames go to the
 * {@link Pushes} handler. Against the echo server, open completes on the upgrade and the echoed frame is both the
 * ack and the delivery. Touched only on its event loop.
 */
final class ChatSocket {

  /** What the server sends unasked. */
  interface Pushes {
    /** A delivered message: its cid (null if it has none) and data. */
    void text(ChatSocket socket, String cid, String data);

    /** A message in one of the user's groups; {@code null} when the frame could not be read. */
    default void groupText(ChatSocket socket, GroupText frame) {
    }

    /** The server closed the socket (or it broke) while it was open. */
    default void lost(ChatSocket socket, String why) {
    }
  }

  private static final String ECHOED_SAY = "{\"type\":\"say\",";
  private static final String DATA_FIELD = "\"data\":\"";
  private static final String CID_FIELD = "\"cid\":\"";
  /** How the gateway starts the frames that make up most of a chat run (it writes the type first). */
  private static final String ACK_START = "{\"type\":\"ack\",";
  private static final String TEXT_START = "{\"type\":\"text\",";
  private static final String GROUP_TEXT_START = "{\"type\":\"group_text\",";
  /** An unread-count push comes with most deliveries; it is not measured, so it is not parsed either. */
  private static final String LETTERS_START = "{\"type\":\"letters\",";
  private static final JsonFactory JSON = new JsonFactory();

  private final long userId;
  private final ChatTarget target;
  private final Pushes pushes;
  private final Map<String, Promise<Void>> acks = new HashMap<>();
  private final ArrayDeque<Promise<JsonObject>> syncs = new ArrayDeque<>();
  private ClientWebSocket socket;
  private Promise<Void> bound;
  private ReadyProbe probe = ReadyProbe.HEART;
  private Promise<Void> closed;
  private boolean open;
  private long heartSentNanos;

  ChatSocket(long userId, ChatTarget target, Pushes pushes) {
    this.userId = userId;
    this.target = target;
    this.pushes = pushes;
  }

  long userId() {
    return userId;
  }

  boolean isOpen() {
    return open;
  }

  /** Connects and binds; fails with the reason (handshake refused, timeout…). Call on the owning event loop. */
  Future<Void> open(Vertx vertx, WebSocketClient client, WebSocketConnectOptions options, ReadyProbe readyProbe,
      long timeoutMillis) {
    probe = readyProbe;
    bound = Promise.promise();
    closed = null;
    socket = client.webSocket();
    socket.textMessageHandler(this::onText);
    socket.closeHandler(ignored -> onClosed());
    socket.exceptionHandler(ignored -> { }); // a close follows
    long timer = vertx.setTimer(timeoutMillis, id -> failOpen(new ServerError("timeout")));
    socket.connect(options).onComplete(connected -> {
      if (connected.failed()) {
        failOpen(connected.cause());
      } else if (bound.future().isComplete()) {
        socket.close(); // upgraded after it had timed out
      } else if (target == ChatTarget.ECHO) {
        becomeOpen();
      }
    });
    return bound.future().onComplete(ignored -> vertx.cancelTimer(timer));
  }

  Future<Void> say(long to, String cid, String data) {
    Promise<Void> ack = Promise.promise();
    if (!open) {
      ack.fail(new ServerError("closed"));
      return ack.future();
    }
    acks.put(cid, ack);
    socket.writeTextMessage("{\"type\":\"say\",\"from_id\":" + userId + ",\"to_id\":" + to + ",\"data\":\"" + data
        + "\",\"cid\":\"" + cid + "\"}");
    return ack.future();
  }

  /** A group message; {@code data} must need no JSON escaping (the load tool's texts are digits, bars and x). */
  Future<Void> sayInGroup(long groupId, String cid, String data) {
    Promise<Void> ack = Promise.promise();
    if (!open) {
      ack.fail(new ServerError("closed"));
      return ack.future();
    }
    acks.put(cid, ack);
    socket.writeTextMessage("{\"type\":\"say\",\"group_id\":" + groupId + ",\"data\":\"" + data + "\",\"cid\":\""
        + cid + "\"}");
    return ack.future();
  }

  Future<JsonObject> sync(long since, int limit) {
    Promise<JsonObject> page = Promise.promise();
    if (!open) {
      page.fail(new ServerError("closed"));
      return page.future();
    }
    syncs.add(page);
    socket.writeTextMessage("{\"type\":\"sync\",\"since\":" + since + ",\"limit\":" + limit + "}");
    return page.future();
  }

  /** A heartbeat, unless one is still unanswered; keeps the socket clear of the server's idle timeout. */
  void heartbeat() {
    if (open && target == ChatTarget.CHAT && heartSentNanos == 0) {
      heartSentNanos = System.nanoTime();
      socket.writeTextMessage(heartFrame());
    }
  }

  /** Closes from our side; completes when the close handshake is done (or the socket was not open). */
  Future<Void> close() {
    if (!open) {
      return Future.succeededFuture();
    }
    open = false;
    closed = Promise.promise();
    socket.close();
    return closed.future();
  }

  private void onText(String text) {
    if (text.startsWith(ECHOED_SAY)) {
      onEcho(text);
      return;
    }
    if (text.startsWith(ACK_START) || text.startsWith(TEXT_START)) {
      onAckOrText(text);
      return;
    }
    if (text.startsWith(GROUP_TEXT_START)) {
      pushes.groupText(this, GroupText.parse(text));
      return;
    }
    if (text.startsWith(LETTERS_START)) {
      return;
    }
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (RuntimeException e) {
      pushes.lost(this, "unparsable frame");
      return;
    }
    switch (frame.getString("type", "")) {
      case "init" -> {
        socket.writeTextMessage("{\"type\":\"bind\",\"fromId\":" + userId + "}");
        socket.writeTextMessage(probe == ReadyProbe.SYNC ? "{\"type\":\"sync\",\"since\":0,\"limit\":1}"
            : heartFrame());
      }
      case "heart" -> {
        if (!open && !bound.future().isComplete() && probe == ReadyProbe.HEART) {
          becomeOpen();
        }
        heartSentNanos = 0;
      }
      case "ack" -> acknowledged(frame.getString("cid"));
      case "sync" -> {
        if (!open && !bound.future().isComplete() && probe == ReadyProbe.SYNC) {
          becomeOpen();
        } else {
          complete(syncs.poll(), frame);
        }
      }
      case "text" -> pushes.text(this, frame.getString("cid"), frame.getString("data", ""));
      case "group_text" -> pushes.groupText(this, GroupText.parse(text));
      case "error" -> onError(frame);
      default -> { } // letters, online, receipts: not what is measured
    }
  }

  /**
   * An ack or a pushed text, read with a streaming parser (no map per frame): the client's cost per message counts
   * against the machine it shares with the server.
   */
  private void onAckOrText(String text) {
    String cid = null;
    String data = "";
    try (JsonParser parser = JSON.createParser(text)) {
      parser.nextToken();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("cid")) {
          cid = value == JsonToken.VALUE_NULL ? null : parser.getText();
        } else if (field.equals("data")) {
          data = parser.getText();
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException e) {
      pushes.lost(this, "unparsable frame");
      return;
    }
    if (text.startsWith(ACK_START)) {
      acknowledged(cid);
    } else {
      pushes.text(this, cid, data);
    }
  }

  private void acknowledged(String cid) {
    Promise<Void> ack = cid == null ? null : acks.remove(cid);
    if (ack != null) {
      ack.tryComplete();
    }
  }

  /**
   * The echo server's answer: our own {@code say} frame, acknowledged and delivered at once. Read by position (we
   * wrote it) rather than parsed, so that the baseline costs the client as little as it can.
   */
  private void onEcho(String text) {
    int data = text.indexOf(DATA_FIELD) + DATA_FIELD.length();
    int cid = text.indexOf(CID_FIELD, data) + CID_FIELD.length();
    String cidValue = text.substring(cid, text.indexOf('"', cid));
    acknowledged(cidValue);
    pushes.text(this, cidValue, text.substring(data, text.indexOf('"', data)));
  }

  private void onError(JsonObject frame) {
    String ref = frame.getString("ref", "");
    ServerError error = new ServerError(frame.getString("code", "?"));
    Promise<?> pending = acks.remove(ref);
    if (pending == null && ref.equals("sync")) {
      pending = syncs.poll();
    }
    if (pending != null) {
      pending.fail(error);
    } else if (!bound.future().isComplete()) {
      failOpen(error);
    } else {
      pushes.lost(this, "error frame " + error.code + " for " + ref);
    }
  }

  private void onClosed() {
    boolean ours = closed != null;
    open = false;
    failPending();
    if (ours) {
      closed.tryComplete();
    } else if (!bound.future().isComplete()) {
      failOpen(new ServerError("closed before bound: " + socket.closeStatusCode()));
    } else if (bound.future().succeeded()) {
      pushes.lost(this, "closed by server: " + socket.closeStatusCode());
    }
  }

  private void failPending() {
    acks.values().forEach(ack -> ack.tryFail(new ServerError("closed")));
    acks.clear();
    syncs.forEach(page -> page.tryFail(new ServerError("closed")));
    syncs.clear();
  }

  private void becomeOpen() {
    open = true;
    bound.tryComplete();
  }

  private void failOpen(Throwable cause) {
    if (bound.tryFail(cause) && socket != null) {
      socket.close();
    }
  }

  private static void complete(Promise<JsonObject> promise, JsonObject frame) {
    if (promise != null) {
      promise.tryComplete(frame);
    }
  }

  private String heartFrame() {
    return "{\"type\":\"heart\",\"fromId\":" + userId + "}";
  }
}
