package io.github.minichat.systemtest;

import io.vertx.core.json.JsonObject;

/** Whom an audited message is for: a user, in a one-to-one chat, or a group; the other id is 0. */
record AuditRecipient(long userId, long groupId) {

  static AuditRecipient user(long userId) {
    return new AuditRecipient(userId, 0);
  }

  static AuditRecipient group(long groupId) {
    return new AuditRecipient(0, groupId);
  }

  boolean isGroup() {
    return groupId != 0;
  }

  /** The {@code say} frame that sends {@code text} to it. */
  JsonObject say(long fromId, String cid, String text) {
    JsonObject say = new JsonObject().put("type", "say");
    if (isGroup()) {
      say.put("group_id", groupId);
    } else {
      say.put("from_id", fromId).put("to_id", userId);
    }
    return say.put("data", text).put("cid", cid);
  }

  @Override
  public String toString() {
    return isGroup() ? "group " + groupId : Long.toString(userId);
  }
}
