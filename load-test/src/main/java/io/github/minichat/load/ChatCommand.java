package io.github.minichat.load;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The chat scenario: N bound users talking in pairs or each to k random peers, open loop at an aggregate rate (or
 * closed loop, each connection keeping a window of sends in flight), every message numbered and time-stamped and
 * accounted for at both ends; then a drain, the summary and the report files.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
    description = "Chat: users in pairs (or with k peers) send at an aggregate rate; every message is accounted for "
        + "(sent, acked, delivered, lost, duplicated) and its send → delivery latency recorded.")
final class ChatCommand implements Callable<Integer> {

  @Mixin
  ClientOptions client = new ClientOptions();

  @Option(names = "--users", defaultValue = "200",
      description = "connections, one per user (default: ${DEFAULT-VALUE})")
  int users;

  @Option(names = "--first-user", defaultValue = "2000000",
      description = "user id of the first user; the others follow (default: ${DEFAULT-VALUE})")
  long firstUser;

  @Option(names = "--mode", defaultValue = "pairs", description = "pairs or peers (default: ${DEFAULT-VALUE})")
  ChatMode mode;

  @Option(names = "--peers", defaultValue = "4",
      description = "peers per user in peers mode (default: ${DEFAULT-VALUE})")
  int peers;

  @Option(names = "--rate", defaultValue = "1000",
      description = "messages/s in all, open loop (latency from the intended send time); 0: closed loop, each "
          + "connection keeps --window sends in flight, for the throughput ceiling (default: ${DEFAULT-VALUE})")
  double rate;

  @Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
      description = "measured sending time (default: ${DEFAULT-VALUE})")
  Duration duration;

  @Option(names = "--warmup", defaultValue = "2s", converter = DurationConverter.class,
      description = "sending before the measured time; accounted for, not in latency and rates "
          + "(default: ${DEFAULT-VALUE})")
  Duration warmup;

  @Option(names = "--text-bytes", defaultValue = "100",
      description = "characters in each message's data (default: ${DEFAULT-VALUE})")
  int textBytes;

  @Option(names = "--window", defaultValue = "16",
      description = "unanswered sends per connection at most; a due send beyond waits and counts as late "
          + "(default: ${DEFAULT-VALUE})")
  int window;

  @Option(names = "--drain", defaultValue = "10s", converter = DurationConverter.class,
      description = "after the last send, wait at most this long for acks and deliveries (default: ${DEFAULT-VALUE})")
  Duration drain;

  @Option(names = "--target", defaultValue = "chat",
      description = "chat (a minichat gateway) or echo (the bare echo-server: each echoed frame counts as "
          + "delivered) (default: ${DEFAULT-VALUE})")
  ChatTarget target;

  @Option(names = "--server-pid", split = ",",
      description = "server process(es) on this machine: CPU and RSS from /proc, heap from --server-metrics or jcmd")
  List<Long> serverPids = new ArrayList<>();

  @Option(names = "--server-metrics", split = ",",
      description = "each --server-pid's Prometheus endpoint, same order, e.g. http://127.0.0.1:9090/metrics")
  List<String> serverMetrics = new ArrayList<>();

  @Option(names = "--live-heap", description = "full GC (jcmd GC.run) before each heap reading: live bytes only")
  boolean liveHeap;

  @Option(names = "--baseline", defaultValue = "1s", converter = DurationConverter.class,
      description = "quiet time after connecting whose server CPU (heartbeats, timers) is subtracted from the CPU "
          + "per message as background; 0s: none (default: ${DEFAULT-VALUE})")
  Duration baseline;

  @Option(names = "--report", description = "directory for summary.json, report.html and the latency histogram")
  Path report;

  /** The signing secret; the environment's (CHAT_JWT_SECRET) unless set by an embedding test. */
  String secret;

  private JsonObject summary;

  JsonObject summary() {
    return summary;
  }

  @Override
  public Integer call() throws Exception {
    ChatPlan plan = plan();
    ConnectCommand.warnIfTooManyForFileDescriptors(users);
    ChatStats stats = new ChatStats();
    ServerSide servers = new ServerSide(serverPids, serverMetrics, liveHeap);
    servers.read("idle", true);
    try (ClientLoops loops = new ClientLoops(Math.min(client.eventLoops, users), users, plan.targets(),
        plan.sourceAddresses()); ChatProgress progress = new ChatProgress(stats)) {
      List<ChatDriver> drivers = drivers(plan, stats, loops);
      long connectStart = System.nanoTime();
      ClientLoops.await(Future.all(drivers.stream().map(ChatDriver::connect).toList()));
      double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
      if (stats.connectFailed.sum() > 0) {
        System.out.printf("%d of %d connections failed: %s%n", stats.connectFailed.sum(), users,
            stats.connectFailures());
        return 2;
      }
      servers.read("connected", true);
      if (!servers.isEmpty() && !baseline.isZero()) {
        servers.read("quiet_start", false);
        Thread.sleep(baseline.toMillis());
        servers.read("quiet_end", false);
      }

      long begin = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      long measureStart = begin + warmup.toNanos();
      long end = measureStart + duration.toNanos();
      stats.measureStartNanos = measureStart;
      progress.phase(warmup.isZero() ? "measure" : "warmup");
      List<Future<Void>> sending = drivers.stream().map(driver -> driver.send(begin, end)).toList();
      sleepUntil(measureStart);
      progress.phase("measure");
      servers.read("measure_start", false);
      long clientCpuStart = clientCpuNanos();
      ClientLoops.await(Future.all(sending));
      progress.phase("drain");
      long drainStart = System.nanoTime();
      while (!stats.settled() && System.nanoTime() - drainStart < drain.toNanos()) {
        Thread.sleep(20);
      }
      long drained = System.nanoTime();
      double clientCpu = (clientCpuNanos() - clientCpuStart) / 1e9;
      servers.read("drained", true);
      for (ChatDriver driver : drivers) {
        stats.unsent.add(ClientLoops.await(driver.abandonWaiting()));
      }
      progress.close();
      // the figures as the drain left them: closing fails whatever is still unanswered, which is no news
      var delivery = stats.delivery.total();
      var ack = stats.ack.total();
      ChatReport.Timings timings = new ChatReport.Timings(connectSeconds, baseline.toMillis() / 1000.0,
          (end - measureStart) / 1e9, (drained - drainStart) / 1e9, clientCpu);
      summary = ChatReport.summarize(plan, stats, timings, servers, delivery, ack);
      ClientLoops.await(Future.join(drivers.stream().map(ChatDriver::closeAll).toList()).recover(e -> null));
      System.out.println();
      System.out.print(summary.getString("text"));
      if (report != null) {
        ChatReport.write(report, summary, progress.seconds(), delivery, ack);
        System.out.printf("report        %s (summary.json, report.html)%n", report.toAbsolutePath());
      }
      return summary.getBoolean("ok") ? 0 : 1;
    }
  }

  private ChatPlan plan() {
    if (users < 2 || window < 1 || client.inFlight < 1 || client.eventLoops < 1 || textBytes < 24) {
      throw new IllegalArgumentException("--users at least 2, --window, --in-flight, --event-loops at least 1, "
          + "--text-bytes at least 24");
    }
    if (mode == ChatMode.PAIRS && users % 2 != 0 && target == ChatTarget.CHAT) {
      throw new IllegalArgumentException("pairs mode needs an even number of --users");
    }
    if (mode == ChatMode.PEERS && (peers < 1 || peers >= users)) {
      throw new IllegalArgumentException("--peers must be 1.." + (users - 1));
    }
    List<String> sources = SourceAddresses.resolve(client.sourceAddresses, users);
    Tokens tokens;
    if (target == ChatTarget.ECHO) {
      tokens = Tokens.unsigned(firstUser, users);
    } else {
      System.out.printf("minting %d tokens (users %d..%d)%n", users, firstUser, firstUser + users - 1);
      tokens = Tokens.mint(secret != null ? secret : Tokens.secretFromEnvironment(), firstUser, users,
          Duration.ofHours(24));
    }
    return new ChatPlan(users, target, mode, peers, rate, warmup, duration, textBytes, window, client.inFlight,
        client.timeout, drain, List.copyOf(client.targets), sources, tokens);
  }

  private static List<ChatDriver> drivers(ChatPlan plan, ChatStats stats, ClientLoops loops) {
    List<List<ChatUser>> perLoop = new ArrayList<>();
    for (int i = 0; i < loops.size(); i++) {
      perLoop.add(new ArrayList<>());
    }
    for (int index = 0; index < plan.users(); index++) {
      long[] peers = peersOf(plan, index);
      perLoop.get(index % loops.size()).add(new ChatUser(index, plan.tokens().userId(index), peers, plan, stats));
    }
    List<ChatDriver> drivers = new ArrayList<>();
    for (int i = 0; i < loops.size(); i++) {
      drivers.add(new ChatDriver(loops, loops.loop(i), perLoop.get(i), plan, stats));
    }
    return drivers;
  }

  /** Pairs: 0↔1, 2↔3…; peers: k distinct others drawn at random (seeded by the index: the same every run). */
  static long[] peersOf(ChatPlan plan, int index) {
    if (plan.mode() == ChatMode.PAIRS) {
      return new long[] {plan.tokens().userId(index ^ 1)};
    }
    Random random = new Random(31L * index + 7);
    java.util.LinkedHashSet<Integer> chosen = new java.util.LinkedHashSet<>();
    while (chosen.size() < plan.peers()) {
      int peer = random.nextInt(plan.users());
      if (peer != index) {
        chosen.add(peer);
      }
    }
    return chosen.stream().mapToLong(peer -> plan.tokens().userId(peer)).toArray();
  }

  static void sleepUntil(long nanos) throws InterruptedException {
    long wait = nanos - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }

  static long clientCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean sun
        ? sun.getProcessCpuTime() : 0;
  }
}
