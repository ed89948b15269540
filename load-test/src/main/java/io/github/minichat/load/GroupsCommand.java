package io.github.minichat.load;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The groups scenario: one large group (most members offline) and many small ones (everyone online), created over
 * HTTP first; then every online member holds a socket and the members send, open loop at an aggregate rate, a share
 * of the messages to the large group and the rest to the small ones. Every message is accounted for at every online
 * member: received once, in order, within the drain; then the summary and the report files.
 */
@Command(name = "groups", mixinStandardHelpOptions = true,
    description = "Groups: one large group and many small ones; members send at an aggregate rate; every message is "
        + "accounted for at every online member (deliveries, lost, duplicated, out of order), its send → receipt "
        + "latency recorded, server CPU per delivery and PostgreSQL CPU per message measured.")
final class GroupsCommand implements Callable<Integer> {

  @Mixin
  ClientOptions client = new ClientOptions();

  @Option(names = "--large-members", defaultValue = "500",
      description = "members of the large group, its creator included (default: ${DEFAULT-VALUE})")
  int largeMembers;

  @Option(names = "--large-online", defaultValue = "100",
      description = "of them online, each with a socket (default: ${DEFAULT-VALUE})")
  int largeOnline;

  @Option(names = "--small-groups", defaultValue = "100", description = "small groups (default: ${DEFAULT-VALUE})")
  int smallGroups;

  @Option(names = "--small-members", defaultValue = "5",
      description = "members of each small group, all online (default: ${DEFAULT-VALUE})")
  int smallMembers;

  @Option(names = "--first-user", defaultValue = "6000000",
      description = "user id of the first user; the others follow (default: ${DEFAULT-VALUE})")
  long firstUser;

  @Option(names = "--rate", defaultValue = "200",
      description = "messages/s in all, open loop; latency from the intended send time (default: ${DEFAULT-VALUE})")
  double rate;

  @Option(names = "--large-share", defaultValue = "0.1",
      description = "fraction of the messages sent to the large group (default: ${DEFAULT-VALUE})")
  double largeShare;

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
      description = "after the last send, wait at most this long for acks and deliveries; a message some online "
          + "member has not received by then is lost (default: ${DEFAULT-VALUE})")
  Duration drain;

  @Option(names = "--server-pid", split = ",",
      description = "server process(es) on this machine: CPU and RSS from /proc, heap from --server-metrics or jcmd")
  List<Long> serverPids = new ArrayList<>();

  @Option(names = "--server-metrics", split = ",",
      description = "each --server-pid's Prometheus endpoint, same order, e.g. http://127.0.0.1:9090/metrics")
  List<String> serverMetrics = new ArrayList<>();

  @Option(names = "--db-pid",
      description = "the PostgreSQL postmaster on this machine: its and its children's CPU per message")
  Long databasePid;

  @Option(names = "--db-user",
      description = "instead of --db-pid: the CPU of every process of this user (e.g. postgres)")
  String databaseUser;

  @Option(names = "--baseline", defaultValue = "1s", converter = DurationConverter.class,
      description = "quiet time after connecting whose server CPU is subtracted from the CPU per delivery as "
          + "background; 0s: none (default: ${DEFAULT-VALUE})")
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
    GroupsPlan plan = plan();
    List<Integer> online = plan.onlineUsers();
    ConnectCommand.warnIfTooManyForFileDescriptors(online.size());
    ChatStats stats = new ChatStats();
    GroupLedger ledger = new GroupLedger();
    ServerSide servers = new ServerSide(serverPids, serverMetrics, false);
    DatabaseCpu database = new DatabaseCpu(databasePid, databasePid == null ? databaseUser : null);
    servers.read("idle", true);
    // every loop needs members of both kinds to send from: connection i (online user i) runs on loop i % loops
    int loopCount = Math.max(1, Math.min(client.eventLoops, Math.min(plan.largeOnline(),
        plan.smallGroups() == 0 ? plan.largeOnline() : plan.smallGroups() * plan.smallMembers())));
    try (ClientLoops loops = new ClientLoops(loopCount, online.size(), plan.targets(), plan.sourceAddresses());
         ChatProgress progress = new ChatProgress(stats, ledger::outstanding)) {
      System.out.printf("creating %d groups (1 of %d members, %d of %d)%n", plan.groups(), plan.largeMembers(),
          plan.smallGroups(), plan.smallMembers());
      long setupStart = System.nanoTime();
      long[] groupIds;
      try {
        groupIds = createGroups(loops, plan);
      } catch (CompletionException e) {
        System.out.printf("group setup failed: %s%n", e.getCause().getMessage());
        return 2;
      }
      double setupSeconds = (System.nanoTime() - setupStart) / 1e9;

      GroupUser[] users = new GroupUser[online.size()];
      for (int i = 0; i < users.length; i++) {
        int user = online.get(i);
        users[i] = new GroupUser(user, groupIds[plan.groupOf(user)], plan, stats, ledger);
      }
      long connectStart = System.nanoTime();
      ClientLoops.await(Connector.forEach(loops, indices(users.length), plan.inFlight(), i ->
          ConnectStart.open(loops, loops.loop(i), users[i].socket, i, plan.tokens().token(users[i].index),
                  ReadyProbe.HEART, plan.timeout())
              .onSuccess(ignored -> stats.connected.increment())
              .onFailure(e -> stats.connectFailed(ServerError.codeOf(e)))));
      double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
      if (stats.connectFailed.sum() > 0) {
        System.out.printf("%d of %d connections failed: %s%n", stats.connectFailed.sum(), users.length,
            stats.connectFailures());
        return 2;
      }
      List<GroupDriver> drivers = drivers(loops, users, plan);
      ClientLoops.await(Future.all(drivers.stream().map(GroupDriver::startHeartbeats).toList()));
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
      ChatCommand.sleepUntil(measureStart);
      progress.phase("measure");
      servers.read("measure_start", false);
      double databaseStart = database.cpuSeconds();
      double machineStart = MachineCpu.busySeconds();
      long clientCpuStart = ChatCommand.clientCpuNanos();
      ClientLoops.await(Future.all(sending));
      progress.phase("drain");
      long drainStart = System.nanoTime();
      while (!ledger.settled() && System.nanoTime() - drainStart < drain.toNanos()) {
        Thread.sleep(20);
      }
      long drained = System.nanoTime();
      double clientCpu = (ChatCommand.clientCpuNanos() - clientCpuStart) / 1e9;
      double databaseEnd = database.cpuSeconds();
      double machineEnd = MachineCpu.busySeconds();
      servers.read("drained", true);
      for (GroupDriver driver : drivers) {
        stats.unsent.add(ClientLoops.await(driver.abandonWaiting()));
      }
      progress.close();
      // the figures as the drain left them: closing fails whatever is still unanswered, which is no news
      var delivery = stats.delivery.total();
      var ack = stats.ack.total();
      GroupsReport.Timings timings = new GroupsReport.Timings(setupSeconds, connectSeconds,
          baseline.toMillis() / 1000.0, (end - measureStart) / 1e9, (drained - drainStart) / 1e9, clientCpu,
          databaseStart < 0 || databaseEnd < 0 ? -1 : databaseEnd - databaseStart,
          machineStart < 0 || machineEnd < 0 ? -1 : machineEnd - machineStart);
      summary = GroupsReport.summarize(plan, stats, ledger, ledger.tally(), timings, servers, database, delivery,
          ack);
      ClientLoops.await(Future.join(drivers.stream().map(GroupDriver::closeAll).toList()).recover(e -> null));
      System.out.println();
      System.out.print(summary.getString("text"));
      if (report != null) {
        ChatReport.write(report, summary, progress.seconds(), delivery, ack);
        System.out.printf("report        %s (summary.json, report.html)%n", report.toAbsolutePath());
      }
      return summary.getBoolean("ok") ? 0 : 1;
    }
  }

  private GroupsPlan plan() {
    if (client.eventLoops < 1) {
      throw new IllegalArgumentException("--event-loops at least 1");
    }
    int users = largeMembers + smallGroups * smallMembers;
    System.out.printf("minting %d tokens (users %d..%d)%n", users, firstUser, firstUser + users - 1);
    Tokens tokens = Tokens.mint(secret != null ? secret : Tokens.secretFromEnvironment(), firstUser, users,
        Duration.ofHours(24));
    int sockets = largeOnline + smallGroups * smallMembers;
    return new GroupsPlan(largeMembers, largeOnline, smallGroups, smallMembers, rate, largeShare, warmup, duration,
        textBytes, window, client.inFlight, client.timeout, drain, List.copyOf(client.targets),
        SourceAddresses.resolve(client.sourceAddresses, sockets), tokens);
  }

  /** Over HTTP, from the first gateway, before anyone connects: the members' sockets then get no setup pushes. */
  private static long[] createGroups(ClientLoops loops, GroupsPlan plan) {
    ClientLoops.Loop loop = loops.loop(0);
    HttpClient http = loop.vertx().createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) plan.timeout().toMillis()));
    try {
      String runName = "load " + plan.tokens().userId(0);
      return ClientLoops.await(loop.run(() -> new GroupSetup(http, plan.targets().get(0), plan, runName)
          .createAll(Math.min(8, plan.inFlight()))));
    } finally {
      ClientLoops.await(http.close());
    }
  }

  private static List<GroupDriver> drivers(ClientLoops loops, GroupUser[] users, GroupsPlan plan) {
    List<GroupDriver> drivers = new ArrayList<>();
    for (int number = 0; number < loops.size(); number++) {
      List<GroupUser> own = new ArrayList<>();
      for (int i = number; i < users.length; i += loops.size()) {
        own.add(users[i]);
      }
      drivers.add(new GroupDriver(loops.loop(number), number, loops.size(), own, plan));
    }
    return drivers;
  }

  private static List<Integer> indices(int count) {
    return IntStream.range(0, count).boxed().toList();
  }
}
