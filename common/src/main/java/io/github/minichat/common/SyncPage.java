package io.github.minichat.common;

import java.util.List;

/**
 * Messages in inbox order; {@code cursor} is the position to sync from next time (unchanged when empty).
 */
public record SyncPage(List<ChatMessage> messages, long cursor, boolean hasMore) {
  public SyncPage {
    messages = List.copyOf(messages);
  }
}
