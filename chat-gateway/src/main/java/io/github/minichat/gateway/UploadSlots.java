package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The uploads streaming into this gateway process at once, all verticle instances together
 * ({@code CHAT_MAX_CONCURRENT_UPLOADS}): what bounds the temporary space they take to that many times the file
 * limit. A full gateway answers 503 with Retry-After, so that a client (or the proxy) tries again or elsewhere.
 */
final class UploadSlots {

  private static final long RETRY_AFTER_MS = 2_000;

  private final int max;
  private final AtomicInteger taken = new AtomicInteger();

  UploadSlots(int max) {
    this.max = max;
  }

  /** Takes a slot, to be given back once with {@link #release()}; {@code overloaded} when none is free. */
  void take() {
    if (taken.incrementAndGet() > max) {
      taken.decrementAndGet();
      throw new ChatException(ChatError.OVERLOADED, "this gateway takes " + max + " uploads at once: try again shortly",
          RETRY_AFTER_MS);
    }
  }

  void release() {
    taken.decrementAndGet();
  }

  int taken() {
    return taken.get();
  }
}
