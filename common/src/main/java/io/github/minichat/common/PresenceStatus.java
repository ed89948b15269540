package io.github.minichat.common;

/** @param lastSeen epoch milliseconds of the last time the user was online; null if never seen */
public record PresenceStatus(long userId, boolean online, Long lastSeen) {
}
