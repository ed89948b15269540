package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The seed client's frames and field names, end to end over real sockets. */
class SeedProtocolTest {

  private static ChatSystem system;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("seed");
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  @Test
  @DisplayName("a seed client gets init, binds, is answered heart for heart, and chats with the seed's fields")
  void seedConversation() {
    try (TestClient alice = system.open(101); TestClient bob = system.connect(102)) {
      assertThat(alice.expect("init").fieldNames()).containsExactly("type");
      alice.send(new JsonObject().put("type", "bind").put("fromId", 101));
      alice.send(new JsonObject().put("type", "heart").put("fromId", 101));
      assertThat(alice.expect("heart")).isEqualTo(new JsonObject().put("type", "heart"));

      alice.send(new JsonObject().put("type", "say").put("from_id", 101).put("to_id", 102).put("data", "你好 👋"));

      JsonObject text = bob.expect("text");
      assertThat(text.getLong("from_id")).isEqualTo(101);
      assertThat(text.getLong("to_id")).isEqualTo(102);
      assertThat(text.getString("data")).isEqualTo("你好 👋");
      assertThat(text.getInteger("is_read")).isZero();
      assertThat(text.getLong("id")).isPositive();
      assertThat(text.getLong("seq")).isEqualTo(1);
      assertThat(text.getLong("created_at")).isPositive();
      assertThat(bob.expect("letters").getLong("countNum")).isEqualTo(1);
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 101 AND to_id = 102 AND body = '你好 👋'"))
          .isEqualTo(1);
    }
  }

  @Test
  @DisplayName("online about an offline peer answers with status 对方不在线, about an online one with online true")
  void onlineQuery() {
    try (TestClient carol = system.connect(201); TestClient dave = system.connect(202)) {
      carol.send(new JsonObject().put("type", "online").put("to_id", 299).put("from_id", 201));
      JsonObject offline = carol.expect("online");
      assertThat(offline.getLong("user_id")).isEqualTo(299);
      assertThat(offline.getBoolean("online")).isFalse();
      assertThat(offline.getString("status")).contains("对方不在线");

      carol.send(new JsonObject().put("type", "online").put("to_id", 202).put("from_id", 201));
      JsonObject online = carol.expect("online");
      assertThat(online.getLong("user_id")).isEqualTo(202);
      assertThat(online.getBoolean("online")).isTrue();
      assertThat(online.getString("status")).doesNotContain("对方不在线");
    }
  }
}
