package io.github.minichat.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real S3-protocol server for the storage tests: S3Proxy in a process of its own, keeping objects in memory,
 * on a free loopback port, with AWS signature checks on. The build copies its jar to
 * {@code target/s3-test-server/s3proxy.jar} of the module under test.
 */
public final class S3TestServer implements AutoCloseable {

  public static final String ACCESS_KEY = "minichat-test-access";
  public static final String SECRET_KEY = "minichat-test-secret-key";
  private static final Path JAR = Path.of("target", "s3-test-server", "s3proxy.jar");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final int port;

  private S3TestServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static S3TestServer start() {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: the build copies it (mvn process-test-resources)");
    }
    int port = freePort();
    try {
      Path properties = Files.createTempFile("s3proxy", ".properties");
      Files.write(properties, List.of(
          "s3proxy.endpoint=http://127.0.0.1:" + port,
          "s3proxy.authorization=aws-v2-or-v4",
          "s3proxy.identity=" + ACCESS_KEY,
          "s3proxy.credential=" + SECRET_KEY,
          "jclouds.provider=transient",
          "jclouds.identity=" + ACCESS_KEY,
          "jclouds.credential=" + SECRET_KEY));
      properties.toFile().deleteOnExit();
      Path log = Files.createTempFile("s3proxy", ".log");
      log.toFile().deleteOnExit();
      Process process = new ProcessBuilder(javaBinary(), "-Xmx256m", "-jar", JAR.toString(),
          "--properties", properties.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      S3TestServer server = new S3TestServer(process, port);
      server.awaitListening(log);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** The gateway's settings for this server. */
  public Map<String, String> gatewayEnv(String bucket) {
    return Map.of("CHAT_FILE_STORE", "s3", "CHAT_S3_ENDPOINT", endpoint(), "CHAT_S3_BUCKET", bucket,
        "CHAT_S3_ACCESS_KEY", ACCESS_KEY, "CHAT_S3_SECRET_KEY", SECRET_KEY);
  }

  /** Waits until the port takes connections; fails with the server's log if it died or never did. */
  private void awaitListening(Path log) throws IOException {
    try {
      Awaitility.await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
        if (!process.isAlive()) {
          throw new IllegalStateException("S3Proxy exited " + process.exitValue() + ":\n" + Files.readString(log));
        }
        return listening();
      });
    } catch (ConditionTimeoutException e) {
      close();
      throw new IllegalStateException("S3Proxy did not listen within " + START_TIMEOUT + ":\n" + Files.readString(log));
    }
  }

  private boolean listening() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
