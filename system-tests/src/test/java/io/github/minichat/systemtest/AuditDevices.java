package io.github.minichat.systemtest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The honest devices of one audit, by name, in the order they joined, and what the test does with all of them:
 * start and stop their traffic, kill the gateway some of them are on and wait for them to come back, and wait for
 * the quiet in which the audit is taken. Used from the test thread only.
 */
final class AuditDevices {

  private final AuditClient.Setup setup;
  private final Map<String, AuditClient> devices = new LinkedHashMap<>();

  AuditDevices(AuditClient.Setup setup) {
    this.setup = setup;
  }

  /** The socket client the devices share: sync pages reach 512 KiB and more, far above the default frame size. */
  static WebSocketClient webSocketClient(Vertx vertx) {
    return vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(1_000)
        .setMaxFrameSize(4 << 20).setMaxMessageSize(8 << 20));
  }

  /** A new device, sending to {@code recipients} in turn (none: it only listens); the future completes when ready. */
  Future<Void> add(String name, long user, List<AuditRecipient> recipients, double ratePerSecond,
                   AuditGateways.Entry gateway) {
    AuditClient client = new AuditClient(setup, name, user, recipients, ratePerSecond);
    devices.put(name, client);
    return client.start(gateway);
  }

  AuditClient get(String name) {
    return devices.get(name);
  }

  Collection<AuditClient> all() {
    return devices.values();
  }

  Set<String> names() {
    return devices.keySet();
  }

  void startSending() {
    devices.values().forEach(AuditClient::startSending);
  }

  void stopSending() {
    devices.values().forEach(AuditClient::stopSending);
  }

  /** SIGKILL of {@code doomed}, after it is taken out of the choice and the ledger ends its connections. */
  GatewayKill killGateway(AuditGateways.Entry doomed) {
    List<AuditClient> affected = devices.values().stream().filter(c -> c.gateway().equals(doomed.name())).toList();
    setup.gateways().retire(doomed.name());
    setup.ledger().gatewayKilled(doomed.name());
    doomed.gateway().process().kill();
    return new GatewayKill(doomed.name(), affected, System.nanoTime());
  }

  /** A gateway just killed, and the devices that were on it. */
  final class GatewayKill {
    private final String gateway;
    private final List<AuditClient> affected;
    private final long killedAtNanos;

    private GatewayKill(String gateway, List<AuditClient> affected, long killedAtNanos) {
      this.gateway = gateway;
      this.affected = affected;
      this.killedAtNanos = killedAtNanos;
    }

    /** Waits until each of them has reconnected elsewhere, synced and resent. */
    void awaitBack() {
      AuditWaits.await("the clients of " + gateway + " back, synced and resent", Duration.ofSeconds(30),
          () -> affected.stream().allMatch(c -> c.ready() && !c.gateway().equals(gateway)));
      setup.ledger().event(String.format("%d clients of %s reconnected, synced and resent in %d ms", affected.size(),
          gateway, (System.nanoTime() - killedAtNanos) / 1_000_000));
    }
  }

  /**
   * Waits for every send to be answered, then for {@code caughtUp} (each device has got up to its user's inbox
   * head: a push held for a gap is written only once the gap is filled), then for a heart round trip on each device,
   * so that nothing written to them before is still on the way. What does not come in time is reported as it is.
   */
  void awaitQuiet(String caughtUpWhat, BooleanSupplier caughtUp) {
    AuditLedger ledger = setup.ledger();
    boolean answered = AuditWaits.within(Duration.ofSeconds(60), () -> ledger.unsettledSends() == 0);
    ledger.event(answered ? "every send answered"
        : ledger.unsettledSends() + " sends still unanswered after 60 s: auditing as they are");
    boolean settled = AuditWaits.within(Duration.ofSeconds(20), caughtUp);
    ledger.event(settled ? caughtUpWhat : "not within 20 s (" + caughtUpWhat + "): auditing as they are");
    List<String> silent = new ArrayList<>();
    devices.values().forEach(device -> {
      try {
        AuditWaits.awaitFuture(device.heartRoundTrip(), Duration.ofSeconds(10), "heart round trip");
      } catch (AssertionError unanswered) {
        silent.add(device.device);
      }
    });
    ledger.event(silent.isEmpty() ? "heart round trips answered on every device" : "no heart answer on " + silent);
  }
}
