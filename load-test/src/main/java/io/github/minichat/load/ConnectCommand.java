package io.github.minichat.load;

import com.sun.management.UnixOperatingSystemMXBean;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The connect storm: N authenticated sockets, each through handshake → init → bind + heart (or sync) → answer, at a
 * target rate or as fast as the in-flight bound allows; then an optional hold with heartbeats; then all closed.
 */
@Command(name = "connect", mixinStandardHelpOptions = true,
    description = "Connect storm: opens N authenticated WebSockets, measures connect rate and latency, holds, closes.")
final class ConnectCommand implements Callable<Integer> {

  @Mixin
  ClientOptions client = new ClientOptions();

  private static final long CLOSE_WAIT_MS = 10_000;

  @Option(names = {"-n", "--connections"}, defaultValue = "1000",
      description = "sockets to open (default: ${DEFAULT-VALUE})")
  int connections;

  @Option(names = {"-r", "--rate"}, defaultValue = "0",
      description = "target connects/s, open loop; 0: as fast as possible (default: ${DEFAULT-VALUE})")
  double rate;

  @Option(names = "--ready-on", defaultValue = "heart",
      description = "frame sent after bind whose answer marks a connection ready: heart (gateway only) or sync "
          + "(also waits for the presence registration, plus one inbox query) (default: ${DEFAULT-VALUE})")
  ReadyProbe readyProbe;

  @Option(names = "--hold", defaultValue = "0s", converter = DurationConverter.class,
      description = "keep the connections open this long after the ramp, heartbeating (default: ${DEFAULT-VALUE})")
  Duration hold;

  @Option(names = "--heartbeat", defaultValue = "30s", converter = DurationConverter.class,
      description = "heartbeat period of open connections, as the seed client's (default: ${DEFAULT-VALUE})")
  Duration heartbeat;

  @Option(names = "--first-user", defaultValue = "1000000",
      description = "user id of the first connection; the others follow (default: ${DEFAULT-VALUE})")
  long firstUser;

  @Option(names = "--server-pid", split = ",",
      description = "server process(es) on this machine whose RSS and CPU to report (read from /proc)")
  List<Long> serverPids = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    StormPlan plan = plan();
    warnIfTooManyForFileDescriptors(plan.connections());
    StormStats stats = new StormStats();
    Vertx vertx = Vertx.vertx(ClientLoops.vertxOptions(client.eventLoops));
    try {
      return run(vertx, plan, stats);
    } finally {
      await(vertx.close());
    }
  }

  private StormPlan plan() {
    if (connections < 1 || client.inFlight < 1 || client.eventLoops < 1) {
      throw new IllegalArgumentException("--connections, --in-flight and --event-loops must be at least 1");
    }
    List<String> sources = SourceAddresses.resolve(client.sourceAddresses, connections);
    if (!sources.isEmpty() && !client.targets.stream().allMatch(GatewayTarget::loopback)) {
      throw new IllegalArgumentException("source addresses 127.0.0.x only reach loopback client.targets: "
          + "use --source-addresses none (or real local addresses) for remote gateways");
    }
    System.out.printf("minting %d tokens (users %d..%d)%n", connections, firstUser, firstUser + connections - 1);
    Tokens tokens = Tokens.mint(Tokens.secretFromEnvironment(), firstUser, connections,
        Duration.ofHours(24).plus(hold));
    return new StormPlan(connections, rate, client.inFlight, readyProbe, client.timeout, heartbeat,
        List.copyOf(client.targets), sources, tokens);
  }

  private int run(Vertx vertx, StormPlan plan, StormStats stats) throws InterruptedException {
    int loops = Math.min(client.eventLoops, plan.connections());
    List<StormVerticle> verticles = new ArrayList<>();
    for (int share = 0; share < loops; share++) {
      StormVerticle verticle = new StormVerticle(plan, stats, share, loops);
      await(vertx.deployVerticle(verticle));
      verticles.add(verticle);
    }
    List<ServerProbe> probes = serverPids.stream().map(ServerProbe::new).toList();
    List<ServerProbe.Sample> before = sample(probes);
    long clientCpuBefore = clientCpuNanos();
    double machineBusyBefore = MachineCpu.busySeconds();
    long begin = System.nanoTime();
    ProgressLine progress = new ProgressLine(stats);
    try {
      await(Future.all(verticles.stream().map(verticle -> verticle.begin(begin)).toList()));
      long rampEnd = Math.max(stats.lastSettledNanos(), begin);
      double clientCpu = (clientCpuNanos() - clientCpuBefore) / 1e9;
      double machineBusy = machineBusyBefore < 0 ? -1 : MachineCpu.busySeconds() - machineBusyBefore;
      List<ServerProbe.Sample> ready = sample(probes);

      List<ServerProbe.Sample> held = null;
      long holdStart = System.nanoTime();
      if (!hold.isZero()) {
        progress.phase("hold");
        stats.holding = true;
        Thread.sleep(hold.toMillis());
        stats.holding = false;
        held = sample(probes);
      }
      long closeStart = System.nanoTime();
      double heldSeconds = hold.isZero() ? 0 : (closeStart - holdStart) / 1e9;
      progress.phase("close");
      await(Future.all(verticles.stream().map(verticle -> verticle.closeAll(CLOSE_WAIT_MS)).toList()));
      long end = System.nanoTime();
      List<ServerProbe.Sample> closed = sample(probes);

      progress.close();
      new ConnectReport(plan, stats, new ConnectReport.Timings((rampEnd - begin) / 1e9, heldSeconds,
          (end - closeStart) / 1e9, (end - begin) / 1e9, clientCpu, machineBusy),
          readings(probes, before, ready, held, closed)).print(System.out);
    } finally {
      progress.close();
    }
    return stats.failed.sum() == 0 && stats.dropped.sum() == 0 ? 0 : 1;
  }

  private static List<ConnectReport.ServerReadings> readings(List<ServerProbe> probes, List<ServerProbe.Sample> before,
      List<ServerProbe.Sample> ready, List<ServerProbe.Sample> held, List<ServerProbe.Sample> closed) {
    List<ConnectReport.ServerReadings> readings = new ArrayList<>();
    for (int i = 0; i < probes.size(); i++) {
      readings.add(new ConnectReport.ServerReadings(probes.get(i).pid(), before.get(i), ready.get(i),
          held == null ? null : held.get(i), closed.get(i)));
    }
    return readings;
  }

  private static List<ServerProbe.Sample> sample(List<ServerProbe> probes) {
    return probes.stream().map(ServerProbe::sample).toList();
  }

  private static long clientCpuNanos() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  /** One process holds at most its descriptor limit of sockets (20,000 here, and it cannot be raised). */
  static void warnIfTooManyForFileDescriptors(int connections) {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
        && connections + 200 > unix.getMaxFileDescriptorCount()) {
      System.err.printf("warning: %d connections but this process may open only %d files (ulimit -n): "
          + "run several load-test processes with distinct --first-user and --source-addresses%n",
          connections, unix.getMaxFileDescriptorCount());
    }
  }

  private static <T> T await(Future<T> future) {
    return future.toCompletionStage().toCompletableFuture().join();
  }
}
