package io.github.minichat.message;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;

/**
 * The message service's meters, in Micrometer's global registry (which the management server exposes); where no
 * registry is attached (tests, tools) every call is a cheap no-op.
 */
final class MessageMetrics {

  static final String MESSAGES_STORED = "minichat.messages.stored";
  static final String BATCHES_STORED = "minichat.store.batches";

  private static final Counter STORED = Counter.builder(MESSAGES_STORED)
      .description("Messages stored (a repeated cid is not counted again)").register(Metrics.globalRegistry);

  // by path: "one-round-trip" (the common batch) or "general" (two round trips or more)
  private static final Counter BATCHES_IN_ONE_ROUND_TRIP = batches("one-round-trip");
  private static final Counter BATCHES_THE_GENERAL_WAY = batches("general");

  private MessageMetrics() {
  }

  static void messageStored() {
    STORED.increment();
  }

  static void batchStored(boolean inOneRoundTrip) {
    (inOneRoundTrip ? BATCHES_IN_ONE_ROUND_TRIP : BATCHES_THE_GENERAL_WAY).increment();
  }

  private static Counter batches(String path) {
    return Counter.builder(BATCHES_STORED).tag("path", path)
        .description("Batches of one-to-one sends stored, by the path they took").register(Metrics.globalRegistry);
  }
}
