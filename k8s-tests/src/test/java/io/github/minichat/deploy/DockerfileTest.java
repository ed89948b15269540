package io.github.minichat.deploy;

import io.github.minichat.common.UserTokens;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.github.minichat.gateway.TokenVerifier;
import io.github.minichat.gateway.testing.S3TestServer;
import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Each service's Dockerfile copies the jar the build makes, and its ENTRYPOINT, run here as the image would run it
 * (the image's ENV, the dev overlay's ConfigMap; clustered on loopback instead of through Kubernetes DNS), starts
 * the service and turns ready on the probe paths and ports of the manifests. With the three running: JSON logs,
 * the metrics the dashboard uses, and a chat through the gateway that logs no token and no text.
 */
class DockerfileTest {

  static final List<String> SERVICES = List.of("presence-service", "message-service", "chat-gateway");
  static final String SECRET = "deploy-check-secret-0123456789-abcdefghij";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static final Map<String, Running> RUNNING = new LinkedHashMap<>();
  static PgConnectOptions database;
  /** The dev overlay's MinIO, here a real S3-protocol server process. */
  static S3TestServer objectStore;

  record Dockerfile(String buildCommand, String jarInImage, String jarSource, Map<String, String> env, String user,
                    Set<Integer> exposed, List<String> entrypoint, String runtimeBase) {
  }

  record Running(Process process, List<String> lines, int managementPort, int httpPort) {
  }

  static Dockerfile parse(String service) {
    List<String> lines = joinContinuations(CodeFacts.read(Manifests.ROOT.resolve(service).resolve("Dockerfile")));
    String build = null;
    String source = null;
    String target = null;
    String user = null;
    String base = null;
    Map<String, String> env = new LinkedHashMap<>();
    Set<Integer> exposed = new TreeSet<>();
    List<String> entrypoint = null;
    for (String line : lines) {
      String[] parts = line.trim().split("\\s+", 2);
      switch (parts[0]) {
        case "FROM" -> base = parts[1];
        case "RUN" -> build = parts[1].contains("mvn ") ? parts[1] : build;
        case "COPY" -> {
          if (parts[1].startsWith("--from=build")) {
            String[] paths = parts[1].split("\\s+");
            source = paths[1];
            target = paths[2];
          }
        }
        case "ENV" -> {
          Matcher matcher = Pattern.compile("([A-Z_]+)=(\"[^\"]*\"|\\S+)").matcher(parts[1]);
          while (matcher.find()) {
            env.put(matcher.group(1), matcher.group(2).replaceAll("^\"|\"$", ""));
          }
        }
        case "USER" -> user = parts[1];
        case "EXPOSE" -> {
          for (String port : parts[1].split("\\s+")) {
            exposed.add(Integer.parseInt(port));
          }
        }
        case "ENTRYPOINT" -> entrypoint = new JsonArray(parts[1]).stream().map(String::valueOf).toList();
        default -> { }
      }
    }
    return new Dockerfile(build, target, source, env, user, exposed, entrypoint, base);
  }

  private static List<String> joinContinuations(String text) {
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\n")) {
      if (line.trim().startsWith("#") && current.length() == 0) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
      } else {
        lines.add(current.append(line).toString());
        current.setLength(0);
      }
    }
    return lines;
  }

  @Test
  @DisplayName("each Dockerfile builds its module, copies the jar the build makes and runs it as a non-root user")
  void dockerfilesMatchTheBuild() {
    Manifests prod = Manifests.render("overlays/prod");
    for (String service : SERVICES) {
      Dockerfile dockerfile = parse(service);
      assertThat(dockerfile.buildCommand()).contains("-pl " + service).contains("package");
      assertThat(dockerfile.jarSource()).isEqualTo("/src/" + service + "/target/minichat-" + service + ".jar");
      assertThat(localJar(dockerfile)).exists();
      assertThat(dockerfile.runtimeBase()).contains("jre");
      assertThat(dockerfile.user()).matches("[1-9][0-9]*:[1-9][0-9]*");
      assertThat(dockerfile.entrypoint()).containsExactly("java", "-jar", dockerfile.jarInImage());
      assertThat(dockerfile.env()).containsEntry("CHAT_LOG_FORMAT", "json");
      assertThat(dockerfile.env().get("JAVA_TOOL_OPTIONS")).contains("MaxRAMPercentage");
      // the ports the manifests use are the ones the image exposes, and the uid the pods run as is the image's
      Container container = prod.get(Deployment.class, service).getSpec().getTemplate().getSpec().getContainers().get(0);
      container.getPorts().forEach(port -> assertThat(dockerfile.exposed()).contains(port.getContainerPort()));
      // the manifest's JVM flags replace the image's: a flag in one and not the other would be lost in the cluster
      assertThat(container.getEnv()).filteredOn(variable -> variable.getName().equals("JAVA_TOOL_OPTIONS"))
          .singleElement().extracting(EnvVar::getValue).isEqualTo(dockerfile.env().get("JAVA_TOOL_OPTIONS"));
      assertThat(dockerfile.user()).startsWith(prod.get(Deployment.class, service).getSpec().getTemplate().getSpec()
          .getSecurityContext().getRunAsUser() + ":");
    }
    String ignore = CodeFacts.read(Manifests.ROOT.resolve(".dockerignore"));
    assertThat(ignore).contains("**/target/", "data/", ".git/");
  }

  @BeforeAll
  static void startServices() throws Exception {
    database = TestDatabase.create("deploy_check");
    Manifests dev = Manifests.render("overlays/dev");
    Map<String, String> config = new HashMap<>(dev.get(ConfigMap.class, ManifestTest.CONFIG).getData());
    int clusterPort = 20_000 + (int) (Math.random() * 20_000);
    // in a pod: Kubernetes DNS discovery and the pod IP; here: a member list on loopback
    config.putAll(Map.of(
        "CHAT_CLUSTER", "tcp",
        "CHAT_CLUSTER_NAME", "deploy-check-" + UUID.randomUUID(),
        "CHAT_CLUSTER_HOST", "127.0.0.1",
        "CHAT_CLUSTER_PORT", Integer.toString(clusterPort),
        "CHAT_CLUSTER_PORT_COUNT", "5",
        "CHAT_CLUSTER_MEMBERS", java.util.stream.IntStream.range(clusterPort, clusterPort + 5)
            .mapToObj(port -> "127.0.0.1:" + port).collect(java.util.stream.Collectors.joining(",")),
        "CHAT_EVENTBUS_HOST", "127.0.0.1",
        "CHAT_EVENTBUS_PORT", "0",
        "PG_URL", TestDatabase.url(database),
        "CHAT_JWT_SECRET", SECRET));
    objectStore = S3TestServer.start();
    config.putAll(objectStore.gatewayEnv(config.get("CHAT_S3_BUCKET")));
    config.put("CHAT_HTTP_HOST", "127.0.0.1");
    config.put("CHAT_MANAGEMENT_HOST", "127.0.0.1");
    for (String service : SERVICES) {
      Dockerfile dockerfile = parse(service);
      Map<String, String> env = new HashMap<>(dockerfile.env());
      env.putAll(config);
      env.put("JAVA_TOOL_OPTIONS", dockerfile.env().get("JAVA_TOOL_OPTIONS") + " -Xmx256m -XX:TieredStopAtLevel=1");
      int management = freePort();
      int http = freePort();
      env.put("CHAT_MANAGEMENT_PORT", Integer.toString(management));
      env.put("CHAT_HTTP_PORT", Integer.toString(http));
      List<String> command = new ArrayList<>(dockerfile.entrypoint());
      command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.set(command.indexOf(dockerfile.jarInImage()), localJar(dockerfile).toString());
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().keySet().removeIf(key -> key.startsWith("CHAT_") || key.startsWith("PG") || key.startsWith("JAVA_"));
      builder.environment().putAll(env);
      Process process = builder.start();
      List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
      Thread pump = new Thread(() -> {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = reader.readLine()) != null) {
            lines.add(line);
          }
        } catch (IOException ignored) {
          // ended
        }
      });
      pump.setDaemon(true);
      pump.start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
      RUNNING.put(service, new Running(process, lines, management, http));
    }
    // the readiness path of the manifests, on each service's management port
    String readyPath = dev.get(Deployment.class, "chat-gateway").getSpec().getTemplate().getSpec().getContainers().get(0)
        .getReadinessProbe().getHttpGet().getPath();
    for (String service : SERVICES) {
      awaitReady(service, readyPath, Duration.ofSeconds(120));
    }
  }

  @AfterAll
  static void stopServices() throws Exception {
    List<String> reversed = new ArrayList<>(RUNNING.keySet());
    java.util.Collections.reverse(reversed);
    for (String service : reversed) {
      Process process = RUNNING.get(service).process();
      process.toHandle().destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    Path logs = Files.createDirectories(Path.of("target", "service-logs"));
    for (Map.Entry<String, Running> entry : RUNNING.entrySet()) {
      Files.write(logs.resolve(entry.getKey() + ".log"), entry.getValue().lines());
    }
    if (database != null) {
      TestDatabase.drop(database);
    }
    if (objectStore != null) {
      objectStore.close();
    }
  }

  @Test
  @DisplayName("each entrypoint starts its service: live, ready, logging JSON lines")
  void entrypointsStartTheServices() throws Exception {
    for (String service : SERVICES) {
      Running running = RUNNING.get(service);
      assertThat(get(running.managementPort(), "/health/live").statusCode()).as(service).isEqualTo(200);
      HttpResponse<String> ready = get(running.managementPort(), "/health/ready");
      assertThat(ready.statusCode()).as(service).isEqualTo(200);
      assertThat(new JsonObject(ready.body()).getString("status")).isEqualTo("UP");
      List<String> lines;
      synchronized (running.lines()) {
        lines = List.copyOf(running.lines());
      }
      assertThat(lines).as(service + " logged").isNotEmpty();
      for (String line : lines) {
        if (line.startsWith("Picked up JAVA_TOOL_OPTIONS")) {
          continue; // the JVM's own notice, on stderr
        }
        JsonObject json;
        try {
          json = new JsonObject(line);
        } catch (RuntimeException e) {
          throw new AssertionError(service + " logged a line that is not JSON: " + line, e);
        }
        assertThat(json.getString("level")).isNotBlank();
        assertThat(json.getLong("timestamp")).isPositive();
        assertThat(json.containsKey("formattedMessage")).isTrue();
      }
    }
    assertThat(RUNNING.get("message-service").lines()).anyMatch(line -> line.contains("Message service started"));
  }

  @Test
  @DisplayName("serves every metric the Grafana dashboard queries, and a chat logs neither token nor text")
  void metricsAndQuietLogs() throws Exception {
    String token1 = UserTokens.mint(SECRET, 1, Duration.ofHours(1));
    String token2 = UserTokens.mint(SECRET, 2, Duration.ofHours(1));
    String text = "secret-text-" + UUID.randomUUID();
    int port = RUNNING.get("chat-gateway").httpPort();
    Frames alice = new Frames();
    Frames bob = new Frames();
    WebSocket a = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws?token=" + token1), alice)
        .get(10, TimeUnit.SECONDS);
    WebSocket b = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws?token=" + token2), bob)
        .get(10, TimeUnit.SECONDS);
    a.sendText("{\"type\":\"bind\",\"fromId\":1}", true).get(5, TimeUnit.SECONDS);
    b.sendText("{\"type\":\"bind\",\"fromId\":2}", true).get(5, TimeUnit.SECONDS);
    b.sendText("{\"type\":\"heart\",\"fromId\":2}", true).get(5, TimeUnit.SECONDS);
    bob.await("heart");
    a.sendText(new JsonObject().put("type", "say").put("from_id", 1).put("to_id", 2).put("data", text).put("cid", "c-1")
        .encode(), true).get(5, TimeUnit.SECONDS);
    alice.await("ack");
    assertThat(bob.await("text").getString("data")).isEqualTo(text);
    a.sendText("{\"type\":\"nonsense\"}", true).get(5, TimeUnit.SECONDS);
    alice.await("error");

    Set<String> served = new TreeSet<>();
    for (String service : SERVICES) {
      String body = get(RUNNING.get(service).managementPort(), "/metrics").body();
      for (String line : body.split("\n")) {
        if (!line.startsWith("#") && !line.isBlank()) {
          served.add(line.split("[{ ]", 2)[0]);
        }
      }
    }
    Set<String> dashboard = DashboardMetrics.names(new JsonObject(CodeFacts.read(
        Manifests.K8S.resolve("base/grafana-dashboard.json"))));
    assertThat(served).as("metrics served by the three services").containsAll(dashboard);
    String gatewayMetrics = get(RUNNING.get("chat-gateway").managementPort(), "/metrics").body();
    assertThat(gatewayMetrics).contains("minichat_connections_open 2.0", "minichat_frames_in_total{type=\"say\"} 1.0",
        "minichat_errors_total{code=\"unknown_type\"} 1.0");
    assertThat(sample(gatewayMetrics, "minichat_delivery_latency_seconds_count")).isGreaterThanOrEqualTo(1);
    assertThat(sample(get(RUNNING.get("message-service").managementPort(), "/metrics").body(),
        "minichat_messages_stored_total")).isEqualTo(1);

    a.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
    b.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
    for (Running running : RUNNING.values()) {
      synchronized (running.lines()) {
        assertThat(running.lines()).noneMatch(line -> line.contains(token1) || line.contains(token2)
            || line.contains(text));
      }
    }
  }

  // ---- helpers ----

  static double sample(String metrics, String name) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no sample of " + name);
  }

  static Path localJar(Dockerfile dockerfile) {
    return Manifests.ROOT.resolve(dockerfile.jarSource().substring("/src/".length()));
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static void awaitReady(String service, String path, Duration within) {
    Running running = RUNNING.get(service);
    try {
      Awaitility.await(service + " ready").atMost(within).pollInterval(Duration.ofMillis(250))
          .ignoreExceptionsInstanceOf(IOException.class) // not listening yet
          .until(() -> {
            if (!running.process().isAlive()) {
              throw new AssertionError(service + " exited: " + String.join("\n", running.lines()));
            }
            return get(running.managementPort(), path).statusCode() == 200;
          });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(service + " not ready within " + within + ": " + String.join("\n", running.lines()));
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Collects a WebSocket's frames. */
  static final class Frames implements WebSocket.Listener {
    private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        frames.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      webSocket.request(1);
      return CompletableFuture.completedFuture(null);
    }

    JsonObject await(String type) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (System.nanoTime() < deadline) {
        JsonObject frame = frames.poll(100, TimeUnit.MILLISECONDS);
        if (frame != null && type.equals(frame.getString("type"))) {
          return frame;
        }
      }
      throw new AssertionError("no " + type + " frame");
    }
  }
}
