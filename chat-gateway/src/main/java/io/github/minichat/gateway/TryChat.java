package io.github.minichat.gateway;

import io.github.minichat.common.UserTokens;
import io.github.minichat.platform.Env;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A command-line chat client for trying a running server: connects as one user (minting a token with the
 * configured secret), binds, subscribes to the peer's presence, syncs, then sends each line typed as a message and
 * prints every frame the server sends.
 */
@Command(name = "try-chat", mixinStandardHelpOptions = true,
    description = "Chats from the terminal: each line you type is sent to the peer; server frames are printed.")
public final class TryChat implements Callable<Integer> {

  @Option(names = "--user", required = true, description = "your user id")
  private long user;

  @Option(names = "--peer", required = true, description = "the user id to chat with")
  private long peer;

  @Option(names = "--url", defaultValue = "ws://127.0.0.1:8080/ws", description = "WebSocket URL (default: ${DEFAULT-VALUE})")
  private URI url;

  @Override
  public Integer call() throws Exception {
    String token = UserTokens.mint(GatewayConfig.jwtSecret(Env.system()), user, Duration.ofHours(1));
    Vertx vertx = Vertx.vertx();
    CountDownLatch closed = new CountDownLatch(1);
    var options = new WebSocketConnectOptions()
        .setHost(url.getHost()).setPort(url.getPort() > 0 ? url.getPort() : 80)
        .setURI(url.getPath() + "?token=" + token);
    // held in a variable: Vert.x closes clients that become unreachable
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions());
    var webSocket = client.connect(options)
        .toCompletionStage().toCompletableFuture().get();
    webSocket.textMessageHandler(text -> System.out.println("<< " + text));
    webSocket.closeHandler(ignored -> {
      System.out.println("-- closed " + webSocket.closeStatusCode() + " " + webSocket.closeReason());
      closed.countDown();
    });
    send(webSocket, new JsonObject().put("type", "bind").put("fromId", user));
    send(webSocket, new JsonObject().put("type", "online").put("from_id", user).put("to_id", peer));
    send(webSocket, new JsonObject().put("type", "sync").put("since", 0));
    System.out.println("-- connected as " + user + "; type a message and press enter (Ctrl-D to quit)");
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while (closed.getCount() > 0 && (line = stdin.readLine()) != null) {
      if (!line.isBlank()) {
        send(webSocket, new JsonObject().put("type", "say").put("from_id", user).put("to_id", peer)
            .put("data", line).put("cid", UUID.randomUUID().toString()));
      }
    }
    webSocket.close();
    client.close();
    vertx.close();
    return 0;
  }

  private static void send(io.vertx.core.http.WebSocket webSocket, JsonObject frame) {
    System.out.println(">> " + frame.encode());
    webSocket.writeTextMessage(frame.encode());
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new TryChat()).execute(args));
  }
}
