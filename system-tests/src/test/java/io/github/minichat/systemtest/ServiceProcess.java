package io.github.minichat.systemtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One service running as a separate JVM, started from the test classpath with its own main, its output kept in
 * {@code target/cluster-logs/<name>.log}. It can be waited for (a line in its log), killed with SIGKILL, or
 * stopped with SIGTERM. A JVM shutdown hook kills it if the test JVM exits first.
 */
final class ServiceProcess implements AutoCloseable {

  private static final List<String> JVM_FLAGS = List.of(
      "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  final String name;
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();

  private record Waiter(String text, CompletableFuture<Void> seen) {
  }

  private ServiceProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    Thread reader = new Thread(() -> pump(log), "log-" + name);
    reader.setDaemon(true);
    reader.start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
  }

  static ServiceProcess start(String name, Class<?> main, Map<String, String> env) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(key -> key.startsWith("CHAT_") || key.startsWith("PG"));
    builder.environment().putAll(env);
    try {
      Path logs = Files.createDirectories(Path.of("target", "cluster-logs"));
      return new ServiceProcess(name, builder.start(), logs.resolve(name + ".log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void pump(Path log) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8)); PrintWriter out = new PrintWriter(Files.newBufferedWriter(log))) {
      String line;
      while ((line = reader.readLine()) != null) {
        out.println(line);
        out.flush();
        synchronized (this) {
          lines.add(line);
          for (Waiter waiter : waiters) {
            if (line.contains(waiter.text())) {
              waiter.seen().complete(null);
            }
          }
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  /** Waits until a line containing {@code text} has been logged. */
  void awaitLog(String text, Duration within) {
    CompletableFuture<Void> seen = new CompletableFuture<>();
    synchronized (this) {
      if (lines.stream().anyMatch(line -> line.contains(text))) {
        return;
      }
      waiters.add(new Waiter(text, seen));
    }
    try {
      seen.get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError(name + " did not log '" + text + "' within " + within
          + (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")") + "; last lines: " + tail(), e);
    }
  }

  synchronized String tail() {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook runs, no socket is closed cleanly. */
  void kill() {
    process.destroyForcibly();
    waitForExit(Duration.ofSeconds(10));
  }

  /** SIGTERM: the process shuts down gracefully; returns its exit code. */
  int terminate(Duration within) {
    // through the handle: Process.destroy() would also close our end of its output, losing its shutdown log
    process.toHandle().destroy();
    return waitForExit(within);
  }

  private int waitForExit(Duration within) {
    try {
      if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(name + " did not exit within " + within);
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
