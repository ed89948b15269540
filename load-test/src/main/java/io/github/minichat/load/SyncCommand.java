package io.github.minichat.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Offline burst and sync on reconnect: users in pairs; the second of each pair notes its inbox cursor and goes
 * offline, the first sends it M messages (acknowledged, so stored); then every offline user reconnects at once and
 * pages through {@code sync} from its cursor. Each message must arrive exactly once; the catch-up time is measured
 * per user (reconnect → last page) and for all.
 */
@Command(name = "sync", mixinStandardHelpOptions = true,
    description = "Offline burst + sync on reconnect: half the users go offline, the others send them M messages "
        + "each; the offline ones reconnect and page through sync. Checks exactly-once; measures catch-up time.")
final class SyncCommand implements Callable<Integer> {

  @Mixin
  ClientOptions client = new ClientOptions();

  @Option(names = "--users", defaultValue = "200", description = "users, an even number (default: ${DEFAULT-VALUE})")
  int users;

  @Option(names = "--first-user", defaultValue = "4000000",
      description = "user id of the first user (default: ${DEFAULT-VALUE})")
  long firstUser;

  @Option(names = "--messages", defaultValue = "100",
      description = "messages each offline user receives (default: ${DEFAULT-VALUE})")
  int messages;

  @Option(names = "--page", defaultValue = "500", description = "sync page size asked for (default: ${DEFAULT-VALUE})")
  int page;

  @Option(names = "--window", defaultValue = "16",
      description = "unacknowledged sends per sender at most (default: ${DEFAULT-VALUE})")
  int window;

  @Option(names = "--text-bytes", defaultValue = "100",
      description = "characters per message (default: ${DEFAULT-VALUE})")
  int textBytes;

  @Option(names = "--report", description = "directory for summary.json")
  Path report;

  /** The signing secret; the environment's (CHAT_JWT_SECRET) unless set by an embedding test. */
  String secret;

  private final LongAdder connectFailed = new LongAdder();
  private final LongAdder sent = new LongAdder();
  private final LongAdder acked = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LongAdder duplicated = new LongAdder();
  private final LongAdder unexpected = new LongAdder();
  private final LongAdder pages = new LongAdder();
  private final LongAdder caughtUp = new LongAdder();
  private final LongAdder syncFailed = new LongAdder();
  private final LongAdder pushedWhileCatchingUp = new LongAdder();
  private final LatencyTrack catchUp = new LatencyTrack();
  private volatile String phase = "connect";
  private JsonObject summary;

  JsonObject summary() {
    return summary;
  }

  @Override
  public Integer call() throws Exception {
    if (users < 2 || users % 2 != 0 || messages < 1 || page < 1 || window < 1) {
      throw new IllegalArgumentException("--users must be even and at least 2; --messages, --page, --window >= 1");
    }
    ConnectCommand.warnIfTooManyForFileDescriptors(users);
    Tokens tokens = Tokens.mint(secret != null ? secret : Tokens.secretFromEnvironment(), firstUser, users,
        Duration.ofHours(24));
    String padding = "|" + "x".repeat(Math.max(1, textBytes - 20));
    ChatSocket[] sockets = new ChatSocket[users];
    long[] cursors = new long[users];
    BitSet[] seen = new BitSet[users];
    List<Integer> senders = IntStream.range(0, users).filter(i -> i % 2 == 0).boxed().toList();
    List<Integer> offline = IntStream.range(0, users).filter(i -> i % 2 == 1).boxed().toList();
    try (ClientLoops loops = new ClientLoops(Math.min(client.eventLoops, users), users, List.copyOf(client.targets),
        SourceAddresses.resolve(client.sourceAddresses, users));
         Ticker ticker = new Ticker(() -> String.format("%-8s sent %d acked %d refused %d | caught up %d/%d "
                 + "received %d duplicated %d pages %d", phase, sent.sum(), acked.sum(), refused.sum(), caughtUp.sum(),
             offline.size(), received.sum(), duplicated.sum(), pages.sum()))) {
      // everyone online; the offline-to-be note where their inbox ends
      List<Integer> all = IntStream.range(0, users).boxed().toList();
      await(Connector.forEach(loops, all, client.inFlight, i -> {
        sockets[i] = new ChatSocket(tokens.userId(i), ChatTarget.CHAT, pushCounter(null, 0));
        Future<Void> open = ConnectStart.open(loops, loops.loop(i), sockets[i], i, tokens.token(i), ReadyProbe.HEART,
            client.timeout);
        return (i % 2 == 1 ? open.compose(ignored -> drain(sockets[i], i, cursors, null, 0)) : open)
            .onFailure(e -> connectFailed.increment());
      }));
      if (connectFailed.sum() > 0) {
        System.out.printf("%d connections failed%n", connectFailed.sum());
        return 2;
      }
      phase = "offline";
      await(Connector.forEach(loops, offline, client.inFlight, i -> sockets[i].close()));

      phase = "burst";
      long burstStart = System.nanoTime();
      await(Connector.forEach(loops, senders, senders.size(), i ->
          burst(sockets[i], tokens.userId(i + 1), padding)));
      double burstSeconds = (System.nanoTime() - burstStart) / 1e9;

      phase = "catch-up";
      long catchUpStart = System.nanoTime();
      await(Connector.forEach(loops, offline, client.inFlight, i -> {
        long start = System.nanoTime();
        seen[i] = new BitSet(messages);
        sockets[i] = new ChatSocket(tokens.userId(i), ChatTarget.CHAT, pushCounter(seen[i], tokens.userId(i - 1)));
        return ConnectStart.open(loops, loops.loop(i), sockets[i], i, tokens.token(i), ReadyProbe.HEART, client.timeout)
            .compose(ignored -> drain(sockets[i], i, cursors, seen[i], tokens.userId(i - 1)))
            .onSuccess(ignored -> {
              caughtUp.increment();
              catchUp.recordNanos(System.nanoTime() - start);
            })
            .onFailure(e -> syncFailed.increment());
      }));
      double catchUpSeconds = (System.nanoTime() - catchUpStart) / 1e9;
      long missing = offline.stream().mapToLong(i -> seen[i] == null ? messages
          : messages - seen[i].cardinality()).sum();
      ticker.close();
      await(Connector.forEach(loops, all, client.inFlight, i -> sockets[i].close()));

      summary = summarize(burstSeconds, catchUpSeconds, missing, offline.size());
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

  /** Sends this sender's M messages to its peer, a window at a time; completes when all are answered. */
  private Future<Void> burst(ChatSocket socket, long peer, String padding) {
    Promise<Void> done = Promise.promise();
    int[] next = {0};
    int[] answered = {0};
    Runnable[] sendOne = new Runnable[1];
    sendOne[0] = () -> {
      int n = next[0]++;
      sent.increment();
      socket.say(peer, socket.userId() + "-" + n, System.nanoTime() + padding).onComplete(answer -> {
        (answer.succeeded() ? acked : refused).increment();
        if (next[0] < messages) {
          sendOne[0].run();
        }
        if (++answered[0] == messages) {
          done.complete();
        }
      });
    };
    for (int i = 0; i < Math.min(window, messages); i++) {
      sendOne[0].run();
    }
    return done.future();
  }

  /**
   * Pages through sync from the user's cursor until {@code has_more} is false, leaving the cursor at the end. With
   * {@code seen}, checks every message: from {@code peer}, numbered below M, not seen before.
   */
  private Future<Void> drain(ChatSocket socket, int index, long[] cursors, BitSet seen, long peer) {
    return socket.sync(cursors[index], page).compose(frame -> {
      pages.increment();
      JsonArray batch = frame.getJsonArray("messages", new JsonArray());
      if (seen != null) {
        for (int i = 0; i < batch.size(); i++) {
          check(batch.getJsonObject(i).getString("cid", ""), seen, peer);
        }
      }
      cursors[index] = frame.getLong("cursor", cursors[index]);
      return frame.getBoolean("has_more", false) && !batch.isEmpty()
          ? drain(socket, index, cursors, seen, peer) : Future.succeededFuture();
    });
  }

  private void check(String cid, BitSet seen, long peer) {
    int dash = cid.lastIndexOf('-');
    if (dash < 1 || !cid.substring(0, dash).equals(Long.toString(peer))) {
      unexpected.increment();
      return;
    }
    int n = Integer.parseInt(cid.substring(dash + 1));
    if (n >= messages) {
      unexpected.increment();
    } else if (seen.get(n)) {
      duplicated.increment();
    } else {
      seen.set(n);
      received.increment();
    }
  }

  /**
   * Counts pushes; with {@code seen}, a reconnected user's, each also checked and counted as received: a message
   * stored just before the reconnect may be pushed on the new connection, and then its sync leaves it out.
   */
  private ChatSocket.Pushes pushCounter(BitSet seen, long peer) {
    return (socket, cid, data) -> {
      pushedWhileCatchingUp.increment();
      if (seen != null) {
        check(cid == null ? "" : cid, seen, peer);
      }
    };
  }

  private JsonObject summarize(double burstSeconds, double catchUpSeconds, long missing, int offlineUsers) {
    Percentiles latency = Percentiles.of(catchUp.total());
    long expected = (long) offlineUsers * messages;
    boolean ok = refused.sum() == 0 && missing == 0 && duplicated.sum() == 0 && unexpected.sum() == 0
        && syncFailed.sum() == 0 && acked.sum() == expected;
    JsonObject s = new JsonObject().put("scenario", "sync").put("users", users).put("offline_users", offlineUsers)
        .put("messages_per_offline_user", messages).put("page", page)
        .put("messages", new JsonObject().put("sent", sent.sum()).put("acked", acked.sum())
            .put("refused", refused.sum()).put("received", received.sum()).put("lost", missing)
            .put("duplicated", duplicated.sum()).put("unexpected", unexpected.sum())
            .put("pushed_while_catching_up", pushedWhileCatchingUp.sum()))
        .put("burst_seconds", burstSeconds).put("burst_per_s", sent.sum() / Math.max(burstSeconds, 1e-9))
        .put("catch_up", new JsonObject().put("seconds_all", catchUpSeconds).put("users_caught_up", caughtUp.sum())
            .put("failed", syncFailed.sum()).put("pages", pages.sum())
            .put("messages_per_s", received.sum() / Math.max(catchUpSeconds, 1e-9))
            .put("per_user_us", latency.toJson()))
        .put("ok", ok);
    String text = String.format("== offline burst + sync ==%n"
            + "load          %d users: %d offline, %d messages each, sync pages of %d%n"
            + "burst         sent %d  acked %d  refused %d in %.2f s (%.0f msg/s)%n"
            + "catch-up      %d/%d users caught up in %.2f s (%.0f msg/s), %d pages, %d failed%n"
            + "per user      reconnect → last page: %s%n"
            + "messages      expected %d  received %d  lost %d  duplicated %d  unexpected %d%n"
            + "verdict       %s%n",
        users, offlineUsers, messages, page, sent.sum(), acked.sum(), refused.sum(), burstSeconds,
        sent.sum() / Math.max(burstSeconds, 1e-9), caughtUp.sum(), offlineUsers, catchUpSeconds,
        received.sum() / Math.max(catchUpSeconds, 1e-9), pages.sum(), syncFailed.sum(), latency, expected,
        received.sum(), missing, duplicated.sum(), unexpected.sum(),
        ok ? "OK: every message arrived exactly once" : "NOT OK");
    return s.put("text", text);
  }

  private static void await(Future<?> future) {
    ClientLoops.await(future);
  }
}
