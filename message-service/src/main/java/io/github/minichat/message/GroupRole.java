package io.github.minichat.message;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import java.util.Locale;

/** A member's role in a group, as {@code group_members.role} and the contract spell it. */
enum GroupRole {
  OWNER, ADMIN, MEMBER;

  /** The lower-case name the database and the contract use. */
  String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Owners and admins rename the group and add and remove members. */
  boolean manages() {
    return this != MEMBER;
  }

  /** A role read from the database, where the schema allows the three names only. */
  static GroupRole of(String wire) {
    return valueOf(wire.toUpperCase(Locale.ROOT));
  }

  /** A role a member may be given ({@code admin} or {@code member}; ownership only passes by leaving). */
  static GroupRole assignable(String wire) {
    if ("admin".equals(wire)) {
      return ADMIN;
    }
    if ("member".equals(wire)) {
      return MEMBER;
    }
    throw new ChatException(ChatError.INVALID_FIELD, "role must be admin or member");
  }
}
