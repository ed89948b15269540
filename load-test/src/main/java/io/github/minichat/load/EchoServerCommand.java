package io.github.minichat.load;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A bare Vert.x WebSocket echo server, the ceiling the chat path is compared with: every text frame goes straight
 * back to its sender, with no parsing. One verticle per event loop sharing the port, as the gateway does.
 */
@Command(name = "echo-server", mixinStandardHelpOptions = true,
    description = "Bare WebSocket echo server (the baseline for chat --target echo); runs until killed.")
final class EchoServerCommand implements Callable<Integer> {

  @Option(names = "--port", defaultValue = "8090", description = "port (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "address (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--instances", description = "verticles sharing the port; default: CPU cores")
  int instances = Runtime.getRuntime().availableProcessors();

  /** Echoes every text frame to its sender. */
  static final class EchoVerticle extends VerticleBase {
    private final String host;
    private final int port;

    EchoVerticle(String host, int port) {
      this.host = host;
      this.port = port;
    }

    @Override
    public Future<?> start() {
      return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
          .webSocketHandler(EchoVerticle::echo)
          .listen();
    }

    private static void echo(ServerWebSocket socket) {
      socket.textMessageHandler(socket::writeTextMessage);
      socket.exceptionHandler(ignored -> { });
    }
  }

  @Override
  public Integer call() throws Exception {
    Vertx vertx = Vertx.vertx(ClientLoops.vertxOptions(instances));
    for (int i = 0; i < instances; i++) {
      ClientLoops.await(vertx.deployVerticle(new EchoVerticle(host, port)));
    }
    System.out.printf("echo server listening on ws://%s:%d/ (pid %d)%n", host, port, ProcessHandle.current().pid());
    new CountDownLatch(1).await();
    return 0;
  }
}
