package io.github.minichat.common;

/** The groups {@code userId} is a member of, answered with a {@link GroupList}. */
public record GroupListRequest(long userId) {
}
