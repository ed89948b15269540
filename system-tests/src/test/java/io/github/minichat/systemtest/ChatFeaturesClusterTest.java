package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.UserTokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Read receipts, recall, delete for me and typing between users and devices on two gateway processes of one
 * cluster, over real sockets and HTTP. Every absence is proven against a later frame on the same path (frames reach
 * a connection in the order the services pushed them), never by waiting.
 */
class ChatFeaturesClusterTest {

  /** Long enough that every burst of a test falls inside one interval. */
  private static final String TYPING_INTERVAL_MS = "60000";

  private static LocalCluster cluster;
  private static ClusterClients clients;
  private static LocalCluster.Gateway gateway1;
  private static LocalCluster.Gateway gateway2;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(ChatSystem.AWAIT).build();

  @BeforeAll
  static void start() {
    cluster = new LocalCluster("chat_features", Map.of("CHAT_TYPING_INTERVAL_MS", TYPING_INTERVAL_MS));
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
  @DisplayName("a read on one gateway reaches the sender's devices on both as a read push naming the highest read")
  void readReceiptsAcrossGateways() {
    long alice = 5001;
    long bob = 5002;
    try (TestClient aliceOn1 = clients.connect(gateway1.port(), alice);
         TestClient aliceOn2 = clients.connect(gateway2.port(), alice);
         TestClient bobOn2 = clients.connect(gateway2.port(), bob)) {
      List<JsonObject> acks = List.of(say(aliceOn1, bob, "one", "r-1"), say(aliceOn1, bob, "two", "r-2"),
          say(aliceOn1, bob, "three", "r-3"));
      for (int i = 0; i < 3; i++) {
        bobOn2.expect("text");
      }
      long second = acks.get(1).getLong("id");
      bobOn2.send(new JsonObject().put("type", "read").put("peer", alice).put("up_to", second));
      // the reader's own answer has no `by`
      JsonObject answer = bobOn2.expect(frame -> "read".equals(frame.getString("type")), "the answer to read");
      assertThat(answer.containsKey("by")).isFalse();
      assertThat(answer.getLong("countNum")).isEqualTo(1);
      for (TestClient device : List.of(aliceOn1, aliceOn2)) {
        JsonObject receipt = device.expect(isReceipt(bob), "a read receipt");
        assertThat(receipt.getLong("up_to")).isEqualTo(second);
        assertThat(receipt.getLong("seq")).isEqualTo(acks.get(1).getLong("seq"));
      }

      // loading history reads the rest: the sender hears of the highest
      HttpResponse<String> history = http(gateway1.port(), bob, "GET", "/api/messages?peer=" + alice, null);
      assertThat(history.statusCode()).isEqualTo(200);
      assertThat(aliceOn2.expect(isReceipt(bob), "the receipt of the history load").getLong("up_to"))
          .isEqualTo(acks.get(2).getLong("id"));

      // with alice's chat open on bob's device, the next message arrives read and its sender is told at once
      bobOn2.send(new JsonObject().put("type", "online").put("to_id", alice));
      bobOn2.expect("online");
      JsonObject fourth = say(aliceOn1, bob, "four", "r-4");
      assertThat(bobOn2.expect("text").getInteger("is_read")).isEqualTo(1);
      assertThat(aliceOn2.expect(isReceipt(bob), "the receipt of a message read on arrival").getLong("up_to"))
          .isEqualTo(fourth.getLong("id"));
      // marking again reads nothing new: no receipt, proven by the next one coming with the next message
      bobOn2.send(new JsonObject().put("type", "read").put("peer", alice));
      bobOn2.expect(frame -> "read".equals(frame.getString("type")), "the answer to the empty read");
      JsonObject fifth = say(aliceOn1, bob, "five", "r-5");
      assertThat(aliceOn2.expect(isReceipt(bob), "the next receipt").getLong("up_to")).isEqualTo(fifth.getLong("id"));
    }
  }

  @Test
  @DisplayName("a recall reaches both sides' devices on both gateways, corrects the unread count and history")
  void recallAcrossGateways() {
    long alice = 5101;
    long bob = 5102;
    try (TestClient aliceOn1 = clients.connect(gateway1.port(), alice);
         TestClient aliceOn2 = clients.connect(gateway2.port(), alice);
         TestClient bobOn2 = clients.connect(gateway2.port(), bob);
         TestClient bobOn1 = clients.connect(gateway1.port(), bob)) {
      say(aliceOn1, bob, "keep", "k-1");
      JsonObject taken = say(aliceOn1, bob, "take back", "k-2");
      long id = taken.getLong("id");
      assertThat(bobOn1.expect(frame -> "letters".equals(frame.getString("type"))
          && frame.getLong("countNum") == 2, "two unread").getLong("countNum")).isEqualTo(2);

      // only its sender may recall it
      HttpResponse<String> refused = http(gateway2.port(), bob, "POST", "/api/messages/" + id + "/recall", null);
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code")).isEqualTo("forbidden");

      HttpResponse<String> recalled = http(gateway2.port(), alice, "POST", "/api/messages/" + id + "/recall", null);
      assertThat(recalled.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(recalled.body()).getBoolean("recalled")).isTrue();
      for (TestClient device : List.of(aliceOn1, aliceOn2, bobOn1, bobOn2)) {
        JsonObject recall = device.expect(frame -> "recall".equals(frame.getString("type")), "the recall");
        assertThat(recall.getLong("id")).isEqualTo(id);
        assertThat(recall.getLong("from_id")).isEqualTo(alice);
      }
      for (TestClient device : List.of(bobOn1, bobOn2)) {
        assertThat(device.expect(frame -> "letters".equals(frame.getString("type"))
            && frame.getLong("countNum") == 1, "the corrected count").getLong("countNum")).isEqualTo(1);
      }
      JsonArray history = new JsonObject(http(gateway1.port(), bob, "GET",
          "/api/messages?peer=" + alice + "&mark_read=false", null).body()).getJsonArray("messages");
      JsonObject placeholder = history.getJsonObject(1);
      assertThat(placeholder.getLong("id")).isEqualTo(id);
      assertThat(placeholder.getString("kind")).isEqualTo("recalled");
      assertThat(placeholder.getString("data")).isEqualTo("[消息已撤回]");
      assertThat(cluster.count("SELECT count(*) FROM messages WHERE body = 'take back'")).isZero();
    }
  }

  @Test
  @DisplayName("delete for me on one device reaches the user's other device, and leaves the peer's copy alone")
  void deleteForMeOnTwoDevices() {
    long alice = 5201;
    long bob = 5202;
    try (TestClient aliceOn1 = clients.connect(gateway1.port(), alice);
         TestClient bobOn2 = clients.connect(gateway2.port(), bob);
         TestClient bobOn1 = clients.connect(gateway1.port(), bob)) {
      JsonObject first = say(aliceOn1, bob, "first", "d-1");
      JsonObject second = say(aliceOn1, bob, "second", "d-2");
      bobOn2.send(new JsonObject().put("type", "delete").put("id", second.getLong("id")));
      for (TestClient device : List.of(bobOn1, bobOn2)) {
        assertThat(device.expect(frame -> "deleted".equals(frame.getString("type")), "the deletion").getLong("id"))
            .isEqualTo(second.getLong("id"));
      }
      // a device that catches up later syncs past it: its cursor passes the hidden position
      try (TestClient bobLater = clients.connect(gateway2.port(), bob)) {
        bobLater.send(new JsonObject().put("type", "sync").put("since", 0));
        JsonObject page = bobLater.expect("sync");
        assertThat(page.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getLong("id")).toList())
            .containsExactly(first.getLong("id"));
        assertThat(page.getLong("cursor")).isEqualTo(2);
        assertThat(page.getBoolean("has_more")).isFalse();
      }
      JsonArray alicesHistory = new JsonObject(http(gateway2.port(), alice, "GET", "/api/messages?peer=" + bob, null)
          .body()).getJsonArray("messages");
      assertThat(alicesHistory).hasSize(2);
      // a stranger cannot delete it for themselves: it is not theirs
      assertThat(http(gateway1.port(), 5203, "DELETE", "/api/messages/" + first.getLong("id"), null).statusCode())
          .isEqualTo(404);
    }
  }

  @Test
  @DisplayName("typing reaches only the open chat, at most once per interval, across gateways, and is never stored")
  void typingIsThrottledAndOnlyForTheOpenChat() {
    long alice = 5301;
    long bob = 5302;
    try (TestClient aliceOn1 = clients.connect(gateway1.port(), alice);
         TestClient bobWatching = clients.connect(gateway2.port(), bob);
         TestClient bobElsewhere = clients.connect(gateway1.port(), bob)) {
      bobWatching.send(new JsonObject().put("type", "online").put("to_id", alice));
      bobWatching.expect("online");
      for (int i = 0; i < 20; i++) {
        aliceOn1.send(new JsonObject().put("type", "typing").put("to_id", bob));
      }
      // the message after the burst travels behind every typing hint forwarded
      say(aliceOn1, bob, "after typing", "t-1");
      List<JsonObject> watching = GroupTestSupport.framesUntil(bobWatching, isText("after typing"), "the text");
      List<JsonObject> typing = watching.stream().filter(frame -> "typing".equals(frame.getString("type"))).toList();
      assertThat(typing).hasSize(1);
      assertThat(typing.get(0).getLong("from_id")).isEqualTo(alice);
      assertThat(typing.get(0).getLong("expires_ms")).isPositive();
      List<JsonObject> elsewhere = GroupTestSupport.framesUntil(bobElsewhere, isText("after typing"), "the text");
      assertThat(elsewhere).noneMatch(frame -> "typing".equals(frame.getString("type")));
      // typing to oneself is refused; nothing is ever stored
      aliceOn1.send(new JsonObject().put("type", "typing").put("to_id", alice));
      assertThat(aliceOn1.expectError("self_message", "typing").getString("code")).isEqualTo("self_message");
      assertThat(cluster.count("SELECT count(*) FROM messages WHERE from_id = " + alice)).isEqualTo(1);
    }
  }

  private static JsonObject say(TestClient sender, long to, String text, String cid) {
    sender.send(new JsonObject().put("type", "say").put("to_id", to).put("data", text).put("cid", cid));
    return sender.expect(frame -> "ack".equals(frame.getString("type")) && cid.equals(frame.getString("cid")),
        "the ack of " + cid);
  }

  private static Predicate<JsonObject> isReceipt(long reader) {
    return frame -> "read".equals(frame.getString("type")) && frame.containsKey("by")
        && frame.getLong("by") == reader;
  }

  private static Predicate<JsonObject> isText(String data) {
    return frame -> "text".equals(frame.getString("type")) && data.equals(frame.getString("data"));
  }

  static HttpResponse<String> http(int port, long user, String method, String uri, JsonObject body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + uri))
        .timeout(ChatSystem.AWAIT)
        .header("Authorization", "Bearer " + UserTokens.mint(LocalCluster.SECRET, user, Duration.ofHours(1)))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.encode()));
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(method + " " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
