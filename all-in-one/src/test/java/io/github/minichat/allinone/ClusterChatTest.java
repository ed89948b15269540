package io.github.minichat.allinone;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Separate gateway, presence and message-service JVMs joined into one cluster. */
class ClusterChatTest {

  private static LocalCluster cluster;
  private static ClusterClients clients;
  private static LocalCluster.Gateway gateway1;
  private static LocalCluster.Gateway gateway2;

  @BeforeAll
  static void start() {
    cluster = new LocalCluster("cluster_chat", Map.of());
    clients = cluster.clients;
    cluster.presence("presence-1");
    cluster.messages("messages-1");
    gateway1 = cluster.gateway("gateway-1");
    gateway2 = cluster.gateway("gateway-2");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("a user on gateway 1 chats with a user on gateway 2, whose devices on both gateways get every message")
  void crossGatewayChat() {
    try (TestClient alice = clients.connect(gateway1.port(), 1001);
         TestClient bobOn2 = clients.connect(gateway2.port(), 1002);
         TestClient bobOn1 = clients.connect(gateway1.port(), 1002)) {
      alice.send(new JsonObject().put("type", "say").put("to_id", 1002).put("data", "across").put("cid", "x1"));
      assertThat(alice.expect("ack").getString("cid")).isEqualTo("x1");
      assertThat(bobOn2.expect("text").getString("data")).isEqualTo("across");
      assertThat(bobOn1.expect("text").getString("data")).isEqualTo("across");

      bobOn2.send(new JsonObject().put("type", "say").put("to_id", 1001).put("data", "back").put("cid", "y1"));
      assertThat(alice.expect("text").getString("data")).isEqualTo("back");
      JsonObject copy = bobOn1.expect("text");
      assertThat(copy.getString("data")).isEqualTo("back");
      assertThat(copy.getLong("from_id")).isEqualTo(1002);
    }
  }

  @Test
  @DisplayName("presence is cluster-wide: online gives the same answer on both gateways")
  void presenceIsClusterWide() {
    try (TestClient carol = clients.connect(gateway2.port(), 2001);
         TestClient askOn1 = clients.connect(gateway1.port(), 2002);
         TestClient askOn2 = clients.connect(gateway2.port(), 2003)) {
      for (TestClient asker : new TestClient[] {askOn1, askOn2}) {
        ClusterClients.awaitOnline(asker, 2001);
        asker.send(new JsonObject().put("type", "online").put("to_id", 2999));
        assertThat(asker.expect("online").getString("status")).contains("对方不在线");
      }
      carol.close();
      // both subscribers, on both gateways, see carol go offline after the grace period
      for (TestClient asker : new TestClient[] {askOn1, askOn2}) {
        JsonObject offline = asker.expect(frame -> "online".equals(frame.getString("type"))
            && frame.getLong("user_id") == 2001 && !frame.getBoolean("online"), "carol offline");
        assertThat(offline.getLong("last_seen")).isPositive();
      }
    }
  }
}
