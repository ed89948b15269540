package io.github.minichat.common;

import java.util.Map;

/** The user's unread total, per peer, and the version of the count. */
public record UnreadSummary(long countNum, Map<Long, Long> peers, long version) {
  public UnreadSummary {
    peers = Map.copyOf(peers);
  }
}
