package io.github.minichat.common;

import java.util.List;

/**
 * Messages in inbox order; {@code cursor} is the position to sync from next time (unchanged when empty);
 * {@code passed}, the positions of the page that hold a message the user deleted for themselves (not shown).
 */
public record SyncPage(List<ChatMessage> messages, long cursor, boolean hasMore, List<Long> passed) {
  public SyncPage {
    messages = List.copyOf(messages);
    passed = List.copyOf(passed);
  }

  public SyncPage(List<ChatMessage> messages, long cursor, boolean hasMore) {
    this(messages, cursor, hasMore, List.of());
  }
}
