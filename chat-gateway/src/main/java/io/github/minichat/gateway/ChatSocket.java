package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.ConnectionEvent;
import io.github.minichat.common.InboxState;
import io.github.minichat.common.MarkRead;
import io.github.minichat.common.Origin;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.SyncPage;
import io.github.minichat.common.SyncRequest;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.common.ViewingChanged;
import io.github.bucket4j.Bucket;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's WebSocket after a successful handshake: reads the seed protocol's frames (bind, heart, online, say,
 * sync, read), answers each or names what was wrong, and writes the pushes for its user. All its state is touched
 * only on its own event loop; pushes from elsewhere hop onto it with {@link #onContext}.
 */
final class ChatSocket {

  private static final Logger LOG = LoggerFactory.getLogger(ChatSocket.class);

  /**
   * Vert.x's streaming encoder: frames hold only strings, numbers, booleans and nested JSON, and writing them straight
   * to a generator costs less than the default codec's data binding, on the path of every push and ack.
   */
  private static final JacksonCodec FRAME_ENCODER = new JacksonCodec();

  private static final short MESSAGE_TOO_BIG = 1009;
  private static final short POLICY_VIOLATION = 1008;
  private static final short INVALID_PAYLOAD = 1007;
  /** "Try again later": the client reconnects after a pause and catches up; not the end of its session. */
  private static final short TRY_AGAIN_LATER = 1013;
  /** How long a slow consumer's close frame may wait in its full write queue before the connection is cut. */
  private static final long SLOW_CONSUMER_CLOSE_MILLIS = 1_000;
  /**
   * How long after bind the inbox is read back once: a message stored just after the bind may have been routed by a
   * message service that had not yet taken in this gateway's route, and no later push would reveal the gap.
   */
  private static final long SETTLE_MILLIS = 1_000;
  private static final int SETTLE_PAGE = 100;

  private final ServerWebSocket webSocket;
  private final long userId;
  private final String connectionId;
  private final Context context;
  private final GatewayConfig config;
  private final ServiceClient services;
  private final LocalConnections connections;
  private final RateLimits rateLimits;
  private final JsonFrames json;
  private final Bucket frames;
  /** A fragmented message being reassembled, and whether it is text. */
  private Buffer fragments;
  private boolean fragmentedText;
  /** Frames refused in a row for going too fast; reset by any frame that is let through. */
  private int strikes;

  private final Set<Long> subscriptions = new HashSet<>();
  /** Presence has recorded the connection (or refused to). */
  private Future<?> presenceRecorded;
  /** Presence has recorded the connection and the inbox head is known: from then on the connection is bound. */
  private Future<?> registration;
  private long viewing;
  private long viewingChanges;
  private long lastActivity = System.nanoTime();
  private boolean closed;

  private Future<?> sendChain = Future.succeededFuture();
  private int queuedSends;
  /** Reading is paused while the send queue is full: TCP pushes back on the client instead of a refusal. */
  private boolean readingPaused;

  private final InboxStream inbox;
  private long gapTimer = -1;
  private boolean readingBack;
  private final SyncGate syncGate;
  private long lettersVersion = -1;

  ChatSocket(ServerWebSocket webSocket, long userId, String connectionId, Context context, GatewayConfig config,
             ServiceClient services, LocalConnections connections, RateLimits rateLimits, JsonFrames json) {
    this.webSocket = webSocket;
    this.userId = userId;
    this.connectionId = connectionId;
    this.context = context;
    this.config = config;
    this.services = services;
    this.connections = connections;
    this.rateLimits = rateLimits;
    this.json = json;
    this.frames = rateLimits.newFrameBucket();
    this.syncGate = new SyncGate(userId);
    this.inbox = new InboxStream(userId);
  }

  long userId() {
    return userId;
  }

  String connectionId() {
    return connectionId;
  }

  /** When the client last sent a frame; a socket paused on its full send queue counts as active. */
  long lastActivityNanos() {
    return readingPaused ? System.nanoTime() : lastActivity;
  }

  /** Greets the client and starts reading; {@code onClosed} runs once the socket has closed. */
  void start(Runnable onClosed) {
    webSocket.setWriteQueueMaxSize(config.limits().maxWriteQueueBytes());
    webSocket.frameHandler(this::onFrame);
    webSocket.exceptionHandler(this::onFailure);
    webSocket.closeHandler(ignored -> {
      onClose();
      onClosed.run();
    });
    write(Wire.init());
  }

  /**
   * A frame over the frame limit (Netty refuses it) or a message over the message limit (Vert.x drops it) is closed
   * with 1009 "message too big", so the client learns why instead of seeing an abnormal close or a silent drop.
   */
  private void onFailure(Throwable failure) {
    LOG.debug("Socket {} failed: {}", connectionId, failure.getMessage());
    boolean tooBigMessage = failure instanceof IllegalStateException && failure.getMessage() != null
        && failure.getMessage().contains("max message size");
    if (failure instanceof CorruptedWebSocketFrameException corrupted && corrupted.closeStatus() != null) {
      short code = (short) corrupted.closeStatus().code();
      // 1009 for an oversized frame, 1007 for a text frame that is not UTF-8, 1002 for a broken frame
      close(code, code == MESSAGE_TOO_BIG ? "larger than " + config.maxFrameBytes() + " bytes"
          : corrupted.closeStatus().reasonText());
    } else if (tooBigMessage) {
      close(MESSAGE_TOO_BIG, "larger than " + config.maxFrameBytes() + " bytes");
    }
  }

  void close(short code, String reason) {
    if (!closed) {
      webSocket.close(code, reason);
    }
  }

  /** Asks the client to reconnect elsewhere, once the sends in flight on this socket are answered. */
  void drain() {
    sendChain.onComplete(ignored -> close(GatewayDrain.RESTART_CLOSE_CODE, "server restarting: reconnect"));
  }

  /** Runs a push on this socket's event loop. */
  void onContext(Runnable action) {
    context.runOnContext(ignored -> action.run());
  }

  // ---- frames from the client ----

  /**
   * Reassembles messages from frames itself rather than through Vert.x's text handler, which decodes invalid UTF-8
   * into replacement characters: a text message that is not UTF-8 closes the socket with 1007, as RFC 6455 asks, so
   * nothing altered can reach the store.
   */
  private void onFrame(WebSocketFrame frame) {
    if (frame.isText() || frame.isBinary()) {
      fragments = null;
      if (frame.isFinal()) {
        onMessage(frame.isText(), frame.binaryData());
      } else {
        fragments = frame.binaryData().copy();
        fragmentedText = frame.isText();
      }
    } else if (frame.isContinuation() && fragments != null) {
      if (fragments.length() + frame.binaryData().length() > config.maxFrameBytes()) {
        fragments = null;
        close(MESSAGE_TOO_BIG, "larger than " + config.maxFrameBytes() + " bytes");
        return;
      }
      fragments.appendBuffer(frame.binaryData());
      if (frame.isFinal()) {
        Buffer message = fragments;
        fragments = null;
        onMessage(fragmentedText, message);
      }
    }
  }

  private void onMessage(boolean text, Buffer bytes) {
    if (!text) {
      onBinary(bytes);
      return;
    }
    String decoded = bytes.toString(StandardCharsets.UTF_8);
    // the lenient decode marks bad bytes with U+FFFD; only then is the strict (slower) check needed
    if (decoded.indexOf('\uFFFD') >= 0 && !isUtf8(bytes.getBytes())) {
      close(INVALID_PAYLOAD, "text frame is not valid UTF-8");
      return;
    }
    onText(decoded);
  }

  private static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private void onText(String text) {
    lastActivity = System.nanoTime();
    if (!admitFrame()) {
      return;
    }
    JsonObject frame;
    try {
      frame = json.parse(text);
    } catch (ChatException e) {
      refuse(e, null);
      return;
    }
    Object type = frame.getValue("type");
    GatewayMetrics.frameIn(type);
    Object ref = frame.getValue("cid") instanceof String cid ? cid : type;
    if (!(type instanceof String frameType)) {
      writeError(ChatError.INVALID_FIELD, "type is required and must be a string", null, 0);
      return;
    }
    try {
      Future<?> handled = dispatch(frameType, frame);
      strikes = 0;
      handled.onFailure(failure -> refuse(failure, ref));
    } catch (ChatException e) {
      refuse(e, ref);
    }
  }

  private void onBinary(Buffer ignored) {
    lastActivity = System.nanoTime();
    if (admitFrame()) {
      writeError(ChatError.INVALID_JSON, "binary frames are not supported: send JSON text frames", null, 0);
    }
  }

  /** Every frame, valid or not, takes a token from the connection's bucket; a refused one is answered and dropped. */
  private boolean admitFrame() {
    try {
      rateLimits.takeFrame(frames);
      return true;
    } catch (ChatException e) {
      refuse(e, null);
      return false;
    }
  }

  /**
   * Answers a refused frame with an error frame. A client that keeps sending into a rate limit instead of waiting
   * the {@code retry_after_ms} it was given is cut off with 1008 after {@link GatewayLimits#rateStrikes()} refusals
   * by the token buckets in a row; no other refusal counts.
   */
  private void refuse(Throwable failure, Object ref) {
    ChatError error = ChatError.of(failure);
    long retryAfter = failure instanceof ChatException chat ? chat.retryAfterMillis() : 0;
    writeError(error, ChatException.clientMessage(failure), ref, retryAfter);
    if (failure instanceof RateLimitExceeded && ++strikes >= config.limits().rateStrikes()) {
      close(POLICY_VIOLATION, "rate limit exceeded repeatedly");
    }
  }

  private Future<?> dispatch(String type, JsonObject frame) {
    if (type.equals("bind")) {
      return bind(frame);
    }
    if (type.equals("heart")) {
      // after bind, once presence has recorded the connection: a client that got the answer is routable, so a
      // message stored from then on is pushed to it
      if (registration == null) {
        write(Wire.heart());
      } else {
        registration.onComplete(ignored -> write(Wire.heart()));
      }
      return Future.succeededFuture();
    }
    if (registration == null && isKnown(type)) {
      throw new ChatException(ChatError.NOT_BOUND, "send bind first");
    }
    return switch (type) {
      case "online" -> online(frame);
      case "say" -> say(frame);
      case "sync" -> sync(frame);
      case "read" -> read(frame);
      default -> throw new ChatException(ChatError.UNKNOWN_TYPE, "unknown frame type '" + shorten(type) + "'");
    };
  }

  private static boolean isKnown(String type) {
    return switch (type) {
      case "online", "say", "sync", "read" -> true;
      default -> false;
    };
  }

  private Future<?> bind(JsonObject frame) {
    long fromId = Wire.id(frame, "fromId");
    if (fromId != userId) {
      writeError(ChatError.FORBIDDEN, "fromId is not the user of this connection's token", "bind", 0);
      webSocket.close(POLICY_VIOLATION, "fromId does not match the token");
      return Future.succeededFuture();
    }
    if (registration == null) {
      // pushes may come as soon as the node knows the socket: the inbox stream holds them until the head is known
      connections.add(this);
      presenceRecorded = services.connected(new ConnectionEvent(userId, config.gatewayId(), connectionId));
      registration = presenceRecorded.compose(ignored -> services.inbox(userId))
          .onSuccess(this::bound)
          .onFailure(failure -> {
            writeError(ChatError.of(failure), ChatException.clientMessage(failure), "bind",
                ServiceClient.OVERLOAD_RETRY_MILLIS);
            webSocket.close(TRY_AGAIN_LATER, "try again later");
          });
    }
    return Future.succeededFuture();
  }

  /**
   * The connection is routable and knows where its user's inbox stood: everything after that is its to receive. A
   * seed client learns its unread count only from {@code letters}, so a non-zero one is pushed now: messages that
   * arrived while it was away would otherwise never light its badge.
   */
  private void bound(InboxState head) {
    if (head.unread() > 0) {
      unreadChanged(head.unreadCount());
    }
    writeDue(inbox.start(head.lastCursor()));
    watchGap();
    context.owner().setTimer(SETTLE_MILLIS, ignored -> readBack(inbox.delivered(), SETTLE_PAGE));
  }

  private Future<?> online(JsonObject frame) {
    checkSender(frame, "from_id");
    long peer = Wire.id(frame, "to_id");
    if (!subscriptions.contains(peer)) {
      if (subscriptions.size() >= config.maxSubscriptions()) {
        throw new ChatException(ChatError.TOO_MANY_SUBSCRIPTIONS,
            "at most " + config.maxSubscriptions() + " presence subscriptions per connection");
      }
      subscriptions.add(peer);
      connections.subscribe(peer, this);
    }
    Future<?> viewRecorded = Future.succeededFuture();
    if (viewing != peer) {
      viewing = peer;
      // after the connection is registered: another presence instance may handle this update
      ViewingChanged change = new ViewingChanged(userId, config.gatewayId(), connectionId, peer, ++viewingChanges);
      viewRecorded = registration.compose(ignored -> services.viewing(change))
          .recover(failure -> {
            LOG.debug("Open chat of connection {} not recorded: {}", connectionId, failure.toString());
            return Future.succeededFuture();
          });
    }
    // answered once the open chat is recorded, so that a message the peer sends after the answer arrives read
    return viewRecorded.compose(ignored -> services.presence(peer)).onSuccess(status -> write(Wire.online(status)));
  }

  private Future<?> say(JsonObject frame) {
    checkSender(frame, "from_id");
    long to = Wire.id(frame, "to_id");
    String cid = Wire.cid(frame);
    String data = Wire.text(frame, "data", config.maxTextLength());
    if (to == userId) {
      throw new ChatException(ChatError.SELF_MESSAGE, "cannot send a message to yourself");
    }
    rateLimits.takeMessage(userId);
    // a queued send holds its place in the gateway's budget of pending requests from the moment it is accepted
    services.reserve();
    queuedSends++;
    pauseReadingIfFull();
    // one send at a time per socket, so that messages are stored in the order this client sent them
    Future<?> sent = sendChain.transform(ignored -> services.sendReserved(
            new SendMessage(userId, to, data, cid, Origin.WS, connectionId)))
        .onComplete(ignored -> {
          queuedSends--;
          services.release();
          resumeReadingIfDrained();
        })
        .onSuccess(result -> {
          if (cid != null) {
            write("ack", Wire.ackFrame(cid, result.message()));
          }
          writeDue(inbox.own(result.message().senderCursor()));
          watchGap();
        });
    sendChain = sent;
    return sent;
  }

  /**
   * A full send queue stops reading the socket: the client's frames wait in TCP's buffers until acks drain the
   * queue, so a client that sends a burst (an outbox after a reconnect) is slowed down, never refused or cut off.
   */
  private void pauseReadingIfFull() {
    if (!readingPaused && queuedSends >= config.limits().maxQueuedSends()) {
      readingPaused = true;
      webSocket.pause();
    }
  }

  /** Reading resumes at half the queue, so that a steady sender is not paused and resumed on every ack. */
  private void resumeReadingIfDrained() {
    if (readingPaused && queuedSends <= config.limits().maxQueuedSends() / 2) {
      readingPaused = false;
      webSocket.resume();
    }
  }

  private Future<?> sync(JsonObject frame) {
    long since = Wire.number(frame, "since", 0);
    int limit = (int) Math.max(1, Math.min(config.limits().maxSyncPage(),
        Wire.number(frame, "limit", GatewayConfig.DEFAULT_SYNC_LIMIT)));
    if (syncGate.syncInFlight()) {
      throw new ChatException(ChatError.RATE_LIMITED,
          "a sync is already in progress on this connection; retry after its answer", 100);
    }
    syncGate.syncStarted();
    return registration.compose(ignored -> services.sync(new SyncRequest(userId, since, limit)))
        .onComplete(result -> {
          if (result.succeeded()) {
            SyncGate.Outcome outcome = syncGate.syncFinished(trimmed(result.result()));
            write(new JsonObject()
                .put("type", "sync")
                .put("messages", Wire.texts(outcome.page(), userId))
                .put("cursor", outcome.cursor())
                .put("has_more", outcome.hasMore()));
            outcome.release().forEach(this::writeText);
          } else {
            syncGate.syncFailed().forEach(this::writeText);
          }
        });
  }

  /**
   * Keeps a sync frame within {@link GatewayLimits#maxSyncBytes()} (estimated at 3 bytes per character, so at most
   * twice that with every character escaped): a page of long texts ends early with {@code has_more}, and its cursor
   * is that of the last message it holds. A page always holds at least one message, so syncing always advances.
   */
  private SyncPage trimmed(SyncPage page) {
    long budget = config.limits().maxSyncBytes();
    List<ChatMessage> messages = page.messages();
    for (int kept = 0; kept < messages.size(); kept++) {
      budget -= 200 + 3L * messages.get(kept).data().length();
      if (budget < 0 && kept > 0) {
        List<ChatMessage> head = messages.subList(0, kept);
        return new SyncPage(head, head.get(kept - 1).cursorFor(userId), true);
      }
    }
    return page;
  }

  private Future<?> read(JsonObject frame) {
    long peer = Wire.id(frame, "peer");
    Long upTo = Wire.optionalId(frame, "up_to");
    return services.markRead(new MarkRead(userId, peer, upTo))
        .onSuccess(count -> write(new JsonObject()
            .put("type", "read").put("peer", peer).put("up_to", upTo).put("countNum", count.countNum())));
  }

  /** The seed repeats the sender's id in frames: when present it must be this connection's user. */
  private void checkSender(JsonObject frame, String field) {
    Long claimed = Wire.optionalId(frame, field);
    if (claimed != null && claimed != userId) {
      throw new ChatException(ChatError.FORBIDDEN, field + " is not the user of this connection's token");
    }
  }

  // ---- pushes (on this socket's event loop) ----

  /** A message stored for this user, pushed by a message service. */
  void deliver(ChatMessage message) {
    writeDue(inbox.push(message));
    watchGap();
  }

  /** A message this connection sent, pushed like the others: it only takes its place in the inbox order. */
  void deliverOwn(ChatMessage message) {
    writeDue(inbox.own(message.cursorFor(userId)));
    watchGap();
  }

  /** Writes messages that are due in inbox order, unless a sync page of this connection has them or will. */
  private void writeDue(List<ChatMessage> due) {
    for (ChatMessage message : due) {
      if (!closed && syncGate.admit(message)) {
        writeText(message);
        GatewayMetrics.delivered(message.createdAt());
      }
    }
  }

  /** A gap in the inbox order that its pushes do not close within the bound is read back from the store. */
  private void watchGap() {
    if (!closed && gapTimer < 0 && !readingBack && inbox.hasGap()) {
      gapTimer = context.owner().setTimer(config.pushGapBound().toMillis(), ignored -> {
        gapTimer = -1;
        InboxStream.Fill gap = inbox.fillRequest(config.limits().maxSyncPage());
        if (gap != null) {
          readBack(gap.since(), gap.size());
        }
      });
    }
  }

  /** Reads the inbox after {@code since} and writes what this connection has not had; one read at a time. */
  private void readBack(long since, int limit) {
    if (closed || readingBack) {
      return;
    }
    readingBack = true;
    services.sync(new SyncRequest(userId, since, limit)).onComplete(page -> {
      readingBack = false;
      if (page.succeeded()) {
        GatewayMetrics.gapFilled();
        writeDue(inbox.filled(page.result().messages()));
      } else {
        LOG.debug("Inbox of connection {} not read back: {}", connectionId, page.cause().toString());
      }
      watchGap(); // still a gap (the read failed, or more than a page): try again after the bound
    });
  }

  void unreadChanged(UnreadCount count) {
    if (count.version() > lettersVersion) {
      lettersVersion = count.version();
      write("letters", Wire.lettersFrame(count));
    }
  }

  void presenceChanged(PresenceStatus status) {
    write(Wire.online(status));
  }

  private void writeText(ChatMessage message) {
    write("text", Wire.textFrame(message, userId));
  }

  // ---- lifecycle ----

  private void onClose() {
    closed = true;
    if (gapTimer >= 0) {
      context.owner().cancelTimer(gapTimer);
    }
    subscriptions.forEach(peer -> connections.unsubscribe(peer, this));
    subscriptions.clear();
    if (presenceRecorded != null) {
      connections.remove(this);
      // after the connect's answer, to keep presence's work in order; presence also lets a disconnect that
      // overtakes its connect win
      ConnectionEvent event = new ConnectionEvent(userId, config.gatewayId(), connectionId);
      presenceRecorded.onComplete(ignored -> services.disconnected(event)
          .onFailure(failure -> LOG.warn("Close of connection {} of user {} not recorded: {}", connectionId, userId,
              failure.toString())));
    }
  }

  private void writeError(ChatError error, String message, Object ref, long retryAfterMillis) {
    GatewayMetrics.error(error);
    write(Wire.error(error, message, ref instanceof String || ref instanceof Number ? ref : null, retryAfterMillis));
  }

  private void write(JsonObject frame) {
    if (!closed) {
      write(frame.getValue("type"), FRAME_ENCODER.toString(frame, false));
    }
  }

  private void write(Object type, String frame) {
    if (closed || webSocket.isClosed()) {
      return;
    }
    GatewayMetrics.frameOut(type);
    webSocket.writeTextMessage(frame);
    if (webSocket.writeQueueFull()) {
      closeSlowConsumer();
    }
  }

  /**
   * A client that stops reading would make the gateway buffer its pushes without bound. Once more than
   * {@link GatewayLimits#maxWriteQueueBytes()} wait for it, it is disconnected: its messages are stored, and it gets
   * them back with {@code sync} when it reconnects. It is closed with 1013, reconnect later, not 1008: reading
   * slowly is not abuse. The close frame sits behind the full queue, so if the client does not read it within a
   * second the connection is cut.
   */
  private void closeSlowConsumer() {
    LOG.info("Connection {} of user {} does not read its pushes: closing it", connectionId, userId);
    closed = true;
    webSocket.close(TRY_AGAIN_LATER, "slow consumer: reconnect and sync");
    context.owner().setTimer(SLOW_CONSUMER_CLOSE_MILLIS, ignored -> {
      // every graceful close waits for the queue to flush; Vert.x's public API has no hard close, so cut the channel
      if (!webSocket.isClosed() && webSocket instanceof WebSocketInternal internal) {
        internal.channelHandlerContext().close();
      }
    });
  }

  private static String shorten(String text) {
    return text.length() <= 32 ? text : text.substring(0, 32) + "…";
  }
}
