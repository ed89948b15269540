package io.github.minichat.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Real Hazelcast members on loopback: a member is not ready until it sees the expected cluster, in sync. */
class ClusterReadinessTest {

  private final String cluster = "readiness-" + UUID.randomUUID();
  private final List<Node> nodes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Node node : nodes) {
      node.close().await(30, TimeUnit.SECONDS);
    }
  }

  private Node member() throws Exception {
    Env env = new Env(Map.of("CHAT_CLUSTER", "tcp", "CHAT_CLUSTER_NAME", cluster, "CHAT_CLUSTER_HOST", "127.0.0.1",
        "CHAT_CLUSTER_MEMBERS", "127.0.0.1", "CHAT_EVENTBUS_HOST", "127.0.0.1"));
    Node node = Node.start(ClusterSettings.from(env, ClusterSettings.TCP), Observability.vertxOptions(),
        state -> state.getMapConfig("readiness.test").setBackupCount(1)).await(60, TimeUnit.SECONDS);
    nodes.add(node);
    return node;
  }

  private static String refusal(ClusterReadiness readiness) {
    try {
      readiness.check().await(10, TimeUnit.SECONDS);
      return null;
    } catch (Exception e) {
      return e.getMessage();
    }
  }

  @Test
  @DisplayName("a member alone is not ready while the cluster should have two; it turns ready once the second joins")
  void minimumSize() throws Exception {
    Node first = member();
    ClusterReadiness readiness = new ClusterReadiness(first, 2);
    assertThat(refusal(readiness)).isEqualTo("1 of at least 2 members joined");

    member();
    await().atMost(Duration.ofSeconds(60)).until(() -> refusal(readiness) == null);
    assertThat(new ClusterReadiness(first, 1).check().await(10, TimeUnit.SECONDS)).isEqualTo(2);
  }

  @Test
  @DisplayName("an unclustered process is no cluster member")
  void unclustered() throws Exception {
    Node local = Node.start(ClusterSettings.from(new Env(Map.of()), ClusterSettings.OFF),
        Observability.vertxOptions(), state -> { }).await(30, TimeUnit.SECONDS);
    nodes.add(local);
    assertThat(refusal(new ClusterReadiness(local, 1))).isEqualTo("not a cluster member");
  }
}
