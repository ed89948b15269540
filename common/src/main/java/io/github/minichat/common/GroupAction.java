package io.github.minichat.common;

/** What a {@link GroupCommand} does, and who may do it. */
public enum GroupAction {
  /** Anyone: a new group with its creator as owner and {@code userIds} as members. */
  CREATE,
  /** Owner or admin: {@code name}. */
  RENAME,
  /** Owner or admin: {@code userIds} join. */
  ADD,
  /** Owner or admin: {@code userIds} leave (an admin cannot remove the owner or another admin). */
  REMOVE,
  /** Any member: the actor leaves; an owner's ownership passes to the longest-standing admin, else member. */
  LEAVE,
  /** Owner: the group ends; every member leaves. */
  DISSOLVE,
  /** Owner: {@code role} ({@code admin} or {@code member}) for {@code userIds}. */
  SET_ROLE
}
