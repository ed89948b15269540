package io.github.minichat.common;

/**
 * A stored message for every connection of its sender and recipient on one gateway. {@code originConnection}, the
 * connection that sent it (null for HTTP), gets an ack instead of the message and only takes the message's place
 * in its inbox order.
 */
public record Delivery(ChatMessage message, String originConnection) {
}
