package io.github.minichat.common;

/**
 * A stored message for every connection of its sender and recipient on one gateway, except
 * {@code excludeConnection} (the one that sent it, which gets an ack instead).
 */
public record Delivery(ChatMessage message, String excludeConnection) {
}
