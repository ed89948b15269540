package io.github.minichat.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One event loop's share of a storm: connections {@code share}, {@code share + shares}, … of the plan, at its share
 * of the rate and of the in-flight bound. Open loop: starts are due by the clock, not by answers, and the in-flight
 * bound only holds them back (they catch up when slots free). Everything here runs on this verticle's event loop.
 */
final class StormVerticle extends VerticleBase implements StormConnection.Listener {

  /** How often due starts are issued when pacing at a rate (Vert.x timers have millisecond resolution). */
  private static final long PACE_TICK_MS = 1;
  private static final long TIMEOUT_SWEEP_MS = 250;
  private static final long HEARTBEAT_TICK_MS = 1_000;

  private final StormPlan plan;
  private final StormStats stats;
  private final int share;
  private final int shares;
  private final int count;
  private final double ratePerNano;
  private final int maxInFlight;

  /** One client per source address: the local address is a client option in Vert.x. */
  private final List<WebSocketClient> clients = new ArrayList<>();
  /** In start order, so the oldest are checked for timeouts first. */
  private final Set<StormConnection> pending = new LinkedHashSet<>();
  private final List<StormConnection> ready = new ArrayList<>();
  private final Promise<Void> allSettled = Promise.promise();
  private Promise<Void> allClosed;
  private int started;
  private int settled;
  private int closing;
  private long beginNanos;
  private long paceTimer = -1;
  private long heartbeatTicks;

  StormVerticle(StormPlan plan, StormStats stats, int share, int shares) {
    this.plan = plan;
    this.stats = stats;
    this.share = share;
    this.shares = shares;
    this.count = (plan.connections() - share + shares - 1) / shares;
    this.ratePerNano = plan.rate() / shares / 1e9;
    this.maxInFlight = Math.max(1, plan.inFlight() / shares);
  }

  @Override
  public Future<?> start() {
    List<String> addresses = plan.sourceAddresses().isEmpty() ? List.of("") : plan.sourceAddresses();
    for (String address : addresses) {
      WebSocketClientOptions options = new WebSocketClientOptions()
          .setMaxConnections(count + 1) // the default of 50 per endpoint would queue the storm
          .setConnectTimeout((int) plan.timeout().toMillis());
      if (!address.isEmpty()) {
        options.setLocalAddress(address);
      }
      clients.add(vertx.createWebSocketClient(options));
    }
    return Future.succeededFuture();
  }

  /** Starts this share's connections from {@code beginNanos} on; completes when each is ready or has failed. */
  Future<Void> begin(long beginNanos) {
    context.runOnContext(ignored -> {
      this.beginNanos = beginNanos;
      vertx.setPeriodic(TIMEOUT_SWEEP_MS, id -> expireStale());
      long heartbeatSlots = Math.max(1, plan.heartbeat().toMillis() / HEARTBEAT_TICK_MS);
      vertx.setPeriodic(HEARTBEAT_TICK_MS, id -> heartbeat(heartbeatSlots));
      if (plan.rate() > 0) {
        paceTimer = vertx.setPeriodic(PACE_TICK_MS, id -> pump());
      }
      pump();
    });
    return allSettled.future();
  }

  /** Closes every ready connection; completes when all have closed, or after {@code within} ms at most. */
  Future<Void> closeAll(long withinMillis) {
    Promise<Void> closed = Promise.promise();
    context.runOnContext(ignored -> {
      allClosed = closed;
      for (StormConnection connection : ready) {
        if (connection.ready()) {
          closing++;
          connection.close();
        }
      }
      vertx.setTimer(withinMillis, id -> closed.tryComplete());
      if (closing == 0) {
        closed.tryComplete();
      }
    });
    return closed.future();
  }

  @Override
  public void settled(StormConnection connection) {
    pending.remove(connection);
    settled++;
    if (connection.ready()) {
      ready.add(connection);
    }
    if (settled == count) {
      allSettled.tryComplete();
    } else {
      pump();
    }
  }

  @Override
  public void closed(StormConnection connection) {
    if (allClosed != null && --closing == 0) {
      allClosed.tryComplete();
    }
  }

  /** Starts whatever is due by the clock (or everything, without a rate) while the in-flight bound allows. */
  private void pump() {
    long due = plan.rate() > 0 ? Math.min(count, 1 + (long) ((System.nanoTime() - beginNanos) * ratePerNano)) : count;
    while (started < due && pending.size() < maxInFlight) {
      startNext();
    }
    if (started == count && paceTimer >= 0) {
      vertx.cancelTimer(paceTimer);
      paceTimer = -1;
    }
    if (count == 0) {
      allSettled.tryComplete();
    }
  }

  private void startNext() {
    int index = share + started * shares;
    started++;
    GatewayTarget target = plan.targets().get(index % plan.targets().size());
    WebSocketClient client = clients.get(index % clients.size());
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost(target.host())
        .setPort(target.port())
        .setURI(target.uriWithToken(plan.tokens().token(index)))
        .setConnectTimeout(plan.timeout().toMillis());
    StormConnection connection = new StormConnection(plan.tokens().userId(index), plan.readyProbe(), stats, this);
    pending.add(connection);
    connection.open(client, options);
  }

  private void expireStale() {
    long deadline = System.nanoTime() - plan.timeout().toNanos();
    Iterator<StormConnection> oldestFirst = pending.iterator();
    List<StormConnection> expired = new ArrayList<>();
    while (oldestFirst.hasNext()) {
      StormConnection connection = oldestFirst.next();
      if (connection.startNanos() - deadline > 0) {
        break;
      }
      expired.add(connection);
    }
    expired.forEach(StormConnection::expire); // not while iterating: expiry removes from pending
  }

  /** Each tick, one slot of the ready connections beats, so a period's beats are spread over the period. */
  private void heartbeat(long slots) {
    long slot = heartbeatTicks++ % slots;
    for (int i = (int) slot; i < ready.size(); i += (int) slots) {
      ready.get(i).heartbeat();
    }
  }
}
