package io.github.minichat.systemtest;

import io.github.minichat.gateway.GatewayMain;
import io.github.minichat.message.MessageServiceMain;
import io.github.minichat.message.testing.TestDatabase;
import io.github.minichat.presence.PresenceServiceMain;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A cluster of separate service JVMs on loopback for one test class: its own cluster name and Hazelcast ports (so
 * concurrent runs never join each other) and its own database. Closing it kills every process it started.
 */
final class LocalCluster implements AutoCloseable {

  static final String SECRET = "test-secret-for-the-cluster-tests";
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  final PgConnectOptions database;
  private final String clusterName = "test-" + UUID.randomUUID().toString().substring(0, 8);
  private final int basePort = TestPorts.freeBlock(8);
  private final List<ServiceProcess> processes = new ArrayList<>();
  private final Map<String, String> overrides;
  /** Clients of this cluster's gateways, closed with it. */
  final ClusterClients clients = new ClusterClients();

  LocalCluster(String purpose, Map<String, String> overrides) {
    this.database = TestDatabase.create(purpose);
    this.overrides = overrides;
  }

  /** Environment shared by every process of this cluster. */
  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("PG_URL", TestDatabase.url(database));
    env.put("CHAT_JWT_SECRET", SECRET);
    env.put("CHAT_CLUSTER", "tcp");
    env.put("CHAT_CLUSTER_NAME", clusterName);
    env.put("CHAT_CLUSTER_HOST", "127.0.0.1");
    env.put("CHAT_CLUSTER_PORT", Integer.toString(basePort));
    env.put("CHAT_CLUSTER_PORT_COUNT", "8");
    env.put("CHAT_CLUSTER_MEMBERS", IntStream.range(0, 8)
        .mapToObj(i -> "127.0.0.1:" + (basePort + i)).collect(Collectors.joining(",")));
    // a JVM starting on a busy 2-core machine can stall for seconds; at the default of 5 s its peers would take it
    // for dead and split the cluster. No test here waits on a frozen member: a killed one is seen at once.
    env.put("CHAT_CLUSTER_MAX_NO_HEARTBEAT_S", "20");
    env.put("CHAT_PRESENCE_GRACE_MS", "500");
    env.put("CHAT_BUS_TIMEOUT_MS", "3000");
    env.put("PG_POOL_SIZE", "4");
    // test clients are machines sending as fast as they can: the rate limits have tests of their own (RateLimitTest)
    env.putAll(ChatSystem.UNLIMITED_RATES);
    env.put("CHAT_MANAGEMENT_PORT", "0"); // several services of a kind on one host: any free port
    env.putAll(overrides);
    return env;
  }

  ServiceProcess presence(String name) {
    return start(name, PresenceServiceMain.class, Map.of(), "Presence service started");
  }

  ServiceProcess messages(String name) {
    return start(name, MessageServiceMain.class, Map.of(), "Message service started");
  }

  /** A gateway on a free HTTP port; the port is in {@link Gateway#port()}. */
  Gateway gateway(String name) {
    int port = TestPorts.free();
    ServiceProcess process = start(name, GatewayMain.class,
        Map.of("CHAT_HTTP_HOST", "127.0.0.1", "CHAT_HTTP_PORT", Integer.toString(port),
            "CHAT_GATEWAY_INSTANCES", "1", "CHAT_DRAIN_MS", "3000"), "listening on");
    return new Gateway(process, port);
  }

  record Gateway(ServiceProcess process, int port) {
  }

  private ServiceProcess start(String name, Class<?> main, Map<String, String> extra, String readyLine) {
    Map<String, String> env = env();
    env.putAll(extra);
    ServiceProcess process = ServiceProcess.start(name, main, env);
    processes.add(process);
    process.awaitLog(readyLine, START_TIMEOUT);
    return process;
  }

  long count(String sql) {
    return TestDatabase.queryLong(database, sql);
  }

  @Override
  public void close() {
    clients.close();
    processes.forEach(ServiceProcess::close);
    TestDatabase.drop(database);
  }
}
