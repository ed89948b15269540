package io.github.minichat.common;

/**
 * The newest {@code limit} messages of a group with a seq below {@code before} (null: from the newest) that were
 * stored while {@code userId} was a member, answered with a {@link HistoryPage} of the user's copies.
 * {@code markRead} marks the group read up to its newest message.
 */
public record GroupHistoryRequest(long userId, long groupId, Long before, int limit, boolean markRead) {
}
