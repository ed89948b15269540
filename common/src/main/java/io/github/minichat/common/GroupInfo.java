package io.github.minichat.common;

/**
 * A group as one user sees it.
 *
 * @param myRole    {@code owner}, {@code admin}, {@code member}, or null when the user is no longer a member
 * @param lastSeq   seq of its newest message
 * @param createdAt epoch milliseconds
 */
public record GroupInfo(long groupId, String name, long ownerId, int memberCount, String myRole, long lastSeq,
                        long createdAt, boolean dissolved) {
}
