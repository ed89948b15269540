package io.github.minichat.systemtest;

import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A hostile user on the audit's gateways, so that its sends share the message-service batches of the honest ones:
 * every few milliseconds a {@code say} from {@link HostileStrings#hostileSay} (aimed at honest users or at random
 * ids, some with lone surrogates and NULs written as JSON escapes, which survive the trip as such), or raw garbage
 * text. When the server closes its socket (a frame too large, for instance) it comes back on a gateway. What it
 * got is counted, not checked: only what it does to the others is.
 */
final class AuditHostileSender {

  private final Vertx vertx;
  private final WebSocketClient sockets;
  private final AuditGateways gateways;
  private final long userId;
  private final List<Long> honestUsers;
  private final HostileStrings strings;
  private final Random random;
  private final long everyMs;

  private ClientWebSocket socket;
  private boolean bound;
  /** Whether {@link #socket} finished its handshake: closing one still connecting throws. */
  private boolean connected;
  private boolean stopped;
  private long timer = -1;
  private String gateway;
  private long framesSent;
  private final Map<String, Integer> answers = new TreeMap<>();
  private final Map<String, Integer> closes = new TreeMap<>();

  AuditHostileSender(Vertx vertx, WebSocketClient sockets, AuditGateways gateways, long userId,
                     List<Long> honestUsers, long seed, long everyMs) {
    this.vertx = vertx;
    this.sockets = sockets;
    this.gateways = gateways;
    this.userId = userId;
    this.honestUsers = honestUsers;
    this.strings = new HostileStrings(seed);
    this.random = new Random(seed ^ 0x5DEECE66DL);
    this.everyMs = everyMs;
  }

  synchronized void start(String firstGateway) {
    connect(gateways.named(firstGateway));
    timer = vertx.setPeriodic(everyMs, ignored -> sendOne());
  }

  synchronized void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (socket != null && connected) {
      socket.close();
    }
    // a socket still connecting is closed by onConnected, which sees stopped
  }

  synchronized String summary() {
    return String.format("hostile user %d: %d frames sent; answers %s; closed %s", userId, framesSent, answers,
        closes);
  }

  private void connect(AuditGateways.Entry entry) {
    gateway = entry.name();
    bound = false;
    connected = false;
    ClientWebSocket webSocket = sockets.webSocket();
    socket = webSocket;
    webSocket.textMessageHandler(this::onText);
    webSocket.closeHandler(ignored -> onClosed(webSocket, webSocket.closeStatusCode()));
    webSocket.exceptionHandler(ignored -> {
      // the close handler follows
    });
    webSocket.connect(entry.socketOf(userId)).onComplete(result -> onConnected(webSocket, result.succeeded()));
  }

  private synchronized void onConnected(ClientWebSocket webSocket, boolean succeeded) {
    if (webSocket != socket) {
      return;
    }
    if (stopped) {
      webSocket.close();
      return;
    }
    if (!succeeded) {
      socket = null;
      reconnectLater();
      return;
    }
    connected = true;
    webSocket.writeTextMessage(new JsonObject().put("type", "bind").put("fromId", userId).encode());
    webSocket.writeTextMessage(new JsonObject().put("type", "heart").encode());
  }

  private synchronized void onText(String text) {
    JsonObject frame = new JsonObject(text);
    String type = String.valueOf(frame.getValue("type"));
    if ("heart".equals(type)) {
      bound = true;
    }
    answers.merge("error".equals(type) ? "error " + frame.getValue("code") : type, 1, Integer::sum);
  }

  private synchronized void onClosed(ClientWebSocket webSocket, Short code) {
    closes.merge(String.valueOf(code), 1, Integer::sum);
    if (webSocket == socket) {
      socket = null;
      reconnectLater();
    }
  }

  private void reconnectLater() {
    if (!stopped) {
      vertx.setTimer(50, ignored -> reconnect());
    }
  }

  private synchronized void reconnect() {
    if (!stopped && socket == null) {
      gateways.pickOther(gateway).ifPresentOrElse(this::connect, this::reconnectLater);
    }
  }

  private synchronized void sendOne() {
    if (stopped || socket == null || !bound) {
      return;
    }
    String frame = random.nextInt(5) == 0 ? garbage() : escapeSurrogates(hostileSay().encode());
    framesSent++;
    socket.writeTextMessage(frame);
  }

  private JsonObject hostileSay() {
    long target = random.nextBoolean()
        ? honestUsers.get(random.nextInt(honestUsers.size()))
        : 1 + random.nextInt(1_000_000);
    return strings.hostileSay(target == userId ? target + 1 : target);
  }

  /** Not a JSON object: plain text, a cut-off frame, a JSON value of another kind. */
  private String garbage() {
    return switch (random.nextInt(4)) {
      case 0 -> strings.next();
      case 1 -> {
        String say = hostileSay().encode();
        yield say.substring(0, random.nextInt(say.length()));
      }
      case 2 -> String.valueOf(new JsonObject().put("v", strings.nextValue()).getValue("v"));
      default -> "[" + escapeSurrogates(hostileSay().encode()) + "]";
    };
  }

  /**
   * Writes every surrogate as a JSON escape: sent raw, a lone one would turn into '?' on the way to UTF-8, while
   * escaped it reaches the server's parser as the lone surrogate it is.
   */
  static String escapeSurrogates(String json) {
    StringBuilder escaped = new StringBuilder(json.length() + 16);
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (Character.isSurrogate(c)) {
        escaped.append(String.format("\\u%04x", (int) c));
      } else {
        escaped.append(c);
      }
    }
    return escaped.toString();
  }
}
