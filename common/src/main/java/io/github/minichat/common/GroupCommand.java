package io.github.minichat.common;

import java.util.List;

/**
 * A change to a group by {@code actor}, answered with the group as it is after it ({@link GroupInfo}). Every change
 * is also a system message in the group's history, pushed to the members before and after it.
 *
 * @param groupId 0 for {@link GroupAction#CREATE}
 * @param name    for CREATE and RENAME, else null
 * @param userIds for CREATE, ADD, REMOVE and SET_ROLE, else empty
 * @param role    for SET_ROLE, else null
 */
public record GroupCommand(long actor, long groupId, GroupAction action, String name, List<Long> userIds,
                           String role) {
  public GroupCommand {
    userIds = List.copyOf(userIds);
  }
}
