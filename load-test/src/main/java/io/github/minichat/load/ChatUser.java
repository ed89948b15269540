package io.github.minichat.load;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * One user of a chat run, both ends: as sender it numbers its messages ({@code cid = <user>-<n>}, the intended send
 * time first in the data) and keeps at most a window of them unanswered; as recipient it records each cid it is
 * delivered, so a second delivery counts as a duplicate, and the latency from the intended send time. Touched only
 * on its event loop.
 */
final class ChatUser implements ChatSocket.Pushes {

  final int index;
  final ChatSocket socket;
  private final long[] peers;
  private final Random random;
  private final ChatPlan plan;
  private final ChatStats stats;
  /** By the number of characters of the send time (it grows with the clock's digits). */
  private final String[] paddings = new String[21];
  private final ArrayDeque<Long> waiting = new ArrayDeque<>();
  private final Map<Long, BitSet> seen = new HashMap<>();
  private int next;
  private int outstanding;
  /** Closed loop (no rate): each answer sends the next until this time. */
  private long closedLoopEndNanos;

  ChatUser(int index, long userId, long[] peers, ChatPlan plan, ChatStats stats) {
    this.index = index;
    this.peers = peers;
    this.random = new Random(index);
    this.plan = plan;
    this.stats = stats;
    for (int digits = 1; digits < paddings.length; digits++) {
      paddings[digits] = plan.padding(digits);
    }
    this.socket = new ChatSocket(userId, plan.target(), this);
  }

  /** A send is due (open loop) at {@code intendedNanos}: now, or when the window has room. */
  void due(long intendedNanos) {
    if (outstanding >= plan.window() || !waiting.isEmpty()) {
      stats.late.increment();
      waiting.add(intendedNanos);
    } else {
      send(intendedNanos);
    }
  }

  /** Closed loop: fills the window now and refills it as answers come, until {@code endNanos}. */
  void saturate(long endNanos) {
    closedLoopEndNanos = endNanos;
    while (outstanding < plan.window()) {
      send(System.nanoTime());
    }
  }

  /** Sends still waiting for the window, given up at the end of the drain. */
  int abandonWaiting() {
    int count = waiting.size();
    waiting.clear();
    closedLoopEndNanos = 0;
    return count;
  }

  private void send(long intendedNanos) {
    long to = plan.target() == ChatTarget.ECHO ? socket.userId() : peers[peers.length == 1 ? 0
        : random.nextInt(peers.length)];
    String cid = socket.userId() + "-" + next++;
    boolean measured = stats.measured(intendedNanos);
    stats.sent.increment();
    if (measured) {
      stats.measuredSent.increment();
    }
    outstanding++;
    String time = Long.toString(intendedNanos);
    socket.say(to, cid, time + paddings[time.length()]).onComplete(answer -> {
      outstanding--;
      if (answer.succeeded()) {
        stats.acked.increment();
        if (measured) {
          stats.ack.recordNanos(System.nanoTime() - intendedNanos);
        }
      } else {
        String code = ServerError.codeOf(answer.cause());
        (code.equals("closed") ? stats.unanswered : stats.refused).increment();
        stats.error(code);
      }
      sendNext();
    });
  }

  private void sendNext() {
    if (!socket.isOpen()) {
      return;
    }
    if (!waiting.isEmpty()) {
      send(waiting.poll());
    } else if (System.nanoTime() - closedLoopEndNanos < 0) {
      send(System.nanoTime());
    }
  }

  @Override
  public void text(ChatSocket socket, String cid, String data) {
    long now = System.nanoTime();
    int dash = cid == null ? -1 : cid.lastIndexOf('-');
    int bar = data.indexOf('|');
    if (dash < 1 || bar < 1) {
      stats.unexpected.increment();
      return;
    }
    long from;
    int n;
    long intended;
    try {
      from = Long.parseLong(cid, 0, dash, 10);
      n = Integer.parseInt(cid, dash + 1, cid.length(), 10);
      intended = Long.parseLong(data, 0, bar, 10);
    } catch (NumberFormatException e) {
      stats.unexpected.increment();
      return;
    }
    BitSet delivered = seen.computeIfAbsent(from, ignored -> new BitSet());
    if (delivered.get(n)) {
      stats.duplicated.increment();
      return;
    }
    delivered.set(n);
    stats.delivered.increment();
    if (stats.measured(intended)) {
      stats.measuredDelivered.increment();
      stats.delivery.recordNanos(now - intended);
    }
  }

  @Override
  public void lost(ChatSocket socket, String why) {
    stats.incident(why);
  }
}
