package io.github.minichat.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Keeps the load generator from rotting: short runs of its scenarios against the whole system (in-process, fresh
 * database) whose accounting must close: nothing lost, nothing duplicated, nothing refused. Not a benchmark.
 */
class LoadToolSmokeTest {

  private static InProcessSystem system;
  private static String url;

  @BeforeAll
  static void startSystem() {
    system = InProcessSystem.start("load_smoke");
    url = system.url();
  }

  @AfterAll
  static void stopSystem() {
    if (system != null) {
      system.close();
    }
  }

  @Test
  @DisplayName("a 3-second chat run of 20 users at 200 msg/s accounts for every message and writes its report")
  void chatRunAccountsForEveryMessage(@TempDir Path reports) throws Exception {
    // the drain ends as soon as everything is accounted for; its long bound only spares a busy CI machine a failure
    ChatCommand chat = new ChatCommand();
    new CommandLine(chat).setCaseInsensitiveEnumValuesAllowed(true).parseArgs("--users", "20", "--rate", "200",
        "--warmup", "1s", "--duration", "3s", "--drain", "20s", "--baseline", "0s", "--event-loops", "2", "-u", url,
        "--server-pid", Long.toString(ProcessHandle.current().pid()), "--report", reports.toString());
    chat.secret = InProcessSystem.SECRET;

    int exit = chat.call();

    JsonObject summary = chat.summary();
    JsonObject messages = summary.getJsonObject("messages");
    assertThat(messages.getLong("sent")).isBetween(798L, 802L); // 200/s over 1 s warm-up + 3 s
    assertThat(messages.getLong("acked")).isEqualTo(messages.getLong("sent"));
    assertThat(messages.getLong("delivered")).isEqualTo(messages.getLong("sent"));
    assertThat(messages.getLong("lost")).isZero();
    assertThat(messages.getLong("duplicated")).isZero();
    assertThat(messages.getLong("unexpected")).isZero();
    assertThat(summary.getJsonObject("errors")).isEmpty();
    assertThat(summary.getJsonObject("latency_us").getJsonObject("delivery").getLong("count")).isBetween(598L, 602L);
    assertThat(summary.getJsonObject("latency_us").getJsonObject("ack").getLong("count")).isBetween(598L, 602L);
    assertThat(summary.getJsonObject("server").getDouble("cpu_us_per_message")).isPositive();
    assertThat(summary.getBoolean("ok")).isTrue();
    assertThat(exit).isZero();
    assertThat(reports.resolve("summary.json")).isNotEmptyFile();
    assertThat(reports.resolve("report.html")).content().contains("<svg", "<polyline", "Delivery latency");
  }

  @Test
  @DisplayName("a tiny offline burst is caught up through sync, every message exactly once")
  void syncRunDeliversEveryMessageOnce() throws Exception {
    SyncCommand sync = new SyncCommand();
    new CommandLine(sync).parseArgs("--users", "6", "--messages", "30", "--page", "7", "--event-loops", "2",
        "-u", url);
    sync.secret = InProcessSystem.SECRET;

    int exit = sync.call();

    JsonObject messages = sync.summary().getJsonObject("messages");
    assertThat(messages.getLong("acked")).isEqualTo(90);
    assertThat(messages.getLong("received")).isEqualTo(90);
    assertThat(messages.getLong("lost")).isZero();
    assertThat(messages.getLong("duplicated")).isZero();
    // the catch-up paged: what was not pushed on the new connections (a message stored just before a reconnect
    // may be, at most a window of 16 per sender, and its sync then leaves it out) came through sync at most 7 a
    // page, after one page each before the burst
    long viaSync = 90 - messages.getLong("pushed_while_catching_up");
    assertThat(viaSync).isGreaterThanOrEqualTo(90 - 3 * 16);
    assertThat(sync.summary().getJsonObject("catch_up").getLong("pages")).isGreaterThanOrEqualTo(3 + (viaSync + 6) / 7);
    assertThat(exit).isZero();
  }
}
