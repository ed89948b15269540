package io.github.minichat.common;

/**
 * One line of the conversation list.
 *
 * @param kind         {@code user} (one-to-one) or {@code group}
 * @param id           the peer's user id, or the group id
 * @param name         the group's name; null for a one-to-one conversation (users have no names here)
 * @param last         the newest message, as the user holds it; null when there is none
 * @param unread       messages the user has not read (kept even while muted)
 * @param mentions     unread messages that mention the user
 * @param lastActiveAt epoch milliseconds of the newest message (or of joining a group that has none)
 */
public record ConversationSummary(String kind, long id, String name, ChatMessage last, long unread, long mentions,
                                  boolean pinned, boolean muted, long lastActiveAt) {
}
