package io.github.minichat.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which local addresses the client sockets bind to. Each bound address has its own ~28k ephemeral ports, so many
 * connections to one gateway need several; 127.0.0.0/8 is all loopback on Linux, so 127.0.0.2… work unconfigured.
 */
final class SourceAddresses {

  /** Connections per source address before the next one is taken (kept under the ~28k ephemeral ports). */
  static final int CONNECTIONS_PER_ADDRESS = 20_000;

  private SourceAddresses() {
  }

  /**
   * Resolves the option: {@code auto} (one per 20k connections, from 127.0.0.2, only when there are more than 20k;
   * otherwise the OS chooses), {@code none}, a count {@code 4} (127.0.0.2 to 127.0.0.5), a range
   * {@code 127.0.0.10..127.0.0.13} or a list {@code 127.0.0.2,127.0.0.3}. An empty list means: do not bind.
   */
  static List<String> resolve(String option, int connections) {
    String value = option.trim();
    if (value.equals("none")) {
      return List.of();
    }
    if (value.equals("auto")) {
      return connections <= CONNECTIONS_PER_ADDRESS ? List.of()
          : count((connections + CONNECTIONS_PER_ADDRESS - 1) / CONNECTIONS_PER_ADDRESS);
    }
    if (value.matches("\\d+")) {
      return count(Integer.parseInt(value));
    }
    if (value.contains("..")) {
      String[] ends = value.split("\\.\\.", 2);
      return range(ends[0].trim(), ends[1].trim());
    }
    return Arrays.stream(value.split(",")).map(String::trim).filter(address -> !address.isEmpty()).toList();
  }

  private static List<String> count(int count) {
    if (count < 1 || count > 250) {
      throw new IllegalArgumentException("source address count must be 1..250, got " + count);
    }
    return range("127.0.0.2", "127.0.0." + (count + 1));
  }

  /** A range within one /24: the last octet runs from the first address's to the last's. */
  private static List<String> range(String first, String last) {
    int split = first.lastIndexOf('.');
    if (split < 0 || !last.startsWith(first.substring(0, split + 1))) {
      throw new IllegalArgumentException("a source address range stays within one /24: " + first + ".." + last);
    }
    String prefix = first.substring(0, split + 1);
    int from = Integer.parseInt(first.substring(split + 1));
    int to = Integer.parseInt(last.substring(split + 1));
    List<String> addresses = new ArrayList<>();
    for (int octet = from; octet <= to; octet++) {
      addresses.add(prefix + octet);
    }
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("empty source address range " + first + ".." + last);
    }
    return addresses;
  }
}
