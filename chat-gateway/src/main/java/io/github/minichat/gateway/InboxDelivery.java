package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.InboxState;
import io.github.minichat.common.Notice;
import io.github.minichat.common.SyncPage;
import io.github.minichat.common.SyncRequest;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection's inbox, as its client sees it: every message for its user exactly once and in cursor order, whether
 * it comes pushed, read back from the store, or paged by {@code sync}; and the user's unread count, newest version
 * only. Pushes come from any thread and hop onto the connection's event loop ({@link #onContext}); everything else
 * runs there.
 */
final class InboxDelivery {

  private static final Logger LOG = LoggerFactory.getLogger(InboxDelivery.class);

  /**
   * How long after bind the inbox is read back once: a message stored just after the bind may have been routed by a
   * message service that had not yet taken in this gateway's route, and no later push would reveal the gap.
   */
  static final long SETTLE_MILLIS = 1_000;
  private static final int SETTLE_PAGE = 100;
  /** Suggested wait before a second sync on a connection whose first is still in flight. */
  private static final long SYNC_BUSY_RETRY_MILLIS = 100;

  private final Session session;
  private final Services services;
  private final Outbound out;
  private final Context context;
  private final GatewayConfig config;
  private final InboxStream stream;
  private final SyncGate syncGate;
  private final SettleReads settleReads;
  private long gapTimer = -1;
  private boolean readingBack;
  private long lettersVersion = -1;
  /**
   * The cids of this connection's sends that are not answered yet: a read-back may bring one of them before its ack,
   * and the client is owed an ack for it, not a copy.
   */
  private final Set<String> sendsInFlight = new HashSet<>();

  InboxDelivery(Session session, Services services, Outbound out, Context context, GatewayConfig config,
                SettleReads settleReads) {
    this.session = session;
    this.services = services;
    this.out = out;
    this.context = context;
    this.config = config;
    this.stream = new InboxStream(session.userId());
    this.syncGate = new SyncGate(session.userId());
    this.settleReads = settleReads;
  }

  long userId() {
    return session.userId();
  }

  String connectionId() {
    return session.connectionId();
  }

  /** Runs a push on the connection's event loop. */
  void onContext(Runnable action) {
    context.runOnContext(ignored -> action.run());
  }

  /**
   * The connection is routable and knows where its user's inbox stood: everything after that is its to receive. A
   * seed client learns its unread count only from {@code letters}, so a non-zero one is pushed now: messages that
   * arrived while it was away would otherwise never light its badge.
   */
  void start(InboxState head) {
    if (head.unread() > 0) {
      unreadChanged(head.unreadCount());
    }
    writeDue(stream.start(head.lastCursor()));
    watchGap();
    context.owner().setTimer(SETTLE_MILLIS,
        ignored -> settleReads.submit(() -> readBack(stream.delivered(), SETTLE_PAGE)));
  }

  /** A message stored for this user, pushed by a message service. */
  void deliver(ChatMessage message) {
    writeDue(stream.push(message));
    watchGap();
  }

  /** A send of this connection with {@code cid} is on its way to the store. */
  void sending(String cid) {
    sendsInFlight.add(cid);
  }

  /** The send with {@code cid} is answered (acked or refused). */
  void answered(String cid) {
    sendsInFlight.remove(cid);
  }

  /** A message this connection sent (its ack, or its push): it only takes its place in the inbox order. */
  void deliverOwn(long cursor) {
    writeDue(stream.own(cursor));
    watchGap();
  }

  void unreadChanged(UnreadCount count) {
    if (count.version() > lettersVersion) {
      lettersVersion = count.version();
      out.write("letters", ServerFrames.letters(count));
    }
  }

  /**
   * A notice (a read receipt, a recall, a deletion, typing): not part of the inbox order. Typing shows only where
   * the typist's chat is open.
   */
  void notice(Notice notice, String frame) {
    if (notice.kind() != Notice.Kind.TYPING || session.viewing() == notice.peer()) {
      out.write(notice.kind().name().toLowerCase(java.util.Locale.ROOT), frame);
    }
  }

  /** Read receipts for this user's group messages (not part of the inbox order: newer ones supersede older). */
  void receipts(String frame) {
    out.write("receipts", frame);
  }

  /** Answers {@code sync} with a page of the inbox; pushes that the page holds are not written again. */
  Future<?> sync(ClientFrame.Sync sync) {
    if (syncGate.syncInFlight()) {
      throw new ChatException(ChatError.RATE_LIMITED,
          "a sync is already in progress on this connection; retry after its answer", SYNC_BUSY_RETRY_MILLIS);
    }
    syncGate.syncStarted();
    return session.registration()
        .compose(ignored -> services.sync(new SyncRequest(session.userId(), sync.since(), sync.limit())))
        .onComplete(result -> {
          if (result.succeeded()) {
            SyncGate.Outcome outcome = syncGate.syncFinished(trimmed(result.result()));
            out.write("sync", ServerFrames.syncPage(outcome.page(), outcome.cursor(), outcome.hasMore(),
                session.userId(), session.links()));
            outcome.release().forEach(this::writeText);
          } else {
            syncGate.syncFailed().forEach(this::writeText);
          }
        });
  }

  /** The connection closed: no more read-backs. */
  void stop() {
    if (gapTimer >= 0) {
      context.owner().cancelTimer(gapTimer);
      gapTimer = -1;
    }
  }

  /** Writes messages that are due in inbox order, unless a sync page of this connection has them or will. */
  private void writeDue(List<ChatMessage> due) {
    for (ChatMessage message : due) {
      if (inFlightFromHere(message)) {
        continue; // its ack is on its way
      }
      if (!out.isClosed() && syncGate.admit(message)) {
        writeText(message);
        GatewayMetrics.delivered(message.createdAt());
      }
    }
  }

  private boolean inFlightFromHere(ChatMessage message) {
    return !sendsInFlight.isEmpty() && message.fromId() == session.userId() && message.cid() != null
        && sendsInFlight.contains(message.cid());
  }

  private void writeText(ChatMessage message) {
    out.write("text", ServerFrames.text(message, session.userId(), session.links()));
  }

  /** A gap in the inbox order that its pushes do not close within the bound is read back from the store. */
  private void watchGap() {
    if (!out.isClosed() && gapTimer < 0 && !readingBack && stream.hasGap()) {
      gapTimer = context.owner().setTimer(config.pushGapBound().toMillis(), ignored -> {
        gapTimer = -1;
        InboxStream.Fill gap = stream.fillRequest(config.limits().maxSyncPage());
        if (gap != null) {
          readBack(gap.since(), gap.size());
        }
      });
    }
  }

  /**
   * Reads the inbox after {@code since} and writes what this connection has not had; one read at a time. Completes
   * when the read does, at once when none was needed.
   */
  private Future<?> readBack(long since, int limit) {
    if (out.isClosed() || readingBack) {
      return Future.succeededFuture();
    }
    readingBack = true;
    return services.sync(new SyncRequest(session.userId(), since, limit)).onComplete(page -> {
      readingBack = false;
      if (page.succeeded()) {
        GatewayMetrics.gapFilled();
        writeDue(stream.filled(page.result().messages(), page.result().passed()));
      } else {
        LOG.debug("Inbox of connection {} not read back: {}", session.connectionId(), page.cause().toString());
      }
      watchGap(); // still a gap (the read failed, or more than a page): try again after the bound
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
        return new SyncPage(head, head.get(kept - 1).cursorFor(session.userId()), true);
      }
    }
    return page;
  }
}
