package io.github.minichat.common;

/**
 * The stored message; {@code duplicate} when the request repeated one already stored (same cid, or the HTTP/WS
 * twin of a seed client's send), in which case nothing was delivered again.
 */
public record SendResult(ChatMessage message, boolean duplicate) {
}
