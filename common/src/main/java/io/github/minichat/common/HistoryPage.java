package io.github.minichat.common;

import java.util.List;

/** Oldest first. */
public record HistoryPage(List<ChatMessage> messages, boolean hasMore) {
  public HistoryPage {
    messages = List.copyOf(messages);
  }
}
