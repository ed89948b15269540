package io.github.minichat.gateway;

import io.github.bucket4j.Bucket;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.InboxState;
import io.github.minichat.common.GroupMembersRequest;
import io.github.minichat.common.GroupRead;
import io.github.minichat.common.MarkRead;
import io.github.minichat.common.MessageChange;
import io.github.minichat.common.Typing;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's WebSocket after a successful handshake, as a pipeline: frames are assembled into messages
 * ({@link FrameAssembler}), rate-limited, parsed once into a typed {@link ClientFrame} ({@link ClientFrames}) and
 * handed to the handler of their type ({@link SendHandler}, {@link OnlineHandler}, {@link InboxDelivery}, bind and
 * read here); everything the client is sent leaves through {@link Outbound}. The connection's state is touched only
 * on its own event loop.
 */
final class ChatConnection implements FrameAssembler.Receiver {

  private static final Logger LOG = LoggerFactory.getLogger(ChatConnection.class);

  private final Session session;
  private final ClientLink link;
  private final Outbound out;
  private final Context context;
  private final ClientFrames frames;
  private final Services services;
  private final LocalConnections connections;
  private final RateLimits rateLimits;
  private final Bucket frameBucket;
  private final int rateStrikes;
  private final InboxDelivery inbox;
  private final SendHandler sends;
  private final OnlineHandler presence;
  private final TypingThrottle typingThrottle;

  ChatConnection(Session session, ClientLink link, Context context, GatewayConfig config, ClientFrames frames,
                 Services services, LocalConnections connections, RateLimits rateLimits, SendRules sendRules,
                 SettleReads settleReads) {
    this.session = session;
    this.link = link;
    this.context = context;
    this.frames = frames;
    this.services = services;
    this.connections = connections;
    this.rateLimits = rateLimits;
    this.frameBucket = rateLimits.newFrameBucket();
    this.rateStrikes = config.limits().rateStrikes();
    this.out = new Outbound(link, context.owner(), session.connectionId());
    this.inbox = new InboxDelivery(session, services, out, context, config, settleReads);
    this.sends = new SendHandler(session, sendRules, services, inbox, out, link, config.limits().maxQueuedSends());
    this.presence = new OnlineHandler(session, services, connections, out, context, config.maxSubscriptions());
    this.typingThrottle = new TypingThrottle(config.limits().typingInterval());
  }

  /** Greets the client; its messages are fed in from a {@link FrameAssembler} from now on. */
  void start() {
    out.write("init", ServerFrames.INIT);
  }

  /** When the client last sent a frame; a connection paused on its full send queue counts as active. */
  long lastActivityNanos() {
    return sends.readingPaused() ? System.nanoTime() : session.lastActivityNanos();
  }

  @Override
  public void close(short code, String reason) {
    out.close(code, reason);
  }

  /** Asks the client to reconnect elsewhere, once the sends in flight on this socket are answered. */
  void drain() {
    sends.drained().onComplete(ignored -> close(CloseCodes.SERVICE_RESTART, "server restarting: reconnect"));
  }

  /** Runs an action on this connection's event loop. */
  void onContext(Runnable action) {
    context.runOnContext(ignored -> action.run());
  }

  // ---- frames from the client ----

  @Override
  public void text(String text) {
    session.active();
    if (!admitFrame()) {
      return;
    }
    JsonObject json;
    try {
      json = frames.object(text);
    } catch (ChatException e) {
      refuse(e, null);
      return;
    }
    GatewayMetrics.frameIn(json.getValue("type"));
    Object ref = ClientFrames.ref(json);
    try {
      Future<?> handled = handle(frames.frame(json, session.bindStarted()));
      session.clearStrikes();
      handled.onFailure(failure -> refuse(failure, ref));
    } catch (ChatException e) {
      refuse(e, ref);
    }
  }

  @Override
  public void binary() {
    session.active();
    if (admitFrame()) {
      out.error(ChatError.INVALID_JSON, "binary frames are not supported: send JSON text frames", null, 0);
    }
  }

  private Future<?> handle(ClientFrame frame) {
    if (frame instanceof ClientFrame.Say say) {
      return sends.say(say);
    }
    if (frame instanceof ClientFrame.GroupSay say) {
      return sends.sayToGroup(say);
    }
    if (frame instanceof ClientFrame.Heart) {
      // after bind, once presence has recorded the connection: a client that got the answer is routable, so a
      // message stored from then on is pushed to it
      session.registration().onComplete(ignored -> out.write("heart", ServerFrames.HEART));
      return Future.succeededFuture();
    }
    if (frame instanceof ClientFrame.Bind bind) {
      return bind(bind);
    }
    if (frame instanceof ClientFrame.Online online) {
      return presence.online(online);
    }
    if (frame instanceof ClientFrame.Sync sync) {
      return inbox.sync(sync);
    }
    if (frame instanceof ClientFrame.GroupRead read) {
      return readGroup(read);
    }
    if (frame instanceof ClientFrame.Typing typing) {
      return typing(typing);
    }
    if (frame instanceof ClientFrame.Change change) {
      return services.change(new MessageChange(session.userId(), change.messageId(),
          change.recall() ? MessageChange.Kind.RECALL : MessageChange.Kind.DELETE));
    }
    if (frame instanceof ClientFrame.GroupOnline online) {
      return services.groupMembers(new GroupMembersRequest(session.userId(), online.groupId()))
          .onSuccess(members -> out.write("online", ServerFrames.groupOnline(members)));
    }
    return read((ClientFrame.Read) frame);
  }

  /** Every frame, valid or not, takes a token from the connection's bucket; a refused one is answered and dropped. */
  private boolean admitFrame() {
    try {
      rateLimits.takeFrame(frameBucket);
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
    long retryAfter = failure instanceof ChatException chat ? chat.retryAfterMillis() : 0;
    out.error(ChatError.of(failure), ChatException.clientMessage(failure), ref, retryAfter);
    if (failure instanceof RateLimitExceeded && session.strike() >= rateStrikes) {
      close(CloseCodes.POLICY_VIOLATION, "rate limit exceeded repeatedly");
    }
  }

  private Future<?> bind(ClientFrame.Bind bind) {
    if (bind.fromId() != session.userId()) {
      out.error(ChatError.FORBIDDEN, "fromId is not the user of this connection's token", "bind", 0);
      link.close(CloseCodes.POLICY_VIOLATION, "fromId does not match the token");
      return Future.succeededFuture();
    }
    if (!session.bindStarted()) {
      // pushes may come as soon as the node knows the connection: its inbox holds them until the head is known
      connections.add(inbox);
      Future<?> presenceRecorded = services.connected(session.event());
      Future<InboxState> registration = presenceRecorded.compose(ignored -> services.inbox(session.userId()))
          .onSuccess(inbox::start)
          .onFailure(failure -> {
            out.error(ChatError.of(failure), ChatException.clientMessage(failure), "bind",
                ServiceClient.OVERLOAD_RETRY_MILLIS);
            link.close(CloseCodes.TRY_AGAIN_LATER, "try again later");
          });
      session.binding(presenceRecorded, registration);
    }
    return Future.succeededFuture();
  }

  /** Forwards at most one typing hint per peer per interval; the others are dropped (a hint, not a request). */
  private Future<?> typing(ClientFrame.Typing typing) {
    if (typing.peer() == session.userId()) {
      throw new ChatException(ChatError.SELF_MESSAGE, "cannot type to yourself");
    }
    if (typingThrottle.admit(typing.peer(), System.nanoTime())) {
      services.typing(new Typing(session.userId(), typing.peer()));
    }
    return Future.succeededFuture();
  }

  private Future<?> read(ClientFrame.Read read) {
    return services.markRead(new MarkRead(session.userId(), read.peer(), read.upTo()))
        .onSuccess(count -> out.write("read", ServerFrames.read(read.peer(), read.upTo(), count.countNum())));
  }

  private Future<?> readGroup(ClientFrame.GroupRead read) {
    return services.readGroup(new GroupRead(session.userId(), read.groupId(), read.upTo()))
        .onSuccess(count -> out.write("read", ServerFrames.groupRead(read.groupId(), read.upTo(), count.countNum())));
  }

  // ---- lifecycle ----

  /** The socket closed: stop writing, forget the connection here, and tell presence (after its connect). */
  void closed() {
    out.closed();
    inbox.stop();
    presence.stop();
    Future<?> presenceRecorded = session.presenceRecorded();
    if (presenceRecorded != null) {
      connections.remove(inbox);
      // after the connect's answer, to keep presence's work in order; presence also lets a disconnect that
      // overtakes its connect win
      presenceRecorded.onComplete(ignored -> services.disconnected(session.event())
          .onFailure(failure -> LOG.warn("Close of connection {} of user {} not recorded: {}",
              session.connectionId(), session.userId(), failure.toString())));
    }
  }
}
