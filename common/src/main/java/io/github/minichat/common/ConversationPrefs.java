package io.github.minichat.common;

/**
 * Pins or mutes one of {@code userId}'s conversations ({@code kind} {@code user} or {@code group}, {@code id} the peer
 * or group); null leaves a flag as it is. A muted conversation keeps its own unread count but is left out of the
 * total. Answered with the user's {@link UnreadCount} after the change.
 */
public record ConversationPrefs(long userId, String kind, long id, Boolean pinned, Boolean muted) {
}
