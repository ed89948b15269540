package io.github.minichat.platform;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.PartitionGroupConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.partitiongroup.PartitionGroupMetaData;
import io.github.minichat.common.Codecs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.UUID;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process of the system: its Vert.x (clustered over Hazelcast, or local when clustering is off), its node id,
 * and the Hazelcast instance that holds cluster-wide state. When clustering is off, a private single-member
 * Hazelcast instance still backs that state, so that there is one code path for it.
 */
public final class Node {

  /** The member attribute under which vertx-hazelcast records a member's Vert.x node id. */
  public static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final Vertx vertx;
  private final String nodeId;
  private final HazelcastInstance hazelcast;
  private final boolean clustered;
  private final Consumer<Config> stateSetup;
  private HazelcastInstance privateHazelcast;

  private Node(Vertx vertx, String nodeId, HazelcastInstance hazelcast, boolean clustered,
      Consumer<Config> stateSetup) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.hazelcast = hazelcast;
    this.clustered = clustered;
    this.stateSetup = stateSetup;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Unique per process start: a node that restarts comes back under a new id. */
  public String nodeId() {
    return nodeId;
  }

  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  public boolean clustered() {
    return clustered;
  }

  /**
   * Starts the process's Vert.x: joined to the cluster unless {@code settings} say off, on Linux's native epoll
   * transport where it loads (less CPU per frame than java.nio's selector: docs/performance.md), else on NIO.
   *
   * <p>{@code stateSetup} configures the cluster-wide state this member holds a share of (maps, their backups and
   * formats). Every member holds partitions of every map, so every process passes the same setup; the platform
   * itself knows no service's state.
   */
  public static Future<Node> start(ClusterSettings settings, VertxOptions options, Consumer<Config> stateSetup) {
    options.setPreferNativeTransport(true);
    if (!settings.clustered()) {
      Vertx vertx = Vertx.vertx(options);
      logTransport(vertx);
      Codecs.register(vertx);
      return Future.succeededFuture(new Node(vertx, UUID.randomUUID().toString(), null, false, stateSetup));
    }
    options.getEventBusOptions()
        .setHost(settings.eventBusHost())
        .setPort(settings.eventBusPort())
        .setClusterPublicHost(settings.eventBusPublicHost());
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(hazelcastConfig(settings, stateSetup));
    return Vertx.builder()
        .with(options)
        .withClusterManager(clusterManager)
        .buildClustered()
        .map(vertx -> {
          logTransport(vertx);
          Codecs.register(vertx);
          LOG.info("Joined cluster '{}' as node {} ({} members)", settings.name(), clusterManager.getNodeId(),
              clusterManager.getNodes().size());
          return new Node(vertx, clusterManager.getNodeId(), clusterManager.getHazelcastInstance(), true, stateSetup);
        });
  }

  private static void logTransport(Vertx vertx) {
    if (vertx.isNativeTransportEnabled()) {
      LOG.info("Network transport: native epoll");
    } else {
      LOG.warn("Network transport: java.nio, the native one did not load ({})",
          vertx.unavailableNativeTransportCause());
    }
  }

  /** The Hazelcast instance for cluster-wide state: the cluster's, or a private one started now (blocking). */
  public synchronized HazelcastInstance hazelcastForState() {
    if (hazelcast != null) {
      return hazelcast;
    }
    Config config = baseConfig("minichat-local-" + nodeId, stateSetup);
    config.getNetworkConfig().setPort(0).setPortAutoIncrement(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(false);
    config.setProperty("hazelcast.shutdownhook.enabled", "false"); // close() stops it, after Vert.x
    if (privateHazelcast == null) {
      privateHazelcast = Hazelcast.newHazelcastInstance(config);
    }
    return privateHazelcast;
  }

  /**
   * On SIGTERM (or any JVM exit): runs {@code beforeClose} (a bounded drain), then leaves the cluster and stops, so
   * that the other nodes see a clean departure rather than a failure. Waits at most {@code drainTime} plus 10 s.
   */
  public void closeOnShutdown(Supplier<Future<?>> beforeClose, Duration drainTime) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("Shutting down node {}", nodeId);
      try {
        Future.<Void>future(promise -> vertx.runOnContext(ignored -> beforeClose.get()
                .transform(done -> close())
                .onComplete(promise)))
            .toCompletionStage().toCompletableFuture()
            .get(drainTime.toMillis() + 10_000, TimeUnit.MILLISECONDS);
        LOG.info("Node {} stopped", nodeId);
      } catch (Exception e) {
        LOG.warn("Node {} did not stop cleanly: {}", nodeId, e.toString());
      }
    }, "minichat-shutdown"));
  }

  /** Leaves the cluster (if any) and stops Vert.x, then the private Hazelcast instance (if any). */
  public Future<Void> close() {
    return vertx.close().compose(ignored -> {
      HazelcastInstance instance;
      synchronized (this) {
        instance = privateHazelcast;
      }
      return instance == null ? Future.succeededFuture()
          : Future.fromCompletionStage(CompletableFuture.runAsync(instance::shutdown));
    });
  }

  static Config hazelcastConfig(ClusterSettings settings, Consumer<Config> stateSetup) {
    Config config = baseConfig(settings.name(), stateSetup);
    config.setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(settings.heartbeatSeconds()));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(settings.maxNoHeartbeatSeconds()));
    // a first deploy's pods start together: look for the others a while before forming a cluster alone, and merge
    // a split-off cluster within a minute rather than Hazelcast's 5
    config.setProperty("hazelcast.wait.seconds.before.join", Integer.toString(settings.joinWaitSeconds()));
    config.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(settings.mergeDelaySeconds()));
    config.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(settings.mergeDelaySeconds()));
    groupPartitions(config, settings);
    NetworkConfig network = config.getNetworkConfig();
    JoinConfig join = network.getJoin();
    if (ClusterSettings.KUBERNETES.equals(settings.mode())) {
      // pods get their address at runtime: bind any, find the others through the headless Service
      config.setProperty("hazelcast.socket.bind.any", "true");
      network.setPort(settings.port()).setPortAutoIncrement(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", settings.kubernetesService());
    } else {
      network.setPort(settings.port()).setPortAutoIncrement(true).setPortCount(settings.portCount());
      network.getInterfaces().setEnabled(true).addInterface(settings.host());
      join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());
    }
    return config;
  }

  /**
   * A backup never shares what it is meant to survive with its owner: with {@code node}, a machine; with
   * {@code zone}, a zone. Hazelcast reads each member's node and zone from these member attributes.
   */
  private static void groupPartitions(Config config, ClusterSettings settings) {
    PartitionGroupConfig groups = config.getPartitionGroupConfig();
    switch (settings.partitionGroups()) {
      case "node" -> {
        config.getMemberAttributeConfig().setAttribute(PartitionGroupMetaData.PARTITION_GROUP_NODE,
            settings.nodeName());
        groups.setEnabled(true).setGroupType(PartitionGroupConfig.MemberGroupType.NODE_AWARE);
      }
      case "zone" -> {
        config.getMemberAttributeConfig().setAttribute(PartitionGroupMetaData.PARTITION_GROUP_ZONE, settings.zone());
        groups.setEnabled(true).setGroupType(PartitionGroupConfig.MemberGroupType.ZONE_AWARE);
      }
      default -> groups.setEnabled(false);
    }
  }

  private static Config baseConfig(String clusterName, Consumer<Config> stateSetup) {
    Config config = ConfigUtil.loadConfig(); // carries the maps Vert.x itself needs
    config.setClusterName(clusterName);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    stateSetup.accept(config);
    return config;
  }
}
