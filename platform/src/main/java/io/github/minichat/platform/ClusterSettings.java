package io.github.minichat.platform;

import io.github.minichat.platform.Env;
import java.util.Arrays;
import java.util.List;

/**
 * How a process joins the Vert.x cluster (Hazelcast), from environment variables.
 *
 * @param mode              {@code off} (one process, local event bus), {@code tcp} (member list) or
 *                          {@code kubernetes} (DNS lookup of a headless Service)
 * @param name              cluster name: processes with different names never join each other
 * @param host              interface Hazelcast binds to (tcp mode)
 * @param port              first Hazelcast port; the next {@code portCount - 1} are tried when taken
 * @param members           tcp mode: the members to join, {@code host} or {@code host:port}
 * @param kubernetesService kubernetes mode: DNS name of the headless Service of the members
 * @param eventBusHost      interface the event bus listens on
 * @param eventBusPort      event bus port (0: any free port)
 * @param eventBusPublicHost address other nodes use to reach this node's event bus
 * @param maxNoHeartbeatSeconds a member silent this long is removed (the bound for a frozen node)
 */
public record ClusterSettings(String mode, String name, String host, int port, int portCount, List<String> members,
                              String kubernetesService, String eventBusHost, int eventBusPort,
                              String eventBusPublicHost, int heartbeatSeconds, int maxNoHeartbeatSeconds) {

  public static final String OFF = "off";
  public static final String TCP = "tcp";
  public static final String KUBERNETES = "kubernetes";

  public static ClusterSettings from(Env env, String defaultMode) {
    String mode = env.string("CHAT_CLUSTER", defaultMode);
    if (!List.of(OFF, TCP, KUBERNETES).contains(mode)) {
      throw new IllegalArgumentException("CHAT_CLUSTER must be off, tcp or kubernetes, got '" + mode + "'");
    }
    String host = env.string("CHAT_CLUSTER_HOST", "127.0.0.1");
    String eventBusHost = env.string("CHAT_EVENTBUS_HOST", host);
    return new ClusterSettings(
        mode,
        env.string("CHAT_CLUSTER_NAME", "minichat"),
        host,
        env.integer("CHAT_CLUSTER_PORT", 5701),
        env.integer("CHAT_CLUSTER_PORT_COUNT", 20),
        Arrays.stream(env.string("CHAT_CLUSTER_MEMBERS", "127.0.0.1").split(","))
            .map(String::trim).filter(member -> !member.isEmpty()).toList(),
        env.string("CHAT_K8S_SERVICE_DNS", "minichat-cluster"),
        eventBusHost,
        env.integer("CHAT_EVENTBUS_PORT", 0),
        env.string("CHAT_EVENTBUS_PUBLIC_HOST", eventBusHost),
        env.integer("CHAT_CLUSTER_HEARTBEAT_S", 1),
        env.integer("CHAT_CLUSTER_MAX_NO_HEARTBEAT_S", 5));
  }

  public boolean clustered() {
    return !OFF.equals(mode);
  }
}
