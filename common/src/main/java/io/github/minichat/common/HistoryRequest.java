package io.github.minichat.common;

/**
 * The newest {@code limit} messages between {@code userId} and {@code peer} with an id below {@code before}
 * (null: from the newest). {@code markRead} marks the peer's messages to the user read.
 */
public record HistoryRequest(long userId, long peer, Long before, int limit, boolean markRead) {
}
