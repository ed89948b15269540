package io.github.minichat.message;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The {@code data} of a group's system messages: a JSON object that says what changed, by whom and for whom,
 * {@code {"event","by","users":[…],"name"?,"role"?,"owner"?}} (see the protocol).
 */
final class GroupNotices {

  /** What a system message records. */
  enum Event {
    CREATED, RENAMED, JOINED, REMOVED, LEFT, DISSOLVED, ROLE;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private GroupNotices() {
  }

  static JsonObject notice(Event event, long by, Collection<Long> users) {
    return new JsonObject()
        .put("event", event.wire())
        .put("by", by)
        .put("users", new JsonArray(new ArrayList<>(users)));
  }

  static JsonObject created(long by, Collection<Long> members, String name) {
    return notice(Event.CREATED, by, members).put("name", name);
  }

  static JsonObject renamed(long by, String name) {
    return notice(Event.RENAMED, by, List.of()).put("name", name);
  }

  static JsonObject role(long by, Collection<Long> users, GroupRole role) {
    return notice(Event.ROLE, by, users).put("role", role.wire());
  }

  /** An owner's leaving names the member the group passed to. */
  static JsonObject left(long by, long newOwner) {
    JsonObject notice = notice(Event.LEFT, by, List.of(by));
    return newOwner == 0 ? notice : notice.put("owner", newOwner);
  }
}
