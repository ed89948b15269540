package io.github.minichat.common;

/**
 * The chat a connection has open is now the one with {@code peer} (the seed's notion of "reading").
 * {@code change} counts the connection's changes, so that a late or repeated update never undoes a newer one.
 */
public record ViewingChanged(long userId, String gatewayId, String connectionId, long peer, long change) {
}
