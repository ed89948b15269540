package io.github.minichat.common;

/** Asks for the head of {@code userId}'s inbox (see {@link InboxState}). */
public record InboxRequest(long userId) {
}
