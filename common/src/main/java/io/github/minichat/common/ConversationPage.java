package io.github.minichat.common;

import java.util.List;

/** {@code next}: where the following page starts, null after the last. */
public record ConversationPage(List<ConversationSummary> conversations, String next) {
  public ConversationPage {
    conversations = List.copyOf(conversations);
  }
}
