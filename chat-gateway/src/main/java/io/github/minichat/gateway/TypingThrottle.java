package io.github.minichat.gateway;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Lets one typing hint per peer through per interval, for one connection. It remembers the peers typed to last
 * only ({@link #MAX_PEERS}): a client typing to more at once gets a few more hints through, never more memory.
 * Used on the connection's event loop only.
 */
final class TypingThrottle {

  static final int MAX_PEERS = 16;

  private final long intervalNanos;
  private final Map<Long, Long> lastSent = new LinkedHashMap<>(MAX_PEERS * 2, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
      return size() > MAX_PEERS;
    }
  };

  TypingThrottle(Duration interval) {
    this.intervalNanos = interval.toNanos();
  }

  /** Whether a hint to {@code peer} at {@code nowNanos} goes through; if so, the interval starts again. */
  boolean admit(long peer, long nowNanos) {
    Long last = lastSent.get(peer);
    if (last != null && nowNanos - last < intervalNanos) {
      return false;
    }
    lastSent.put(peer, nowNanos);
    return true;
  }
}
