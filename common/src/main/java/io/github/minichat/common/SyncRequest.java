package io.github.minichat.common;

/** Everything in {@code userId}'s inbox after {@code since}, at most {@code limit} messages. */
public record SyncRequest(long userId, long since, int limit) {
}
