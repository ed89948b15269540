package io.github.minichat.gateway;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.MessageServiceBeacon;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message services this gateway has heard from, and which of them a conversation's sends go to: always the same
 * live one (the highest of a hash of the conversation and each service). Two services' batches then rarely lock the
 * same conversation and inbox rows, so neither waits for the other's commit. It is an affinity only: any service
 * stores any send correctly, and with none known the sends go to the address all services share. Shared by the
 * node's event loops.
 */
final class MessageServiceRing {

  private static final Logger LOG = LoggerFactory.getLogger(MessageServiceRing.class);

  /** A service missing this many beacons in a row is taken for gone. */
  static final int MISSED_BEACONS = 3;

  /** Service id to the time (nanoTime) after which it is taken for gone. */
  private final Map<String, Long> liveUntil = new ConcurrentHashMap<>();
  private final LongSupplier nanoClock;

  MessageServiceRing(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** Listens to the services' beacons on {@code eventBus}. */
  static Future<MessageServiceRing> listening(EventBus eventBus) {
    MessageServiceRing ring = new MessageServiceRing(System::nanoTime);
    return eventBus.<MessageServiceBeacon>consumer(Addresses.MESSAGE_SERVICES, beacon -> ring.heard(beacon.body()))
        .completion()
        .map(ignored -> ring);
  }

  void heard(MessageServiceBeacon beacon) {
    long now = nanoClock.getAsLong();
    liveUntil.values().removeIf(until -> until - now < 0); // services long gone do not pile up
    if (beacon.everyMillis() <= 0) {
      forget(beacon.serviceId());
    } else if (liveUntil.put(beacon.serviceId(), now + MISSED_BEACONS * beacon.everyMillis() * 1_000_000) == null) {
      LOG.info("Message service {} is up: conversations are routed to it", beacon.serviceId());
    }
  }

  /** The service did not take a request (it has gone): its conversations go to the others until it is heard again. */
  void forget(String serviceId) {
    if (liveUntil.remove(serviceId) != null) {
      LOG.info("Message service {} has gone: its conversations are routed to the others", serviceId);
    }
  }

  /** The live service for the conversation of users {@code a} and {@code b}, or null when none is known. */
  String serviceFor(long a, long b) {
    if (liveUntil.isEmpty()) {
      return null;
    }
    long conversation = mix(Math.min(a, b) * 0x9E3779B97F4A7C15L + Math.max(a, b));
    long now = nanoClock.getAsLong();
    String chosen = null;
    long chosenWeight = 0;
    for (Map.Entry<String, Long> service : liveUntil.entrySet()) {
      if (service.getValue() - now < 0) {
        continue;
      }
      long weight = mix(conversation ^ service.getKey().hashCode());
      if (chosen == null || Long.compareUnsigned(weight, chosenWeight) > 0
          || weight == chosenWeight && service.getKey().compareTo(chosen) < 0) {
        chosen = service.getKey();
        chosenWeight = weight;
      }
    }
    return chosen;
  }

  /** How many services are remembered, live or not yet pruned. */
  int known() {
    return liveUntil.size();
  }

  /** SplitMix64's finalizer: every input bit moves every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
