package io.github.minichat.systemtest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/**
 * Ports for the servers a test starts, which bind them seconds later, often in another process. A port the kernel
 * hands out (bind to 0) lies in the ephemeral range, the one every outgoing connection of the machine takes its
 * local port from too: in those seconds a connection to PostgreSQL or between cluster members may take it, and the
 * server then fails with "address already in use". These ports come from below that range, checked free (a best
 * effort: checked, not held; two tests drawing the same one at random is unlikely).
 */
final class TestPorts {

  private static final int LOWEST = 20_000;
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  private TestPorts() {
  }

  /** A free port outside the ephemeral range. */
  static int free() {
    return freeBlock(1);
  }

  /** The first of {@code size} consecutive free ports outside the ephemeral range. */
  static int freeBlock(int size) {
    // (a machine whose ephemeral range starts lower still gets ports to choose from, just not outside it)
    int below = Math.max(ephemeralStart(), LOWEST + 2_000) - size;
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(LOWEST, below);
      if (IntStream.range(0, size).allMatch(i -> isFree(base + i))) {
        return base;
      }
    }
    throw new IllegalStateException("no " + size + " free consecutive ports between " + LOWEST + " and " + below);
  }

  private static int ephemeralStart() {
    try {
      // read as lines: /proc files report a size of 0, which readString takes at its word
      return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768; // Linux's default
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
