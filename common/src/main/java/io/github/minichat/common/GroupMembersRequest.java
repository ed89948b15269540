package io.github.minichat.common;

/** The members of a group, asked by {@code userId} (who must be one), answered with {@link GroupMembers}. */
public record GroupMembersRequest(long userId, long groupId) {
}
