package io.github.minichat.common;

public record PresenceQuery(long userId) {
}
