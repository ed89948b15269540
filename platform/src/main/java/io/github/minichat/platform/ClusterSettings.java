package io.github.minichat.platform;

import java.util.Arrays;
import java.util.List;

/**
 * How a process joins the Vert.x cluster (Hazelcast), from environment variables ({@link PlatformSettings}).
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
 * @param minSize           members to see before turning ready
 * @param joinWaitSeconds   how long a starting member looks for others before forming a cluster alone
 * @param mergeDelaySeconds pause between looks for a split-off cluster to merge with
 * @param partitionGroups   {@code member}, {@code node} or {@code zone}: what a backup must not share with its owner
 * @param nodeName          the machine of this member (null when unknown)
 * @param zone              the zone of this member (null when unknown)
 */
public record ClusterSettings(String mode, String name, String host, int port, int portCount, List<String> members,
                              String kubernetesService, String eventBusHost, int eventBusPort,
                              String eventBusPublicHost, int heartbeatSeconds, int maxNoHeartbeatSeconds,
                              int minSize, int joinWaitSeconds, int mergeDelaySeconds, String partitionGroups,
                              String nodeName, String zone) {

  /** Members grouped by machine or zone need to know theirs: refused at start otherwise. */
  public ClusterSettings {
    if ("node".equals(partitionGroups) && nodeName == null) {
      throw new IllegalArgumentException("CHAT_CLUSTER_PARTITION_GROUPS=node needs CHAT_CLUSTER_NODE_NAME");
    }
    if ("zone".equals(partitionGroups) && zone == null) {
      throw new IllegalArgumentException("CHAT_CLUSTER_PARTITION_GROUPS=zone needs CHAT_CLUSTER_ZONE");
    }
  }

  public static final String OFF = "off";
  public static final String TCP = "tcp";
  public static final String KUBERNETES = "kubernetes";

  /** The settings of a process whose mode is {@code defaultMode} unless CHAT_CLUSTER says otherwise. */
  public static ClusterSettings from(Env env, String defaultMode) {
    return new ClusterSettings(
        env.get(PlatformSettings.CLUSTER.withDefault(defaultMode)),
        env.get(PlatformSettings.CLUSTER_NAME),
        env.get(PlatformSettings.CLUSTER_HOST),
        env.get(PlatformSettings.CLUSTER_PORT),
        env.get(PlatformSettings.CLUSTER_PORT_COUNT),
        Arrays.stream(env.get(PlatformSettings.CLUSTER_MEMBERS).split(","))
            .map(String::trim).filter(member -> !member.isEmpty()).toList(),
        env.get(PlatformSettings.K8S_SERVICE_DNS),
        env.get(PlatformSettings.EVENTBUS_HOST),
        env.get(PlatformSettings.EVENTBUS_PORT),
        env.get(PlatformSettings.EVENTBUS_PUBLIC_HOST),
        env.get(PlatformSettings.CLUSTER_HEARTBEAT_S),
        env.get(PlatformSettings.CLUSTER_MAX_NO_HEARTBEAT_S),
        env.get(PlatformSettings.CLUSTER_MIN_SIZE),
        env.get(PlatformSettings.CLUSTER_JOIN_WAIT_S),
        env.get(PlatformSettings.CLUSTER_MERGE_DELAY_S),
        env.get(PlatformSettings.CLUSTER_PARTITION_GROUPS),
        env.get(PlatformSettings.CLUSTER_NODE_NAME),
        env.get(PlatformSettings.CLUSTER_ZONE));
  }

  public boolean clustered() {
    return !OFF.equals(mode);
  }
}
