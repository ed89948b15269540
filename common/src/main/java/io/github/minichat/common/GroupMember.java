package io.github.minichat.common;

/**
 * @param role     {@code owner}, {@code admin} or {@code member}
 * @param joinedAt epoch milliseconds
 * @param online   whether the member has a connection, as the message service's route table knows it
 */
public record GroupMember(long userId, String role, long joinedAt, boolean online) {
}
