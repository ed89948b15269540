package io.github.minichat.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * One event loop's share of a groups run's sending, open loop: of the run's sends k = 0, 1, 2… (send k intended at
 * k / rate), this loop issues those with k ≡ its number modulo the loops, by the clock, whatever the answers do;
 * each goes to the large group or a small one as {@link GroupsPlan#toLargeGroup} says, from this loop's members of
 * that kind in turn. Also beats every member's heart, well inside the server's idle timeout.
 */
final class GroupDriver {

  private static final long PACE_TICK_MS = 1;
  private static final long HEARTBEAT_TICK_MS = 1_000;
  private static final int HEARTBEAT_SLOTS = 20;

  private final ClientLoops.Loop loop;
  private final int number;
  private final int loops;
  private final List<GroupUser> users;
  private final List<GroupUser> largeSenders = new ArrayList<>();
  private final List<GroupUser> smallSenders = new ArrayList<>();
  private final GroupsPlan plan;
  private long largeTurn;
  private long smallTurn;
  private long heartbeatTicks;

  GroupDriver(ClientLoops.Loop loop, int number, int loops, List<GroupUser> users, GroupsPlan plan) {
    this.loop = loop;
    this.number = number;
    this.loops = loops;
    this.users = users;
    this.plan = plan;
    users.forEach(user -> (plan.groupOf(user.index) == 0 ? largeSenders : smallSenders).add(user));
  }

  /** Starts the heartbeats; the members are connected by then. */
  Future<Void> startHeartbeats() {
    return loop.run(() -> {
      loop.vertx().setPeriodic(HEARTBEAT_TICK_MS, id -> heartbeat());
      return Future.succeededFuture();
    });
  }

  /** Sends from {@code beginNanos} to {@code endNanos}; completes once this loop's last send is issued. */
  Future<Void> send(long beginNanos, long endNanos) {
    return loop.run(() -> {
      double ratePerNano = plan.rate() / 1e9;
      long total = Math.round((endNanos - beginNanos) * ratePerNano);
      if (number >= total) {
        return Future.succeededFuture();
      }
      Promise<Void> done = Promise.promise();
      long[] nextSend = {number};
      loop.vertx().setPeriodic(PACE_TICK_MS, timer -> {
        long due = ChatDriver.dueBy(System.nanoTime() - beginNanos, ratePerNano, total);
        while (nextSend[0] < due) {
          long k = nextSend[0];
          senderOf(k).due(beginNanos + Math.round(k / ratePerNano));
          nextSend[0] += loops;
        }
        if (nextSend[0] >= total) {
          loop.vertx().cancelTimer(timer);
          done.tryComplete();
        }
      });
      return done.future();
    });
  }

  /** Gives up the sends still waiting for a window; returns how many. */
  Future<Integer> abandonWaiting() {
    return loop.run(() -> Future.succeededFuture(users.stream().mapToInt(GroupUser::abandonWaiting).sum()));
  }

  Future<Void> closeAll() {
    return loop.run(() -> Future.join(users.stream().map(user -> user.socket.close()).toList()).mapEmpty());
  }

  private GroupUser senderOf(long k) {
    return plan.toLargeGroup(k) ? largeSenders.get((int) (largeTurn++ % largeSenders.size()))
        : smallSenders.get((int) (smallTurn++ % smallSenders.size()));
  }

  /** Each tick, one slot of the members beats: every member every 20 s. */
  private void heartbeat() {
    long slot = heartbeatTicks++ % HEARTBEAT_SLOTS;
    for (int i = (int) slot; i < users.size(); i += HEARTBEAT_SLOTS) {
      users.get(i).socket.heartbeat();
    }
  }
}
