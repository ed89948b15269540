package io.github.minichat.gateway;

import io.github.minichat.common.GroupSend;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendResult;
import io.github.minichat.common.SendMessage;
import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * The {@code say} frames of one connection: stored one at a time, in the order the client sent them, each
 * acknowledged (when it has a cid) and then given its place in the connection's inbox order. A full send queue
 * stops reading the socket: the client's frames wait in TCP's buffers until acks drain the queue, so a client that
 * sends a burst (an outbox after a reconnect) is slowed down, never refused or cut off.
 */
final class SendHandler {

  private final Session session;
  private final SendRules rules;
  private final Services services;
  private final InboxDelivery inbox;
  private final Outbound out;
  private final ClientLink link;
  private final int maxQueuedSends;
  private Future<?> sendChain = Future.succeededFuture();
  private int queuedSends;
  private boolean readingPaused;

  SendHandler(Session session, SendRules rules, Services services, InboxDelivery inbox, Outbound out,
              ClientLink link, int maxQueuedSends) {
    this.session = session;
    this.rules = rules;
    this.services = services;
    this.inbox = inbox;
    this.out = out;
    this.link = link;
    this.maxQueuedSends = maxQueuedSends;
  }

  Future<?> say(ClientFrame.Say say) {
    SendMessage message = rules.admit(session.userId(), say, Origin.WS, session.connectionId());
    return queued(() -> services.sendReserved(message), say.cid());
  }

  /** A group message, in the same queue as the connection's one-to-one sends: its inbox order is one order. */
  Future<?> sayToGroup(ClientFrame.GroupSay say) {
    GroupSend message = rules.admitGroup(session.userId(), say, Origin.WS, session.connectionId());
    return queued(() -> services.sendToGroupReserved(message), say.cid());
  }

  private Future<?> queued(Supplier<Future<SendResult>> send, String cid) {
    // a queued send holds its place in the gateway's budget of pending requests from the moment it is accepted
    services.reserve();
    queuedSends++;
    pauseReadingIfFull();
    if (cid != null) {
      inbox.sending(cid);
    }
    Future<SendResult> sent = sendChain.transform(ignored -> send.get())
        .onComplete(ignored -> {
          queuedSends--;
          services.release();
          resumeReadingIfDrained();
        })
        .onSuccess(result -> {
          if (cid != null) {
            out.write("ack", ServerFrames.ack(cid, result.message()));
          }
          inbox.deliverOwn(result.message().senderCursor());
        })
        .onComplete(ignored -> {
          if (cid != null) {
            inbox.answered(cid);
          }
        });
    sendChain = sent;
    return sent;
  }

  /** Completes once every send taken so far is answered. */
  Future<?> drained() {
    return sendChain;
  }

  /** Reading is paused on a full queue: the client is waiting on us, not idle. */
  boolean readingPaused() {
    return readingPaused;
  }

  private void pauseReadingIfFull() {
    if (!readingPaused && queuedSends >= maxQueuedSends) {
      readingPaused = true;
      link.pause();
    }
  }

  /** Reading resumes at half the queue, so that a steady sender is not paused and resumed on every ack. */
  private void resumeReadingIfDrained() {
    if (readingPaused && queuedSends <= maxQueuedSends / 2) {
      readingPaused = false;
      link.resume();
    }
  }
}
