package io.github.minichat.common;

/**
 * A user's unread total. {@code version} grows with every change of the count, so a client can drop a push that
 * arrives after a fresher one.
 */
public record UnreadCount(long userId, long countNum, long version) {
}
