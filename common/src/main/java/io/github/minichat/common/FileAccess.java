package io.github.minichat.common;

/** May {@code userId} read upload {@code fileId}? Answered with its {@link Attachment}, or {@code not_found}. */
public record FileAccess(long userId, String fileId) {
}
