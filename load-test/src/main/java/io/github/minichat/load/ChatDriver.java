package io.github.minichat.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * One event loop's share of a chat run: connects its users (a bounded number of handshakes in flight), then issues
 * their sends. Open loop: sends are due by the clock, at this loop's share of the rate, each with its intended
 * time, whatever the answers do; a late timer tick issues everything that fell due meanwhile.
 */
final class ChatDriver {

  private static final long PACE_TICK_MS = 1;
  private static final long HEARTBEAT_TICK_MS = 1_000;
  private static final int HEARTBEAT_SLOTS = 20;

  private final ClientLoops loops;
  private final ClientLoops.Loop loop;
  private final List<ChatUser> users;
  private final ChatPlan plan;
  private final ChatStats stats;
  private long heartbeatTicks;

  ChatDriver(ClientLoops loops, ClientLoops.Loop loop, List<ChatUser> users, ChatPlan plan, ChatStats stats) {
    this.loops = loops;
    this.loop = loop;
    this.users = users;
    this.plan = plan;
    this.stats = stats;
  }

  /** Connects and binds every user of this loop; completes when each is bound or has failed. */
  Future<Void> connect() {
    return loop.run(() -> {
      Promise<Void> done = Promise.promise();
      int parallel = Math.max(1, plan.inFlight() / loops.size());
      int[] started = {0};
      int[] settled = {0};
      Runnable[] startNext = new Runnable[1];
      startNext[0] = () -> {
        ChatUser user = users.get(started[0]++);
        ConnectStart.open(loops, loop, user.socket, user.index, plan.tokens().token(user.index), ReadyProbe.HEART,
                plan.timeout())
            .onComplete(result -> {
              if (result.succeeded()) {
                stats.connected.increment();
              } else {
                stats.connectFailed(ServerError.codeOf(result.cause()));
              }
              settled[0]++;
              if (started[0] < users.size()) {
                startNext[0].run();
              } else if (settled[0] == users.size()) {
                done.tryComplete();
              }
            });
      };
      for (int i = 0; i < Math.min(parallel, users.size()); i++) {
        startNext[0].run();
      }
      if (users.isEmpty()) {
        done.complete();
      }
      loop.vertx().setPeriodic(HEARTBEAT_TICK_MS, id -> heartbeat());
      return done.future();
    });
  }

  /** Sends from {@code beginNanos} to {@code endNanos}; completes at the end of the sending. */
  Future<Void> send(long beginNanos, long endNanos) {
    return loop.run(() -> {
      Promise<Void> done = Promise.promise();
      if (users.isEmpty()) {
        return Future.succeededFuture();
      }
      if (!plan.openLoop()) {
        users.forEach(user -> user.saturate(endNanos));
        loop.vertx().setTimer(Math.max(1, (endNanos - System.nanoTime()) / 1_000_000), id -> done.complete());
        return done.future();
      }
      double ratePerNano = plan.rate() * users.size() / plan.users() / 1e9;
      long total = Math.round((endNanos - beginNanos) * ratePerNano);
      long[] issued = {0};
      loop.vertx().setPeriodic(PACE_TICK_MS, timer -> {
        long due = dueBy(System.nanoTime() - beginNanos, ratePerNano, total);
        while (issued[0] < due) {
          long intended = beginNanos + Math.round(issued[0] / ratePerNano);
          users.get((int) (issued[0] % users.size())).due(intended);
          issued[0]++;
        }
        if (issued[0] >= total) {
          loop.vertx().cancelTimer(timer);
          done.tryComplete();
        }
      });
      return done.future();
    });
  }

  /**
   * How many of {@code total} sends are due {@code elapsedNanos} into the sending: send k (from 0) at k / rate, its
   * intended time, so the first at once. (Due one interval later, every send would carry a whole interval of this
   * loop's pace as latency: 100 ms each at 20 messages/s over two loops.)
   */
  static long dueBy(long elapsedNanos, double ratePerNano, long total) {
    return Math.min(total, (long) (elapsedNanos * ratePerNano) + 1);
  }

  /** Gives up the sends still waiting for a window; returns how many. */
  Future<Integer> abandonWaiting() {
    return loop.run(() -> Future.succeededFuture(users.stream().mapToInt(ChatUser::abandonWaiting).sum()));
  }

  Future<Void> closeAll() {
    return loop.run(() -> {
      List<Future<Void>> closing = new ArrayList<>();
      users.forEach(user -> closing.add(user.socket.close()));
      return Future.join(closing).mapEmpty();
    });
  }

  /** Each tick, one slot of the users beats: every user every 20 s, well inside the server's idle timeout. */
  private void heartbeat() {
    long slot = heartbeatTicks++ % HEARTBEAT_SLOTS;
    for (int i = (int) slot; i < users.size(); i += HEARTBEAT_SLOTS) {
      users.get(i).socket.heartbeat();
    }
  }
}
