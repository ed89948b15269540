package io.github.minichat.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Keeps the groups scenario from rotting: a tiny run against the whole system (in-process, fresh database) whose
 * accounting must close at every online member, and whose messages the database must hold. Not a benchmark.
 */
class GroupsSmokeTest {

  private static InProcessSystem system;

  @BeforeAll
  static void startSystem() {
    system = InProcessSystem.start("load_groups_smoke");
  }

  @AfterAll
  static void stopSystem() {
    if (system != null) {
      system.close();
    }
  }

  @Test
  @DisplayName("a 2-second run in a 20-member group (5 online) and three 3-member groups delivers every message once "
      + "and in order to every online member but its sender")
  void groupsRunAccountsForEveryDelivery(@TempDir Path reports) throws Exception {
    // the drain ends as soon as everything is accounted for; its long bound only spares a busy CI machine a failure
    GroupsCommand groups = new GroupsCommand();
    new CommandLine(groups).parseArgs("--large-members", "20", "--large-online", "5", "--small-groups", "3",
        "--small-members", "3", "--rate", "40", "--large-share", "0.5", "--warmup", "0s", "--duration", "2s",
        "--drain", "20s", "--baseline", "0s", "--event-loops", "2", "-u", system.url(),
        "--server-pid", Long.toString(ProcessHandle.current().pid()), "--report", reports.toString());
    groups.secret = InProcessSystem.SECRET;

    int exit = groups.call();

    JsonObject summary = groups.summary();
    assertThat(summary).as("the run got past creating its groups and connecting (exit %d)", exit).isNotNull();
    JsonObject messages = summary.getJsonObject("messages");
    JsonObject deliveries = summary.getJsonObject("deliveries");
    long sent = messages.getLong("sent");
    assertThat(sent).isBetween(79L, 81L); // 40/s over 2 s
    assertThat(messages.getLong("acked")).isEqualTo(sent);
    // every other send to the large group: 4 online recipients each; the others to a small group: 2 each
    long toLarge = sent / 2;
    assertThat(deliveries.getLong("expected")).isEqualTo(toLarge * 4 + (sent - toLarge) * 2);
    assertThat(deliveries.getLong("received")).isEqualTo(deliveries.getLong("expected"));
    assertThat(deliveries.getLong("missing")).isZero();
    assertThat(messages.getLong("lost")).isZero();
    assertThat(deliveries.getLong("duplicated")).isZero();
    assertThat(deliveries.getLong("out_of_order")).isZero();
    assertThat(deliveries.getLong("unexpected")).isZero();
    assertThat(deliveries.getLong("own_copies")).isZero();
    assertThat(summary.getJsonObject("errors")).isEmpty();
    assertThat(summary.getJsonObject("latency_us").getJsonObject("delivery").getLong("count"))
        .isEqualTo(deliveries.getLong("received"));
    assertThat(summary.getJsonObject("latency_us").getJsonObject("ack").getLong("count")).isEqualTo(sent);
    assertThat(summary.getJsonObject("server").getDouble("cpu_us_per_delivery")).isPositive();
    assertThat(summary.getBoolean("ok")).isTrue();
    assertThat(exit).isZero();
    // stored once each, one copy per member (offline ones too), the members' texts apart from the system messages
    assertThat(TestDatabase.queryLong(system.database(), "SELECT count(*) FROM group_messages WHERE NOT system"))
        .isEqualTo(sent);
    assertThat(TestDatabase.queryLong(system.database(), "SELECT count(*) FROM group_inbox i JOIN group_messages m"
        + " ON m.group_id = i.group_id AND m.seq = i.seq WHERE NOT m.system"))
        .isEqualTo(toLarge * 20 + (sent - toLarge) * 3);
    assertThat(TestDatabase.queryLong(system.database(), "SELECT count(*) FROM groups")).isEqualTo(4);
    assertThat(reports.resolve("summary.json")).isNotEmptyFile();
    assertThat(reports.resolve("report.html")).content().contains("<svg", "== groups ==");
  }
}
