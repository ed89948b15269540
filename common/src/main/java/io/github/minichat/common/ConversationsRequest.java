package io.github.minichat.common;

/**
 * One page of {@code userId}'s conversation list: pinned first, then by last activity, newest first.
 * {@code after} is the {@link ConversationPage#next()} of the previous page, null for the first.
 */
public record ConversationsRequest(long userId, String after, int limit) {
}
