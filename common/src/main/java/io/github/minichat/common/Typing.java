package io.github.minichat.common;

/** One-way: {@code fromId} is typing to {@code toId}. Never stored; lost, it only means a hint not shown. */
public record Typing(long fromId, long toId) {
}
