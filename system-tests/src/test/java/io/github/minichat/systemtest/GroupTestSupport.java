package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Helpers shared by the group tests: the group HTTP API called as a user, group frames built and awaited, system
 * messages read, and the conversation list walked page by page.
 */
final class GroupTestSupport {

  /** Groups a test user may create: the hourly limit has tests of its own. */
  static final Map<String, String> MANY_GROUPS = Map.of("CHAT_GROUP_CREATES_PER_HOUR", "100000");

  private final ChatSystem system;
  private final RaceFreeHttp http;

  GroupTestSupport(ChatSystem system) {
    this.system = system;
    this.http = new RaceFreeHttp(system);
  }

  // ---- HTTP ----

  ChatSystem.HttpResult call(String method, String uri, long userId, JsonObject body) {
    return http.call(method, uri, userId, body);
  }

  /** POST /api/groups as {@code owner}; checks the 201 and the group it answers. */
  JsonObject create(long owner, String name, long... members) {
    JsonArray ids = new JsonArray();
    for (long member : members) {
      ids.add(member);
    }
    ChatSystem.HttpResult result = call("POST", "/api/groups", owner, new JsonObject().put("name", name)
        .put("members", ids));
    assertThat(result.status()).as("POST /api/groups: %s", result.body()).isEqualTo(201);
    JsonObject group = result.json();
    assertThat(group.getLong("group_id")).isPositive();
    assertThat(group.getString("name")).isEqualTo(name);
    assertThat(group.getLong("owner_id")).isEqualTo(owner);
    assertThat(group.getString("role")).isEqualTo("owner");
    assertThat(group.getBoolean("dissolved")).isFalse();
    return group;
  }

  /** A call that must succeed with {@code status}; returns the body. */
  JsonObject ok(int status, String method, String uri, long userId, JsonObject body) {
    ChatSystem.HttpResult result = call(method, uri, userId, body);
    assertThat(result.status()).as("%s %s as %d: %s", method, uri, userId, result.body()).isEqualTo(status);
    return result.json();
  }

  void setRole(long owner, long groupId, long member, String role) {
    ok(200, "PUT", "/api/groups/" + groupId + "/members/" + member + "/role", owner,
        new JsonObject().put("role", role));
  }

  /** POST /api/groups/:id/messages; checks the 201 and returns the stored message (a group_text frame's shape). */
  JsonObject post(long from, long groupId, String text, String cid) {
    JsonObject stored = ok(201, "POST", "/api/groups/" + groupId + "/messages", from,
        new JsonObject().put("message", text).put("cid", cid));
    assertThat(stored.getString("type")).isEqualTo("group_text");
    assertThat(stored.getLong("group_id")).isEqualTo(groupId);
    return stored;
  }

  /** GET /api/messages/unread: the user's total, what letters pushes. */
  long unreadTotal(long userId) {
    return ok(200, "GET", "/api/messages/unread", userId, null).getLong("countNum");
  }

  /** Every conversation of the user, following {@code next} with pages of {@code limit}; each page checked. */
  List<JsonObject> conversations(long userId, int limit) {
    List<JsonObject> all = new ArrayList<>();
    String next = null;
    for (int page = 0; page < 1_000; page++) {
      String uri = "/api/conversations?limit=" + limit + (next == null ? "" : "&cursor=" + encode(next));
      JsonObject body = ok(200, "GET", uri, userId, null);
      JsonArray conversations = body.getJsonArray("conversations");
      assertThat(conversations.size()).as("page %d of %s", page, body).isLessThanOrEqualTo(limit);
      conversations.forEach(conversation -> all.add((JsonObject) conversation));
      next = body.getString("next");
      if (next == null) {
        return all;
      }
      assertThat(conversations.size()).as("a page with a next: %s", body).isPositive();
    }
    throw new AssertionError("the conversation list of " + userId + " never ends: " + all.size() + " so far");
  }

  /** The one conversation of that kind and id in the user's list, read in a single page. */
  JsonObject conversation(long userId, String kind, long id) {
    List<JsonObject> matching = conversations(userId, 100).stream()
        .filter(c -> kind.equals(c.getString("kind")) && c.getLong("id") == id).toList();
    assertThat(matching).as("%s %d in the list of %d", kind, id, userId).hasSize(1);
    return matching.get(0);
  }

  /** Total of unread over the conversations not muted: what the letters total must be. */
  long unmutedUnread(long userId) {
    return conversations(userId, 100).stream().filter(c -> !c.getBoolean("muted"))
        .mapToLong(c -> c.getLong("unread")).sum();
  }

  long count(String sql) {
    return system.count(sql);
  }

  private static String encode(String cursor) {
    return java.net.URLEncoder.encode(cursor, java.nio.charset.StandardCharsets.UTF_8);
  }

  // ---- frames ----

  static JsonObject say(long groupId, String data, String cid) {
    return new JsonObject().put("type", "say").put("group_id", groupId).put("data", data).put("cid", cid);
  }

  /**
   * Says each text to the group with cid {@code cidPrefix + index}, at most {@code window} unacknowledged, and
   * returns the acks in order; {@code onAcked} is told the number of acks so far after each one.
   */
  static List<JsonObject> sendPipelined(TestClient sender, long groupId, List<String> texts, String cidPrefix,
                                        int window, java.util.function.IntConsumer onAcked) {
    List<JsonObject> acks = new ArrayList<>(texts.size());
    int sent = 0;
    while (acks.size() < texts.size()) {
      while (sent < texts.size() && sent - acks.size() < window) {
        sender.send(say(groupId, texts.get(sent), cidPrefix + sent));
        sent++;
      }
      JsonObject ack = expectAck(sender);
      // one socket's sends are stored in the order sent, so the acks come back in that order
      assertThat(ack.getString("cid")).isEqualTo(cidPrefix + acks.size());
      assertThat(ack.getLong("group_id")).as("group of %s", ack).isEqualTo(groupId);
      acks.add(ack);
      onAcked.accept(acks.size());
    }
    return acks;
  }

  static JsonObject read(long groupId, Long upTo) {
    JsonObject read = new JsonObject().put("type", "read").put("group_id", groupId);
    return upTo == null ? read : read.put("up_to", upTo);
  }

  static JsonObject online(long groupId) {
    return new JsonObject().put("type", "online").put("group_id", groupId);
  }

  static boolean isGroupText(JsonObject frame, long groupId) {
    return "group_text".equals(frame.getString("type")) && frame.getLong("group_id") == groupId;
  }

  /** The next group_text of the group, skipping every other frame. */
  static JsonObject expectGroupText(TestClient client, long groupId) {
    return client.expect(frame -> isGroupText(frame, groupId), "a group_text of group " + groupId);
  }

  /** The next ordinary (not system) group_text of the group. */
  static JsonObject expectGroupMessage(TestClient client, long groupId) {
    return client.expect(frame -> isGroupText(frame, groupId) && "text".equals(frame.getString("kind")),
        "a group message of group " + groupId);
  }

  /** The next ack or error, failing at once if it is an error. */
  static JsonObject expectAck(TestClient client) {
    return MessagingTestSupport.expectAck(client);
  }

  /** The membership change a system message describes; its {@code data} is a JSON object (or its text). */
  static JsonObject event(JsonObject systemMessage) {
    assertThat(systemMessage.getString("kind")).as("kind of %s", systemMessage).isEqualTo("system");
    Object data = systemMessage.getValue("data");
    return data instanceof JsonObject object ? object : new JsonObject((String) data);
  }

  /** Whether the frame is the group's system message of {@code event} naming {@code user} among its users. */
  static Predicate<JsonObject> systemEvent(long groupId, String event, long user) {
    return frame -> isGroupText(frame, groupId) && "system".equals(frame.getString("kind"))
        && event.equals(event(frame).getString("event"))
        && event(frame).getJsonArray("users", new JsonArray()).stream()
            .anyMatch(id -> ((Number) id).longValue() == user);
  }

  /** Every frame up to and including the first matching one, in arrival order. */
  static List<JsonObject> framesUntil(TestClient client, Predicate<JsonObject> wanted, String description) {
    return UnreadPresenceSupport.framesUntil(client, wanted, description);
  }

  /**
   * Every frame that was on its way to the client before a heart round trip: frames are answered in order, so
   * whatever the server had written to this connection before the heart answer comes first.
   */
  static List<JsonObject> framesBeforeHeart(TestClient client, long userId) {
    client.send(RaceFreeSockets.heart(userId));
    List<JsonObject> frames = framesUntil(client, frame -> "heart".equals(frame.getString("type")), "a heart");
    return frames.subList(0, frames.size() - 1);
  }

  static List<JsonObject> groupTexts(List<JsonObject> frames) {
    return frames.stream().filter(frame -> "group_text".equals(frame.getString("type"))).toList();
  }

  /** An HTTP refusal: the status and the error code of the JSON body. */
  static void assertRefused(ChatSystem.HttpResult result, int status, String code, String what) {
    assertThat(result.status()).as("status of %s: %s", what, result.body()).isEqualTo(status);
    assertThat(result.body()).as("body of %s", what).isNotNull();
    JsonObject error = result.json().getJsonObject("error");
    assertThat(error).as("error of %s: %s", what, result.body()).isNotNull();
    assertThat(error.getString("code")).as("code of %s: %s", what, result.body()).isEqualTo(code);
    assertThat(error.getString("message")).as("message of %s", what).isNotBlank();
  }

  /** The sync pages from {@code since} until has_more is false, the messages in arrival order. */
  static List<JsonObject> syncAll(TestClient client, long since) {
    List<JsonObject> messages = new ArrayList<>();
    long cursor = since;
    for (int page = 0; page < 100; page++) {
      client.send(new JsonObject().put("type", "sync").put("since", cursor));
      JsonObject reply = client.expect("sync");
      reply.getJsonArray("messages").forEach(message -> messages.add((JsonObject) message));
      cursor = reply.getLong("cursor");
      if (!reply.getBoolean("has_more")) {
        return messages;
      }
    }
    throw new AssertionError("sync never ended: " + messages.size() + " messages so far");
  }
}
