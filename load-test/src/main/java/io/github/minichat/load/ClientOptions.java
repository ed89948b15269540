package io.github.minichat.load;

import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** How every scenario connects: the targets, the pace of handshakes, the source addresses and the event loops. */
final class ClientOptions {

  @Option(names = {"-u", "--url"}, split = ",", defaultValue = "ws://127.0.0.1:8080/ws",
      converter = GatewayTarget.Converter.class,
      description = "gateway (or echo server) WebSocket URL(s), comma separated or repeated; connections are spread "
          + "round robin (default: ${DEFAULT-VALUE})")
  List<GatewayTarget> targets;

  @Option(names = "--in-flight", defaultValue = "128",
      description = "handshakes (and catch-ups) in flight at most (default: ${DEFAULT-VALUE})")
  int inFlight;

  @Option(names = "--timeout", defaultValue = "30s", converter = DurationConverter.class,
      description = "a connection not ready within this fails (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(names = "--source-addresses", defaultValue = "auto",
      description = "local addresses to connect from: auto (127.0.0.2… over 20k connections), none, a count, "
          + "a range 127.0.0.2..127.0.0.9 or a list (default: ${DEFAULT-VALUE})")
  String sourceAddresses;

  @Option(names = "--event-loops", description = "client event loops (one verticle each); default: CPU cores")
  int eventLoops = Runtime.getRuntime().availableProcessors();
}
