package io.github.minichat.common;

import java.util.List;

/** Owner first, then admins, then members, each by joining time. */
public record GroupMembers(long groupId, List<GroupMember> members) {
  public GroupMembers {
    members = List.copyOf(members);
  }
}
