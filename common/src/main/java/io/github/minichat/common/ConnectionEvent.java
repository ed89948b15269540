package io.github.minichat.common;

/** A connection of {@code userId} on gateway {@code gatewayId} was bound or closed. */
public record ConnectionEvent(long userId, String gatewayId, String connectionId) {
}
