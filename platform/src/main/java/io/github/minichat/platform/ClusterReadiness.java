package io.github.minichat.platform;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;

/**
 * When a member may take traffic: it runs, it sees at least the expected number of members (a pod of a first
 * deploy that found no one yet is a cluster of its own, and stays out), and it has been in sync once. "In sync"
 * is the whole cluster safe (every partition's backup in place) the first time, so that a new member turns ready
 * only after the migrations its arrival set off, and a rolling update never outruns the backups; from then on
 * its own partitions' backups, so that one member's migration does not take every member out of traffic.
 */
final class ClusterReadiness {

  private final Node node;
  private final int minSize;
  private volatile boolean synced;

  ClusterReadiness(Node node, int minSize) {
    this.node = node;
    this.minSize = minSize;
  }

  Future<?> check() {
    HazelcastInstance hazelcast = node.hazelcast();
    return node.vertx().executeBlocking(() -> {
      if (hazelcast == null || !hazelcast.getLifecycleService().isRunning()) {
        throw new IllegalStateException("not a cluster member");
      }
      int members = hazelcast.getCluster().getMembers().size();
      if (members < minSize) {
        throw new IllegalStateException(members + " of at least " + minSize + " members joined");
      }
      boolean inSync = synced ? hazelcast.getPartitionService().isLocalMemberSafe()
          : hazelcast.getPartitionService().isClusterSafe();
      if (!inSync) {
        throw new IllegalStateException(synced ? "partition backups not in sync" : "partition migrations running");
      }
      synced = true;
      return members;
    }, false);
  }
}
