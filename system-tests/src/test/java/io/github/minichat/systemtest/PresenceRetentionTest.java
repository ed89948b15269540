package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** An offline user's presence entry is kept for the retention time only: memory does not grow with every user ever seen. */
class PresenceRetentionTest {

  private static ChatSystem system;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("retention", Map.of("CHAT_PRESENCE_GRACE_MS", "0", "CHAT_PRESENCE_RETENTION_MS", "1000"));
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  @Test
  @DisplayName("last_seen is kept after the user leaves, and the entry is gone once the retention time has passed")
  void offlineEntryExpires() {
    TestClient leaver = system.connect(7001);
    leaver.close();

    JsonObject seen = awaitPresence(presence -> !presence.getBoolean("online") && presence.getValue("last_seen") != null);
    assertThat(seen.getLong("last_seen")).isPositive();

    JsonObject forgotten = awaitPresence(presence -> presence.getValue("last_seen") == null);
    assertThat(forgotten.getBoolean("online")).isFalse();
  }

  /** Polls the presence API until the predicate holds, with a deadline. */
  private static JsonObject awaitPresence(java.util.function.Predicate<JsonObject> wanted) {
    long deadline = System.nanoTime() + ChatSystem.AWAIT.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      last = system.call(HttpMethod.GET, "/api/presence/7001", 7002, null).json();
      if (wanted.test(last)) {
        return last;
      }
    }
    throw new AssertionError("presence never matched; last answer " + last);
  }
}
