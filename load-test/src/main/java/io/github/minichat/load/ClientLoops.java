package io.github.minichat.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The client side's event loops: one verticle per loop, each with one WebSocket client per source address. Work for
 * connection {@code i} always runs on loop {@code i % size()}, so a connection's state has one owner thread.
 */
final class ClientLoops implements AutoCloseable {

  private final Vertx vertx;
  private final List<Loop> loops = new ArrayList<>();
  private final List<GatewayTarget> targets;

  /** One event loop's verticle: a context to run work on and the clients it connects with. */
  static final class Loop extends VerticleBase {
    private final List<String> sourceAddresses;
    private final List<WebSocketClient> clients = new ArrayList<>();
    private final int maxConnections;

    Loop(List<String> sourceAddresses, int maxConnections) {
      this.sourceAddresses = sourceAddresses.isEmpty() ? List.of("") : sourceAddresses;
      this.maxConnections = maxConnections;
    }

    @Override
    public Future<?> start() {
      for (String address : sourceAddresses) {
        WebSocketClientOptions options = new WebSocketClientOptions()
            .setMaxConnections(maxConnections + 1) // the default of 50 per endpoint would queue the connects
            .setMaxFrameSize(1 << 20).setMaxMessageSize(4 << 20); // sync pages are large
        if (!address.isEmpty()) {
          options.setLocalAddress(address);
        }
        clients.add(vertx.createWebSocketClient(options));
      }
      return Future.succeededFuture();
    }

    Vertx vertx() {
      return vertx;
    }

    <T> Future<T> run(Supplier<Future<T>> work) {
      Promise<T> promise = Promise.promise();
      context.runOnContext(ignored -> {
        try {
          work.get().onComplete(promise);
        } catch (RuntimeException e) {
          promise.fail(e);
        }
      });
      return promise.future();
    }
  }

  ClientLoops(int eventLoops, int connections, List<GatewayTarget> targets, List<String> sourceAddresses) {
    this.targets = targets;
    this.vertx = Vertx.vertx(vertxOptions(eventLoops));
    int perLoop = connections / eventLoops + 1;
    for (int i = 0; i < eventLoops; i++) {
      Loop loop = new Loop(sourceAddresses, perLoop);
      await(vertx.deployVerticle(loop));
      loops.add(loop);
    }
  }

  /**
   * A Vert.x of {@code eventLoops} loops, on the native epoll transport where it loads (as the servers run): the
   * load generator's CPU per frame counts against the machine it shares with them.
   */
  static VertxOptions vertxOptions(int eventLoops) {
    return new VertxOptions().setEventLoopPoolSize(eventLoops).setPreferNativeTransport(true);
  }

  int size() {
    return loops.size();
  }

  Loop loop(int connection) {
    return loops.get(connection % loops.size());
  }

  /** Runs {@code work} on the loop owning connection {@code connection}. */
  <T> Future<T> on(int connection, Supplier<Future<T>> work) {
    return loop(connection).run(work);
  }

  /** The client and handshake options connection {@code index} uses: gateways and source addresses round robin. */
  WebSocketClient client(int index) {
    Loop loop = loop(index);
    return loop.clients.get((index / loops.size()) % loop.clients.size());
  }

  WebSocketConnectOptions connectOptions(int index, String token, long timeoutMillis) {
    GatewayTarget target = targets.get(index % targets.size());
    return new WebSocketConnectOptions().setHost(target.host()).setPort(target.port())
        .setURI(target.uriWithToken(token)).setConnectTimeout(timeoutMillis);
  }

  static <T> T await(Future<T> future) {
    return future.toCompletionStage().toCompletableFuture().join();
  }

  @Override
  public void close() {
    await(vertx.close());
  }
}
