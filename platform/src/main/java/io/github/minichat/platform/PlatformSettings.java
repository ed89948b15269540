package io.github.minichat.platform;

import java.util.List;

/** The settings every process reads: its profile, how it joins the cluster, its management server, its logs. */
public final class PlatformSettings {

  public static final Setting<String> PROFILE = Setting.oneOf("CHAT_PROFILE", List.of("dev", "prod"), "dev",
      "`dev` runs with no configuration (development JWT secret, embedded PostgreSQL in the launcher) and mints tokens"
          + " for the chat page at `POST /dev/token`; `prod` refuses to start without `CHAT_JWT_SECRET` (at least 32"
          + " bytes, not the development one) and a configured database");

  public static final Setting<String> CLUSTER = Setting.oneOf("CHAT_CLUSTER",
          List.of(ClusterSettings.OFF, ClusterSettings.TCP, ClusterSettings.KUBERNETES), ClusterSettings.TCP,
          "`off`, `tcp` (member list) or `kubernetes` (DNS of a headless Service)")
      .defaultsTo(env -> ClusterSettings.TCP, "`tcp` for the service jars, `off` for the launcher");
  public static final Setting<String> CLUSTER_NAME = Setting.text("CHAT_CLUSTER_NAME", "minichat",
      "processes with different names never join each other");
  public static final Setting<String> CLUSTER_HOST = Setting.text("CHAT_CLUSTER_HOST", "127.0.0.1",
      "interface Hazelcast binds to (tcp mode)");
  public static final Setting<Integer> CLUSTER_PORT = Setting.integer("CHAT_CLUSTER_PORT", 5701,
      "first Hazelcast port");
  public static final Setting<Integer> CLUSTER_PORT_COUNT = Setting.positive("CHAT_CLUSTER_PORT_COUNT", 20,
      "how many Hazelcast ports to try from the first (tcp mode)");
  public static final Setting<String> CLUSTER_MEMBERS = Setting.text("CHAT_CLUSTER_MEMBERS", "127.0.0.1",
      "tcp mode: comma-separated `host` or `host:port` of members to join");
  public static final Setting<String> K8S_SERVICE_DNS = Setting.text("CHAT_K8S_SERVICE_DNS", "minichat-cluster",
      "kubernetes mode: DNS name of the headless Service of the members");
  public static final Setting<String> EVENTBUS_HOST = Setting.text("CHAT_EVENTBUS_HOST", null,
          "where this node's event bus listens")
      .defaultsTo(env -> env.get(CLUSTER_HOST), "`CHAT_CLUSTER_HOST`");
  public static final Setting<Integer> EVENTBUS_PORT = Setting.integer("CHAT_EVENTBUS_PORT", 0,
      "port of this node's event bus (`0`: any free port)");
  public static final Setting<String> EVENTBUS_PUBLIC_HOST = Setting.text("CHAT_EVENTBUS_PUBLIC_HOST", null,
          "the address other nodes use to reach this node's event bus (a pod's IP in Kubernetes)")
      .defaultsTo(env -> env.get(EVENTBUS_HOST), "`CHAT_EVENTBUS_HOST`");
  public static final Setting<Integer> CLUSTER_HEARTBEAT_S = Setting.positive("CHAT_CLUSTER_HEARTBEAT_S", 1,
      "seconds between Hazelcast heartbeats");
  public static final Setting<Integer> CLUSTER_MAX_NO_HEARTBEAT_S = Setting.positive(
      "CHAT_CLUSTER_MAX_NO_HEARTBEAT_S", 5,
      "a member silent this long is dropped: the bound for a frozen member (a killed one goes in about 0.5 s)");

  public static final Setting<Integer> CLUSTER_MIN_SIZE = Setting.positive("CHAT_CLUSTER_MIN_SIZE", 1,
      "members a process must see before it turns ready: at a first deploy, pods that found no one yet stay out of"
          + " traffic instead of serving a cluster of their own");
  public static final Setting<Integer> CLUSTER_JOIN_WAIT_S = Setting.integer("CHAT_CLUSTER_JOIN_WAIT_S", 0,
      "seconds a starting member looks for others before it forms a cluster alone")
      .defaultsTo(env -> ClusterSettings.KUBERNETES.equals(env.get(CLUSTER.withDefault(ClusterSettings.TCP))) ? 5 : 0,
          "`5` in `kubernetes` mode (pods of a first deploy start together and their DNS entries come late), else `0`")
      .requiring(seconds -> seconds >= 0, "zero or more");
  public static final Setting<Integer> CLUSTER_MERGE_DELAY_S = Setting.positive("CHAT_CLUSTER_MERGE_DELAY_S", 30,
      "seconds between looks for another cluster of the same name to merge with, after a split");
  public static final Setting<String> CLUSTER_PARTITION_GROUPS = Setting.oneOf("CHAT_CLUSTER_PARTITION_GROUPS",
      List.of("member", "node", "zone"), "member",
      "where the backup of a presence entry may live: on any other `member`, on another Kubernetes `node`"
          + " (`CHAT_CLUSTER_NODE_NAME`), in another `zone` (`CHAT_CLUSTER_ZONE`); with one node or zone there is no"
          + " backup, so keep `member` there");
  public static final Setting<String> CLUSTER_NODE_NAME = Setting.optional("CHAT_CLUSTER_NODE_NAME",
      "the machine this member runs on (in Kubernetes `spec.nodeName`, through the downward API)");
  public static final Setting<String> CLUSTER_ZONE = Setting.optional("CHAT_CLUSTER_ZONE",
      "the availability zone this member runs in (set per node pool)");
  public static final Setting<Integer> MANAGEMENT_PORT = Setting.integer("CHAT_MANAGEMENT_PORT",
          Management.GATEWAY_PORT,
          "port of the management server (`/health/live`, `/health/ready`, `/metrics`); `0` picks a free port (and"
              + " logs it), `-1` turns the server off")
      .requiring(port -> port >= -1, "a port, 0 or -1")
      .defaultsTo(env -> Management.GATEWAY_PORT, "`" + Management.GATEWAY_PORT + "` gateway, `"
          + Management.MESSAGE_SERVICE_PORT + "` message service, `" + Management.PRESENCE_SERVICE_PORT
          + "` presence service, `" + Management.ALL_IN_ONE_PORT + "` launcher");
  public static final Setting<String> MANAGEMENT_HOST = Setting.text("CHAT_MANAGEMENT_HOST", "0.0.0.0",
      "address the management server listens on");

  /** Read by logback.xml when logging starts, not through {@link Env}. */
  public static final Setting<String> LOG_FORMAT = Setting.text("CHAT_LOG_FORMAT", "text",
      "`json`: one JSON object per log line (the container images set it); anything else: readable text");
  /** Read by logback.xml. */
  public static final Setting<String> LOG_LEVEL = Setting.text("CHAT_LOG_LEVEL", "INFO",
      "root log level; at `INFO` and above no token and no message text is logged");

  public static final List<Setting<?>> ALL = List.of(PROFILE, CLUSTER, CLUSTER_NAME, CLUSTER_HOST, CLUSTER_PORT,
      CLUSTER_PORT_COUNT, CLUSTER_MEMBERS, K8S_SERVICE_DNS, EVENTBUS_HOST, EVENTBUS_PORT, EVENTBUS_PUBLIC_HOST,
      CLUSTER_HEARTBEAT_S, CLUSTER_MAX_NO_HEARTBEAT_S, CLUSTER_MIN_SIZE, CLUSTER_JOIN_WAIT_S, CLUSTER_MERGE_DELAY_S,
      CLUSTER_PARTITION_GROUPS, CLUSTER_NODE_NAME, CLUSTER_ZONE, MANAGEMENT_PORT, MANAGEMENT_HOST, LOG_FORMAT, LOG_LEVEL);

  private PlatformSettings() {
  }
}
