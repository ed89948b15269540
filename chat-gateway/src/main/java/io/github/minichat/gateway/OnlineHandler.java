package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.common.ViewingChanged;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code online} frames of one connection: the peers whose presence it follows (bounded), the chat it has open
 * (so that a message from that peer arrives read), and the presence changes pushed to it. Presence changes come
 * from any thread and hop onto the connection's event loop ({@link #onContext}).
 */
final class OnlineHandler {

  private static final Logger LOG = LoggerFactory.getLogger(OnlineHandler.class);

  private final Session session;
  private final Services services;
  private final LocalConnections connections;
  private final Outbound out;
  private final Context context;
  private final int maxSubscriptions;
  private final Set<Long> subscriptions = new HashSet<>();
  private long viewing;
  private long viewingChanges;

  OnlineHandler(Session session, Services services, LocalConnections connections, Outbound out, Context context,
                int maxSubscriptions) {
    this.session = session;
    this.services = services;
    this.connections = connections;
    this.out = out;
    this.context = context;
    this.maxSubscriptions = maxSubscriptions;
  }

  Future<?> online(ClientFrame.Online online) {
    SendRules.checkSender(session.userId(), online.claimedSender());
    long peer = online.peer();
    if (!subscriptions.contains(peer)) {
      if (subscriptions.size() >= maxSubscriptions) {
        throw new ChatException(ChatError.TOO_MANY_SUBSCRIPTIONS,
            "at most " + maxSubscriptions + " presence subscriptions per connection");
      }
      subscriptions.add(peer);
      connections.subscribe(peer, this);
    }
    Future<?> viewRecorded = Future.succeededFuture();
    if (viewing != peer) {
      viewing = peer;
      session.viewing(peer);
      // after the connection is registered: another presence instance may handle this update
      ViewingChanged change = new ViewingChanged(session.userId(), session.gatewayId(), session.connectionId(), peer,
          ++viewingChanges);
      viewRecorded = session.registration().compose(ignored -> services.viewing(change))
          .recover(failure -> {
            LOG.debug("Open chat of connection {} not recorded: {}", session.connectionId(), failure.toString());
            return Future.succeededFuture();
          });
    }
    // answered once the open chat is recorded, so that a message the peer sends after the answer arrives read
    return viewRecorded.compose(ignored -> services.presence(peer))
        .onSuccess(status -> out.write("online", ServerFrames.online(status)));
  }

  /** Runs a presence change on the connection's event loop. */
  void onContext(Runnable action) {
    context.runOnContext(ignored -> action.run());
  }

  void presenceChanged(PresenceStatus status) {
    out.write("online", ServerFrames.online(status));
  }

  /** The connection closed: it follows nobody any more. */
  void stop() {
    subscriptions.forEach(peer -> connections.unsubscribe(peer, this));
    subscriptions.clear();
  }
}
