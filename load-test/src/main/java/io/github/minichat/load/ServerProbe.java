package io.github.minichat.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory and CPU time of a server process on this machine, from {@code /proc} (Linux): the server side of
 * the figures without needing the server's cooperation.
 */
final class ServerProbe {

  /** Clock ticks per second of {@code /proc/<pid>/stat} times; 100 on every mainstream Linux build. */
  private static final double TICKS_PER_SECOND = 100.0;

  /** One reading; negative values: the process could not be read. */
  record Sample(long rssKib, double cpuSeconds) {
  }

  private final long pid;

  ServerProbe(long pid) {
    this.pid = pid;
  }

  long pid() {
    return pid;
  }

  Sample sample() {
    return new Sample(rssKib(), cpuSeconds());
  }

  private long rssKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // reported as unknown
    }
    return -1;
  }

  private double cpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // fields after the command name, which is in parentheses and may hold spaces; utime and stime are 14 and 15
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
