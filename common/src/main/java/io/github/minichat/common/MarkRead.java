package io.github.minichat.common;

/** Marks the messages from {@code peer} to {@code userId} read, up to id {@code upTo} (null: all). */
public record MarkRead(long userId, long peer, Long upTo) {
}
