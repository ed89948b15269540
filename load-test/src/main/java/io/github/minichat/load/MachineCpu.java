package io.github.minichat.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Busy CPU time of the whole machine, from {@code /proc/stat} (Linux). Set beside the client's and the servers'
 * own CPU it shows what else ran during a measurement: on a shared machine, a neighbour's load skews the figures.
 */
final class MachineCpu {

  /** Clock ticks per second of {@code /proc/stat}; 100 on every mainstream Linux build. */
  private static final double TICKS_PER_SECOND = 100.0;

  private MachineCpu() {
  }

  /** Core-seconds spent busy (not idle, not waiting for I/O) since boot; negative if unreadable. */
  static double busySeconds() {
    try {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < fields.length && i <= 8; i++) {
        if (i != 4 && i != 5) { // idle and iowait
          busy += Long.parseLong(fields[i]);
        }
      }
      return busy / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
