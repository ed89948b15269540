package io.github.minichat.load;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The text summary of a connect storm. */
final class ConnectReport {

  /** How long each phase took, and the load generator's own CPU during the ramp. */
  record Timings(double rampSeconds, double holdSeconds, double closeSeconds, double totalSeconds,
                 double clientCpuSeconds, double machineBusySeconds) {
  }

  /** A server process read before the storm, when all were ready, at the end of the hold, and after closing. */
  record ServerReadings(long pid, ServerProbe.Sample before, ServerProbe.Sample ready, ServerProbe.Sample held,
                        ServerProbe.Sample closed) {
  }

  private final StormPlan plan;
  private final StormStats stats;
  private final Timings timings;
  private final List<ServerReadings> servers;

  ConnectReport(StormPlan plan, StormStats stats, Timings timings, List<ServerReadings> servers) {
    this.plan = plan;
    this.stats = stats;
    this.timings = timings;
    this.servers = servers;
  }

  void print(PrintStream out) {
    long ready = stats.ready.sum();
    out.println();
    out.println("== connect storm ==");
    out.printf("targets          %s%n",
        plan.targets().stream().map(Object::toString).collect(Collectors.joining(", ")));
    out.printf("source addresses %s%n", plan.sourceAddresses().isEmpty() ? "chosen by the OS"
        : plan.sourceAddresses().get(0) + " … " + plan.sourceAddresses().get(plan.sourceAddresses().size() - 1)
            + " (" + plan.sourceAddresses().size() + ")");
    out.printf("pacing           %s, at most %d handshakes in flight%n",
        plan.rate() > 0 ? String.format("%.0f connects/s", plan.rate()) : "as fast as possible", plan.inFlight());
    out.printf("connections      attempted %d  ok %d  failed %d%n", stats.started.sum(), ready, stats.failed.sum());
    printCounts(out, "failures", stats.failures());
    out.printf("connect rate     %.0f connects/s (%d ready in %.2f s)%n",
        ready / Math.max(timings.rampSeconds(), 1e-9), ready, timings.rampSeconds());
    String probe = plan.readyProbe().name().toLowerCase();
    out.printf("connect latency  %s  (handshake → init → bind + %s → answered)%n",
        LatencyTrack.describe(stats.connect.total()), probe);
    out.printf("  handshake only %s%n", LatencyTrack.describe(stats.handshake.total()));
    if (timings.holdSeconds() > 0) {
      out.printf("hold             %.1f s%n", timings.holdSeconds());
    }
    out.printf("heartbeats       every %d s per connection: %d sent, round trip %s%n", plan.heartbeat().toSeconds(),
        stats.heartsSent.sum(), LatencyTrack.describe(stats.heartbeat.total()));
    if (timings.holdSeconds() > 0) {
      out.printf("  in the hold    %s%n", LatencyTrack.describe(stats.heldHeartbeat.total()));
    }
    out.printf("dropped          %d ready connections closed by the server%n", stats.dropped.sum());
    printCounts(out, "incidents", stats.incidents());
    out.printf("close            %d closed in %.2f s%n", stats.closedByUs.sum(), timings.closeSeconds());
    out.printf("client CPU       %.2f s during the ramp (%.0f µs per connect)%n", timings.clientCpuSeconds(),
        perConnect(timings.clientCpuSeconds() * 1e6, ready));
    servers.forEach(server -> printServer(out, server, ready));
    printMachine(out, ready);
    out.printf("duration         %.2f s%n", timings.totalSeconds());
  }

  /** Where the machine's CPU went during the ramp: this client, the named servers, anything else. */
  private void printMachine(PrintStream out, long ready) {
    if (timings.machineBusySeconds() < 0) {
      return;
    }
    double servers = this.servers.stream()
        .mapToDouble(server -> server.ready().cpuSeconds() - server.before().cpuSeconds()).sum();
    double others = Math.max(0, timings.machineBusySeconds() - timings.clientCpuSeconds() - servers);
    out.printf("machine CPU      %.2f of %.2f core-s busy during the ramp: client %.2f, servers %.2f "
            + "(%.0f µs per connect), anything else %.2f%n",
        timings.machineBusySeconds(), timings.rampSeconds() * Runtime.getRuntime().availableProcessors(),
        timings.clientCpuSeconds(), servers, perConnect(servers * 1e6, ready), others);
  }

  private void printServer(PrintStream out, ServerReadings server, long ready) {
    ServerProbe.Sample connected = server.held() != null ? server.held() : server.ready();
    if (server.before().rssKib() < 0 || connected.rssKib() < 0) {
      out.printf("server pid %d    not readable%n", server.pid());
      return;
    }
    out.printf("server pid %-6d RSS before %s, all ready %s%s, after close %s → %.1f KiB per connection%n",
        server.pid(), mib(server.before().rssKib()), mib(server.ready().rssKib()),
        server.held() == null ? "" : ", end of hold " + mib(server.held().rssKib()),
        mib(server.closed().rssKib()), perConnect(connected.rssKib() - server.before().rssKib(), ready));
    double cpu = server.ready().cpuSeconds() - server.before().cpuSeconds();
    out.printf("                  CPU %.2f s during the ramp (%.0f µs per connect)%n", cpu,
        perConnect(cpu * 1e6, ready));
  }

  private static void printCounts(PrintStream out, String title, Map<String, Long> counts) {
    if (counts.isEmpty()) {
      return;
    }
    out.printf("%s:%n", title);
    counts.forEach((what, count) -> out.printf("  %8d  %s%n", count, what));
  }

  private static double perConnect(double total, long ready) {
    return ready == 0 ? 0 : total / ready;
  }

  private static String mib(long kib) {
    return String.format("%.1f MiB", kib / 1024.0);
  }
}
