package io.github.minichat.message;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;

/**
 * The message service's meters, in Micrometer's global registry (which the management server exposes); where no
 * registry is attached (tests, tools) every call is a cheap no-op.
 */
final class MessageMetrics {

  static final String MESSAGES_STORED = "minichat.messages.stored";

  private static final Counter STORED = Counter.builder(MESSAGES_STORED)
      .description("Messages stored (a repeated cid is not counted again)").register(Metrics.globalRegistry);

  private MessageMetrics() {
  }

  static void messageStored() {
    STORED.increment();
  }
}
