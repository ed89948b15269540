package io.github.minichat.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClusterSettingsTest {

  @Test
  @DisplayName("tcp mode joins the listed members on the configured interface, never by multicast")
  void tcpJoin() {
    ClusterSettings settings = ClusterSettings.from(new Env(Map.of(
        "CHAT_CLUSTER", "tcp", "CHAT_CLUSTER_MEMBERS", "10.0.0.1:5701, 10.0.0.2", "CHAT_CLUSTER_HOST", "10.0.0.1",
        "CHAT_CLUSTER_MAX_NO_HEARTBEAT_S", "7")), ClusterSettings.OFF);
    Config config = Node.hazelcastConfig(settings, state -> state.getMapConfig("a.service.map").setBackupCount(2));
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("10.0.0.1:5701", "10.0.0.2");
    assertThat(config.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("10.0.0.1");
    assertThat(config.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("7");
    assertThat(config.getMapConfig("a.service.map").getBackupCount()).as("the service's own state setup ran").isEqualTo(2);
  }

  @Test
  @DisplayName("kubernetes mode finds members through the headless Service's DNS name")
  void kubernetesJoin() {
    ClusterSettings settings = ClusterSettings.from(new Env(Map.of(
        "CHAT_CLUSTER", "kubernetes", "CHAT_K8S_SERVICE_DNS", "minichat-hz.chat.svc.cluster.local")),
        ClusterSettings.OFF);
    JoinConfig join = Node.hazelcastConfig(settings, state -> { }).getNetworkConfig().getJoin();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getKubernetesConfig().getProperty("service-dns")).isEqualTo("minichat-hz.chat.svc.cluster.local");
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
  }

  @Test
  @DisplayName("the event bus address defaults to the cluster interface and can be overridden")
  void eventBusAddress() {
    ClusterSettings settings = ClusterSettings.from(new Env(Map.of("CHAT_CLUSTER_HOST", "10.1.1.1",
        "CHAT_EVENTBUS_PORT", "17001", "CHAT_EVENTBUS_PUBLIC_HOST", "gw-1.example")), ClusterSettings.TCP);
    assertThat(settings.eventBusHost()).isEqualTo("10.1.1.1");
    assertThat(settings.eventBusPort()).isEqualTo(17001);
    assertThat(settings.eventBusPublicHost()).isEqualTo("gw-1.example");
    assertThat(settings.clustered()).isTrue();
  }

  @Test
  @DisplayName("an unknown cluster mode is refused at start-up")
  void unknownMode() {
    assertThatThrownBy(() -> ClusterSettings.from(new Env(Map.of("CHAT_CLUSTER", "multicast")), ClusterSettings.OFF))
        .hasMessageContaining("CHAT_CLUSTER");
  }

  @Test
  @DisplayName("kubernetes mode waits for the others before forming a cluster; a split merges within the merge delay")
  void formation() {
    Config k8s = Node.hazelcastConfig(ClusterSettings.from(new Env(Map.of("CHAT_CLUSTER", "kubernetes")),
        ClusterSettings.OFF), state -> { });
    assertThat(k8s.getProperty("hazelcast.wait.seconds.before.join")).isEqualTo("5");
    assertThat(k8s.getProperty("hazelcast.merge.first.run.delay.seconds")).isEqualTo("30");
    Config tcp = Node.hazelcastConfig(ClusterSettings.from(new Env(Map.of("CHAT_CLUSTER_JOIN_WAIT_S", "2",
        "CHAT_CLUSTER_MERGE_DELAY_S", "10")), ClusterSettings.TCP), state -> { });
    assertThat(tcp.getProperty("hazelcast.wait.seconds.before.join")).isEqualTo("2");
    assertThat(tcp.getProperty("hazelcast.merge.next.run.delay.seconds")).isEqualTo("10");
    assertThatThrownBy(() -> ClusterSettings.from(new Env(Map.of("CHAT_CLUSTER_JOIN_WAIT_S", "-1")),
        ClusterSettings.TCP)).hasMessageContaining("CHAT_CLUSTER_JOIN_WAIT_S");
  }

  @Test
  @DisplayName("partition groups by node or zone put each member's node or zone where Hazelcast reads it")
  void partitionGroups() {
    Config byNode = Node.hazelcastConfig(ClusterSettings.from(new Env(Map.of("CHAT_CLUSTER_PARTITION_GROUPS", "node",
        "CHAT_CLUSTER_NODE_NAME", "worker-3")), ClusterSettings.TCP), state -> { });
    assertThat(byNode.getPartitionGroupConfig().isEnabled()).isTrue();
    assertThat(byNode.getPartitionGroupConfig().getGroupType())
        .isEqualTo(com.hazelcast.config.PartitionGroupConfig.MemberGroupType.NODE_AWARE);
    assertThat(byNode.getMemberAttributeConfig().getAttribute("hazelcast.partition.group.node")).isEqualTo("worker-3");

    Config byZone = Node.hazelcastConfig(ClusterSettings.from(new Env(Map.of("CHAT_CLUSTER_PARTITION_GROUPS", "zone",
        "CHAT_CLUSTER_ZONE", "eu-1b")), ClusterSettings.TCP), state -> { });
    assertThat(byZone.getMemberAttributeConfig().getAttribute("hazelcast.partition.group.zone")).isEqualTo("eu-1b");

    assertThat(Node.hazelcastConfig(ClusterSettings.from(new Env(Map.of()), ClusterSettings.TCP), state -> { })
        .getPartitionGroupConfig().isEnabled()).isFalse();
    assertThatThrownBy(() -> ClusterSettings.from(new Env(Map.of("CHAT_CLUSTER_PARTITION_GROUPS", "node")),
        ClusterSettings.TCP)).hasMessageContaining("CHAT_CLUSTER_NODE_NAME");
  }
}
