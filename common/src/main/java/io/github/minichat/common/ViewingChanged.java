package io.github.minichat.common;

/** The chat a connection has open is now the one with {@code peer} (the seed's notion of "reading"). */
public record ViewingChanged(long userId, String gatewayId, String connectionId, long peer) {
}
