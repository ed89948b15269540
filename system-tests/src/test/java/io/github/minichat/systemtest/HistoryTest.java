package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.MessagingTestSupport.expectText;
import static io.github.minichat.systemtest.MessagingTestSupport.literal;
import static io.github.minichat.systemtest.MessagingTestSupport.say;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** GET /api/messages: a conversation's history, newest page first, each page oldest first. */
class HistoryTest {

  private static ChatSystem system;
  private static MessagingTestSupport support;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("history");
    support = new MessagingTestSupport(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  private static JsonObject history(long user, String query) {
    ChatSystem.HttpResult result = system.call(HttpMethod.GET, "/api/messages?" + query, user, null);
    assertThat(result.status()).as("GET /api/messages?%s: %s", query, result.body()).isEqualTo(200);
    JsonObject page = result.json();
    assertThat(page.fieldNames()).contains("messages", "has_more");
    return page;
  }

  private static List<JsonObject> messages(JsonObject page) {
    JsonArray array = page.getJsonArray("messages");
    List<JsonObject> messages = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      messages.add(array.getJsonObject(i));
    }
    return messages;
  }

  private static List<Long> ids(JsonObject page) {
    return messages(page).stream().map(message -> message.getLong("id")).toList();
  }

  @Test
  @DisplayName("limit=3 pages from the newest messages back, each page oldest first, has_more false on the last")
  void pagesBackwards() {
    List<Long> sent = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      // both directions of the conversation
      sent.add(i % 2 == 0
          ? support.post(4101, 4102, "m" + i).getLong("id")
          : support.post(4102, 4101, "m" + i).getLong("id"));
    }

    JsonObject newest = history(4101, "peer=4102&limit=3");
    assertThat(ids(newest)).containsExactlyElementsOf(sent.subList(4, 7));
    assertThat(messages(newest)).extracting(message -> message.getString("data")).containsExactly("m4", "m5", "m6");
    assertThat(newest.getBoolean("has_more")).isTrue();

    JsonObject older = history(4101, "peer=4102&limit=3&before=" + sent.get(4));
    assertThat(ids(older)).containsExactlyElementsOf(sent.subList(1, 4));
    assertThat(older.getBoolean("has_more")).isTrue();

    JsonObject oldest = history(4101, "peer=4102&limit=3&before=" + sent.get(1));
    assertThat(ids(oldest)).containsExactly(sent.get(0));
    assertThat(oldest.getBoolean("has_more")).isFalse();

    // the other participant sees the same conversation
    assertThat(ids(history(4102, "peer=4101&limit=3"))).containsExactlyElementsOf(sent.subList(4, 7));
  }

  @Test
  @DisplayName("the default page is the newest 30 messages, and a limit above 100 is capped at 100")
  void defaultAndMaximumLimit() {
    int count = 105;
    try (TestClient sender = support.connect(4201)) {
      // stored quickly: pipelined over one socket, in the order sent
      MessagingTestSupport.sendPipelined(sender, 4201, 4202, MessagingTestSupport.texts("bulk", count), "bulk-", 32,
          acked -> { });
    }
    List<Long> stored = support.longs("SELECT id FROM messages WHERE from_id = 4201 AND to_id = 4202 ORDER BY id");
    assertThat(stored).hasSize(count);

    JsonObject byDefault = history(4202, "peer=4201");
    assertThat(ids(byDefault)).containsExactlyElementsOf(stored.subList(count - 30, count));
    assertThat(byDefault.getBoolean("has_more")).isTrue();

    JsonObject capped = history(4202, "peer=4201&limit=1000");
    assertThat(ids(capped)).containsExactlyElementsOf(stored.subList(count - 100, count));
    assertThat(capped.getBoolean("has_more")).isTrue();

    JsonObject rest = history(4202, "peer=4201&limit=1000&before=" + stored.get(count - 100));
    assertThat(ids(rest)).containsExactlyElementsOf(stored.subList(0, count - 100));
    assertThat(rest.getBoolean("has_more")).isFalse();
  }

  @Test
  @DisplayName("history holds both directions of the conversation and nothing from other conversations")
  void onlyThisConversation() {
    List<Long> conversation = new ArrayList<>();
    conversation.add(support.post(4301, 4302, "alice to bob").getLong("id"));
    support.post(4301, 4303, "alice to carol");
    conversation.add(support.post(4302, 4301, "bob to alice").getLong("id"));
    support.post(4303, 4301, "carol to alice");
    support.post(4302, 4303, "bob to carol");
    support.post(4303, 4302, "carol to bob");
    conversation.add(support.post(4301, 4302, "alice to bob again").getLong("id"));

    JsonObject page = history(4301, "peer=4302");
    assertThat(ids(page)).containsExactlyElementsOf(conversation);
    assertThat(messages(page)).allSatisfy(message -> assertThat(List.of(message.getLong("from_id"),
        message.getLong("to_id"))).containsExactlyInAnyOrder(4301L, 4302L));
    assertThat(page.getBoolean("has_more")).isFalse();
  }

  @Test
  @DisplayName("texts come back byte for byte as sent: emoji, RTL, zero-width joiners, SQL and HTML")
  void textsAreKeptExactly() {
    List<String> texts = List.of(
        "emoji 😀🎉 and a flag 🇨🇳",
        "مرحبا بالعالم",
        "family 👨\u200D👩\u200D👧\u200D👦 joined by zero-width joiners",
        "'; DROP TABLE messages; --",
        "<script>alert('x')</script>",
        "  leading and trailing spaces, a tab\tand\na newline  ",
        "combining e\u0301 and \"quotes\" and \\backslash\\ and 中文");
    List<JsonObject> stored = new ArrayList<>();
    try (TestClient bob = support.connect(4402); TestClient alice = support.connect(4401)) {
      for (int i = 0; i < texts.size(); i++) {
        // half over HTTP, half as say frames: both paths keep the text
        if (i % 2 == 0) {
          JsonObject response = support.post(4401, 4402, texts.get(i));
          assertThat(response.getString("data")).isEqualTo(texts.get(i));
          stored.add(response);
        } else {
          alice.send(say(4401, 4402, texts.get(i), "t-" + i));
          stored.add(MessagingTestSupport.expectAck(alice));
        }
        assertThat(expectText(bob).getString("data")).isEqualTo(texts.get(i));
      }
    }

    JsonObject page = history(4402, "peer=4401");
    assertThat(messages(page)).extracting(message -> message.getString("data")).containsExactlyElementsOf(texts);
    assertThat(ids(page)).containsExactlyElementsOf(stored.stream().map(message -> message.getLong("id")).toList());
    for (String text : texts) {
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = 4401 AND body = " + literal(text)))
          .as("row with body %s", text).isEqualTo(1);
    }
    // the injection attempt was stored as text, not run
    assertThat(system.count("SELECT count(*) FROM messages")).isPositive();
  }
}
