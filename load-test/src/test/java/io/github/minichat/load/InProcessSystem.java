package io.github.minichat.load;

import io.github.minichat.launcher.AllInOneMain;
import io.github.minichat.message.testing.TestDatabase;
import io.github.minichat.platform.Env;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole system started in this JVM on a fresh database, with the per-user limits lifted as the bench scripts
 * lift them: what the smoke tests run the load tool against.
 */
final class InProcessSystem implements AutoCloseable {

  static final String SECRET = "secret-of-the-load-tool-smoke-test-0123456789";

  private final PgConnectOptions database;
  private final AllInOneMain.Running system;
  private final int port;

  private InProcessSystem(PgConnectOptions database, AllInOneMain.Running system, int port) {
    this.database = database;
    this.system = system;
    this.port = port;
  }

  static InProcessSystem start(String purpose) {
    PgConnectOptions database = TestDatabase.create(purpose);
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> env = new HashMap<>();
    env.put("PG_URL", TestDatabase.url(database));
    env.put("CHAT_JWT_SECRET", SECRET);
    env.put("CHAT_HTTP_HOST", "127.0.0.1");
    env.put("CHAT_HTTP_PORT", Integer.toString(port));
    env.put("CHAT_GATEWAY_INSTANCES", "2");
    env.put("CHAT_PRESENCE_GRACE_MS", "300");
    // a load test raises the per-user limits, as the bench scripts do
    env.put("CHAT_MESSAGES_PER_MINUTE", "1000000");
    env.put("CHAT_MESSAGE_BURST", "100000");
    env.put("CHAT_FRAMES_PER_SECOND", "100000");
    env.put("CHAT_FRAME_BURST", "100000");
    try {
      return new InProcessSystem(database, await(AllInOneMain.start(new Env(env), new VertxOptions())), port);
    } catch (RuntimeException | Error e) {
      TestDatabase.drop(database);
      throw e;
    }
  }

  String url() {
    return "ws://127.0.0.1:" + port + "/ws";
  }

  PgConnectOptions database() {
    return database;
  }

  @Override
  public void close() {
    try {
      await(system.node().close());
    } finally {
      TestDatabase.drop(database);
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
