package io.github.minichat.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * PostgreSQL's CPU time on this machine, from {@code /proc} (Linux): a database server is a process tree (the
 * postmaster, a backend per connection, its background workers), so it adds up the user and system time of every
 * process of the tree rooted at a pid, or of every process run by a user, with the time of their children that
 * have exited (a backend that ended is counted by its parent).
 */
final class DatabaseCpu {

  /** Clock ticks per second of {@code /proc/<pid>/stat} times; 100 on every mainstream Linux build. */
  private static final double TICKS_PER_SECOND = 100.0;

  /** One process: its parent, owner and CPU ticks (its own and its exited children's). */
  private record Stat(long pid, long parent, String owner, long ticks) {
  }

  private final Long rootPid;
  private final String user;

  /** {@code rootPid}: the postmaster (its tree is measured); else {@code user}: every process of that user. */
  DatabaseCpu(Long rootPid, String user) {
    this.rootPid = rootPid;
    this.user = user;
  }

  boolean isEmpty() {
    return rootPid == null && user == null;
  }

  /** What is measured, for the report. */
  String describe() {
    return rootPid != null ? "pid " + rootPid + " and its children" : user != null ? "user " + user + "'s processes"
        : "none";
  }

  /** CPU seconds spent so far; negative when nothing is measured or the root process is gone. */
  double cpuSeconds() {
    if (isEmpty()) {
      return -1;
    }
    List<Stat> all = processes();
    List<Stat> measured = rootPid != null ? tree(all, rootPid)
        : all.stream().filter(stat -> user.equals(stat.owner())).toList();
    return measured.isEmpty() ? -1 : measured.stream().mapToLong(Stat::ticks).sum() / TICKS_PER_SECOND;
  }

  private static List<Stat> tree(List<Stat> all, long root) {
    Map<Long, List<Stat>> children = new HashMap<>();
    Stat top = null;
    for (Stat stat : all) {
      children.computeIfAbsent(stat.parent(), ignored -> new ArrayList<>()).add(stat);
      if (stat.pid() == root) {
        top = stat;
      }
    }
    List<Stat> tree = new ArrayList<>();
    if (top == null) {
      return tree;
    }
    Set<Long> visited = new HashSet<>();
    List<Stat> pending = new ArrayList<>(List.of(top));
    while (!pending.isEmpty()) {
      Stat stat = pending.remove(pending.size() - 1);
      if (visited.add(stat.pid())) {
        tree.add(stat);
        pending.addAll(children.getOrDefault(stat.pid(), List.of()));
      }
    }
    return tree;
  }

  private List<Stat> processes() {
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      return entries.filter(path -> path.getFileName().toString().chars().allMatch(Character::isDigit))
          .map(this::stat).filter(stat -> stat != null).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** {@code stat}'s fields after the command name (in parentheses, may hold spaces): ppid, then the times. */
  private Stat stat(Path process) {
    try {
      String stat = Files.readString(process.resolve("stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields 4 (ppid), 14 and 15 (utime, stime), 16 and 17 (cutime, cstime: children waited for) of proc(5)
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
          + Long.parseLong(fields[14]);
      String owner = user == null ? null : Files.getOwner(process).getName();
      return new Stat(Long.parseLong(process.getFileName().toString()), Long.parseLong(fields[1]), owner, ticks);
    } catch (IOException | RuntimeException e) {
      return null; // the process ended meanwhile
    }
  }
}
