package io.github.minichat.common;

/**
 * The head of a user's inbox: the cursor of its newest message (0 when empty) and the unread total with its version.
 * A gateway reads it when a connection is bound: pushes at or below {@code lastCursor} are older than the
 * connection, the ones after it are the connection's to receive, and a non-zero count is pushed as {@code letters}.
 */
public record InboxState(long userId, long lastCursor, long unread, long unreadVersion) {

  public UnreadCount unreadCount() {
    return new UnreadCount(userId, unread, unreadVersion);
  }
}
