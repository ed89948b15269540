package io.github.minichat.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The reconnect storm: N users bound, then every socket dropped at once from the client side, and every user comes
 * back as a real client would: after a backoff with full jitter (uniform in [0, backoff]), doubling per failed
 * attempt up to a maximum; {@code --no-jitter} makes everyone retry at the same instant, the worst case. Measures
 * the time until all are bound again, the reconnect rate, each user's time back and the failed attempts.
 */
@Command(name = "reconnect", mixinStandardHelpOptions = true,
    description = "Reconnect storm: N bound, all dropped at once, all come back with jittered backoff; measures "
        + "time until all are re-bound, connects/s and failures.")
final class ReconnectCommand implements Callable<Integer> {

  @Mixin
  ClientOptions client = new ClientOptions();

  @Option(names = "--users", defaultValue = "1000",
      description = "connections, one per user (default: ${DEFAULT-VALUE})")
  int users;

  @Option(names = "--first-user", defaultValue = "5000000",
      description = "user id of the first user (default: ${DEFAULT-VALUE})")
  long firstUser;

  @Option(names = "--hold", defaultValue = "2s", converter = DurationConverter.class,
      description = "time connected before the drop (default: ${DEFAULT-VALUE})")
  Duration hold;

  @Option(names = "--backoff", defaultValue = "1s", converter = DurationConverter.class,
      description = "first backoff; doubles per failed attempt (default: ${DEFAULT-VALUE})")
  Duration backoff;

  @Option(names = "--max-backoff", defaultValue = "30s", converter = DurationConverter.class,
      description = "largest backoff (default: ${DEFAULT-VALUE})")
  Duration maxBackoff;

  @Option(names = "--no-jitter", description = "every user waits exactly the backoff: all retry at the same instant")
  boolean noJitter;

  @Option(names = "--ready-on", defaultValue = "heart",
      description = "frame after bind whose answer marks a user back: heart or sync (default: ${DEFAULT-VALUE})")
  ReadyProbe readyProbe;

  @Option(names = "--give-up", defaultValue = "120s", converter = DurationConverter.class,
      description = "after the drop, stop retrying after this long (default: ${DEFAULT-VALUE})")
  Duration giveUp;

  @Option(names = "--server-pid", split = ",", description = "server process(es): CPU and RSS from /proc")
  List<Long> serverPids = new ArrayList<>();

  @Option(names = "--report", description = "directory for summary.json")
  Path report;

  /** The signing secret; the environment's (CHAT_JWT_SECRET) unless set by an embedding test. */
  String secret;

  private final LongAdder bound = new LongAdder();
  private final LongAdder connectFailed = new LongAdder();
  private final LongAdder attempts = new LongAdder();
  private final LongAdder back = new LongAdder();
  private final LongAdder gaveUp = new LongAdder();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final LatencyTrack timeBack = new LatencyTrack();
  private final AtomicLong lastBackNanos = new AtomicLong();
  private final AtomicLong firstAttemptNanos = new AtomicLong(Long.MAX_VALUE);
  private volatile String phase = "connect";

  @Override
  public Integer call() throws Exception {
    if (users < 1 || client.inFlight < 1 || backoff.isNegative() || maxBackoff.compareTo(backoff) < 0) {
      throw new IllegalArgumentException("--users, --in-flight >= 1; --max-backoff >= --backoff");
    }
    ConnectCommand.warnIfTooManyForFileDescriptors(users);
    Tokens tokens = Tokens.mint(secret != null ? secret : Tokens.secretFromEnvironment(), firstUser, users,
        Duration.ofHours(24));
    ChatSocket[] sockets = new ChatSocket[users];
    ServerSide servers = new ServerSide(serverPids, List.of(), false);
    List<Integer> all = IntStream.range(0, users).boxed().toList();
    try (ClientLoops loops = new ClientLoops(Math.min(client.eventLoops, users), users, List.copyOf(client.targets),
        SourceAddresses.resolve(client.sourceAddresses, users));
         Ticker ticker = new Ticker(() -> String.format("%-9s bound %d  failed %d | attempts %d  back %d/%d  "
                 + "failed attempts %d  gave up %d", phase, bound.sum(), connectFailed.sum(), attempts.sum(),
             back.sum(), users, failures.values().stream().mapToLong(LongAdder::sum).sum(), gaveUp.sum()))) {
      ClientLoops.await(Connector.forEach(loops, all, client.inFlight, i -> {
        sockets[i] = new ChatSocket(tokens.userId(i), ChatTarget.CHAT, (socket, cid, data) -> { });
        return ConnectStart.open(loops, loops.loop(i), sockets[i], i, tokens.token(i), readyProbe, client.timeout)
            .onSuccess(ignored -> bound.increment()).onFailure(e -> connectFailed.increment());
      }));
      if (connectFailed.sum() > 0) {
        System.out.printf("%d of %d connections failed; no storm%n", connectFailed.sum(), users);
        return 2;
      }
      phase = "hold";
      Thread.sleep(hold.toMillis());
      servers.read("before_drop", false);

      phase = "reconnect";
      long drop = System.nanoTime();
      ClientLoops.await(Connector.forEach(loops, all, users, i -> {
        sockets[i].close(); // not awaited: the client is gone at once, as when a network drops
        return comeBack(loops, sockets, i, tokens, drop, 0);
      }));
      long end = System.nanoTime();
      servers.read("all_back", false);
      ticker.close();
      ClientLoops.await(Connector.forEach(loops, all, client.inFlight, i -> sockets[i].close()));

      JsonObject summary = summarize(drop, end, servers);
      System.out.println();
      System.out.print(summary.getString("text"));
      if (report != null) {
        Files.createDirectories(report);
        Files.writeString(report.resolve("summary.json"), summary.encodePrettily() + "\n");
        System.out.printf("report        %s%n", report.resolve("summary.json").toAbsolutePath());
      }
      return summary.getBoolean("ok") ? 0 : 1;
    }
  }

  /** Waits the backoff of attempt {@code attempt}, then tries; on failure, the next attempt. On the user's loop. */
  private Future<Void> comeBack(ClientLoops loops, ChatSocket[] sockets, int i, Tokens tokens, long drop, int attempt) {
    ClientLoops.Loop loop = loops.loop(i);
    long ceiling = Math.min(maxBackoff.toMillis(), backoff.toMillis() << Math.min(attempt, 20));
    long delay = noJitter ? ceiling : ThreadLocalRandom.current().nextLong(ceiling + 1);
    Promise<Void> done = Promise.promise();
    loop.vertx().setTimer(Math.max(1, delay), id -> {
      attempts.increment();
      firstAttemptNanos.accumulateAndGet(System.nanoTime(), Math::min);
      ChatSocket socket = new ChatSocket(tokens.userId(i), ChatTarget.CHAT, (s, cid, data) -> { });
      ConnectStart.open(loops, loop, socket, i, tokens.token(i), readyProbe, client.timeout).onComplete(result -> {
        if (result.succeeded()) {
          long now = System.nanoTime();
          back.increment();
          timeBack.recordNanos(now - drop);
          lastBackNanos.accumulateAndGet(now, Math::max);
          sockets[i] = socket; // kept open, as a real client's, and closed at the end
          done.complete();
        } else if (System.nanoTime() - drop > giveUp.toNanos()) {
          failures.computeIfAbsent(ServerError.codeOf(result.cause()), k -> new LongAdder()).increment();
          gaveUp.increment();
          done.complete();
        } else {
          failures.computeIfAbsent(ServerError.codeOf(result.cause()), k -> new LongAdder()).increment();
          comeBack(loops, sockets, i, tokens, drop, attempt + 1).onComplete(done);
        }
      });
    });
    return done.future();
  }

  private JsonObject summarize(long drop, long end, ServerSide servers) {
    Percentiles latency = Percentiles.of(timeBack.total());
    double allBack = (lastBackNanos.get() - drop) / 1e9;
    double window = Math.max((lastBackNanos.get() - firstAttemptNanos.get()) / 1e9, 1e-9);
    double rate = back.sum() / window;
    Map<String, Long> failed = ChatStats.snapshot(failures);
    long failedAttempts = failed.values().stream().mapToLong(Long::longValue).sum();
    double serverCpu = servers.cpuSeconds("before_drop", "all_back");
    boolean ok = back.sum() == users && gaveUp.sum() == 0;
    JsonObject s = new JsonObject().put("scenario", "reconnect").put("users", users)
        .put("backoff_ms", backoff.toMillis()).put("max_backoff_ms", maxBackoff.toMillis()).put("jitter", !noJitter)
        .put("ready_on", readyProbe.name().toLowerCase())
        .put("back", back.sum()).put("gave_up", gaveUp.sum()).put("attempts", attempts.sum())
        .put("failed_attempts", failedAttempts).put("failures", ChatReport.counts(failed))
        .put("seconds_until_all_back", allBack).put("connects_per_s", rate)
        .put("time_back_us", latency.toJson())
        .put("server_cpu_seconds", serverCpu)
        .put("server_cpu_us_per_connect", back.sum() == 0 ? 0 : serverCpu * 1e6 / back.sum())
        .put("ok", ok);
    String text = String.format("== reconnect storm ==%n"
            + "load          %d users dropped at once; backoff %d ms%s, doubling up to %d ms; ready on %s%n"
            + "back          %d/%d in %.2f s after the drop (%.0f connects/s from the first attempt), gave up %d%n"
            + "attempts      %d, failed %d %s%n"
            + "time back     drop → bound again: %s%n"
            + "server CPU    %.2f s (%.0f µs per reconnect)%n"
            + "verdict       %s%n",
        users, backoff.toMillis(), noJitter ? " without jitter" : " with full jitter", maxBackoff.toMillis(),
        readyProbe.name().toLowerCase(), back.sum(), users, allBack, rate, gaveUp.sum(), attempts.sum(),
        failedAttempts, failed.isEmpty() ? "" : failed.toString(), latency, serverCpu,
        back.sum() == 0 ? 0 : serverCpu * 1e6 / back.sum(), ok ? "OK: every user came back" : "NOT OK");
    return s.put("text", text);
  }
}
