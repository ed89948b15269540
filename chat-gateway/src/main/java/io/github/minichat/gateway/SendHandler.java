package io.github.minichat.gateway;

import io.github.minichat.common.GroupSend;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendBatch;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.SendOutcomes;
import io.github.minichat.common.SendResult;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The {@code say} frames of one connection: stored in the order the client sent them, each acknowledged (when it
 * has a cid) and then given its place in the connection's inbox order. One request is in flight per connection;
 * the one-to-one sends with a cid that queue up behind it leave together as the next one, a run the message service
 * stores in its order in one transaction, so a connection pays one store round trip per run, not one per message.
 * A group send, or a send without a cid (not retried, so not safe to run with others), goes alone.
 *
 * <p>A full send queue stops reading the socket: the client's frames wait in TCP's buffers until acks drain the
 * queue, so a client that sends a burst (an outbox after a reconnect) is slowed down, never refused or cut off.
 */
final class SendHandler {

  private final Session session;
  private final SendRules rules;
  private final Services services;
  private final InboxDelivery inbox;
  private final Outbound out;
  private final ClientLink link;
  private final int maxQueuedSends;
  private final ArrayDeque<Queued> waiting = new ArrayDeque<>();
  private boolean requestInFlight;
  private Future<?> lastTaken = Future.succeededFuture();
  private int queuedSends;
  private boolean readingPaused;

  /** A send taken in: a one-to-one send that may share a run, or one that goes alone. */
  private record Queued(SendMessage runnable, Supplier<Future<SendResult>> alone, String cid,
                        Promise<SendResult> answer) {
  }

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
    return say.cid() == null ? queued(null, () -> services.sendReserved(message), null)
        : queued(message, null, say.cid());
  }

  /** A group message, in the same queue as the connection's one-to-one sends: its inbox order is one order. */
  Future<?> sayToGroup(ClientFrame.GroupSay say) {
    GroupSend message = rules.admitGroup(session.userId(), say, Origin.WS, session.connectionId());
    return queued(null, () -> services.sendToGroupReserved(message), say.cid());
  }

  private Future<SendResult> queued(SendMessage runnable, Supplier<Future<SendResult>> alone, String cid) {
    // a queued send holds its place in the gateway's budget of pending requests from the moment it is accepted
    services.reserve();
    queuedSends++;
    pauseReadingIfFull();
    if (cid != null) {
      inbox.sending(cid);
    }
    Queued send = new Queued(runnable, alone, cid, Promise.promise());
    waiting.add(send);
    lastTaken = send.answer().future();
    sendNext();
    return send.answer().future();
  }

  /** Completes once every send taken so far is answered. */
  Future<?> drained() {
    return lastTaken;
  }

  /** Reading is paused on a full queue: the client is waiting on us, not idle. */
  boolean readingPaused() {
    return readingPaused;
  }

  /** Sends the next request, unless one is in flight: the oldest send alone, or the run it starts. */
  private void sendNext() {
    if (requestInFlight || waiting.isEmpty()) {
      return;
    }
    requestInFlight = true;
    Queued first = waiting.peek();
    if (first.runnable() == null) {
      waiting.poll();
      first.alone().get().onComplete(result -> answered(List.of(first), List.of(result)));
      return;
    }
    List<Queued> run = takeRun();
    if (run.size() == 1) {
      services.sendReserved(first.runnable()).onComplete(result -> answered(run, List.of(result)));
      return;
    }
    services.sendRunReserved(new SendBatch(run.stream().map(Queued::runnable).toList()))
        .onComplete(outcomes -> answered(run, results(run.size(), outcomes)));
  }

  /** The one-to-one sends at the head of the queue, up to a send that goes alone or a cid the run already holds. */
  private List<Queued> takeRun() {
    List<Queued> run = new ArrayList<>();
    Set<String> cids = new HashSet<>();
    while (!waiting.isEmpty() && waiting.peek().runnable() != null && cids.add(waiting.peek().cid())) {
      run.add(waiting.poll());
    }
    return run;
  }

  private static List<AsyncResult<SendResult>> results(int size, AsyncResult<SendOutcomes> outcomes) {
    List<AsyncResult<SendResult>> results = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      if (outcomes.failed()) {
        results.add(Future.failedFuture(outcomes.cause()));
      } else {
        SendOutcomes.Outcome outcome = outcomes.result().outcomes().get(i);
        results.add(outcome.result() != null ? Future.succeededFuture(outcome.result())
            : Future.failedFuture(outcome.failure()));
      }
    }
    return results;
  }

  private void answered(List<Queued> sends, List<AsyncResult<SendResult>> results) {
    requestInFlight = false;
    for (int i = 0; i < sends.size(); i++) {
      answered(sends.get(i), results.get(i));
    }
    sendNext();
  }

  private void answered(Queued send, AsyncResult<SendResult> result) {
    queuedSends--;
    services.release();
    resumeReadingIfDrained();
    if (result.succeeded()) {
      if (send.cid() != null) {
        out.write("ack", ServerFrames.ack(send.cid(), result.result().message()));
      }
      inbox.deliverOwn(result.result().message().senderCursor());
    }
    if (send.cid() != null) {
      inbox.answered(send.cid());
    }
    send.answer().handle(result);
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
