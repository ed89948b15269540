package io.github.minichat.common;

public record UnreadRequest(long userId) {
}
