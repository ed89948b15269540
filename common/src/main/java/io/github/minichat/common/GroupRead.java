package io.github.minichat.common;

/** Marks a group read for {@code userId} up to seq {@code upTo} (null: all), answered with the {@link UnreadCount}. */
public record GroupRead(long userId, long groupId, Long upTo) {
}
