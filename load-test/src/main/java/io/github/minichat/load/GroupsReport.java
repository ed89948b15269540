package io.github.minichat.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * The figures of a groups run: the text summary and {@code summary.json} ({@link ChatReport#write} adds
 * {@code report.html} and the latency histogram). A delivery is one member's first receipt of a message; server
 * CPU is per delivery (the fan-out is the server's work), PostgreSQL's per message (a message is one transaction
 * that writes a row per member).
 */
final class GroupsReport {

  /** Wall-clock and CPU figures of the run; a negative CPU figure: not measured. */
  record Timings(double setupSeconds, double connectSeconds, double quietSeconds, double measuredSeconds,
                 double drainSeconds, double clientCpuSeconds, double databaseCpuSeconds, double machineBusySeconds) {
  }

  private GroupsReport() {
  }

  static JsonObject summarize(GroupsPlan plan, ChatStats stats, GroupLedger ledger, GroupLedger.Tally tally,
      Timings timings, ServerSide servers, DatabaseCpu database, Histogram delivery, Histogram ack) {
    long sent = stats.sent.sum();
    long measuredDeliveries = stats.measuredDelivered.sum();
    long unexpected = stats.unexpected.sum() + tally.unexpectedDeliveries();
    JsonObject messages = new JsonObject().put("sent", sent).put("acked", stats.acked.sum())
        .put("refused", stats.refused.sum())
        .put("unanswered", Math.max(0, sent - stats.acked.sum() - stats.refused.sum()))
        .put("lost", tally.lostMessages()).put("late", stats.late.sum()).put("unsent", stats.unsent.sum())
        .put("measured_sent", stats.measuredSent.sum()).put("measured_acked", tally.measuredAcked());
    JsonObject deliveries = new JsonObject().put("expected", tally.expectedDeliveries())
        .put("received", stats.delivered.sum()).put("missing", tally.missingDeliveries())
        .put("duplicated", stats.duplicated.sum()).put("out_of_order", ledger.outOfOrder.sum())
        .put("unexpected", unexpected).put("own_copies", ledger.ownCopies.sum())
        .put("system_frames", ledger.systemFrames.sum()).put("measured", measuredDeliveries);
    double seconds = Math.max(timings.measuredSeconds(), 1e-9);
    double window = timings.measuredSeconds() + timings.drainSeconds();
    JsonObject summary = new JsonObject()
        .put("scenario", "groups")
        .put("large_group", new JsonObject().put("members", plan.largeMembers()).put("online", plan.largeOnline()))
        .put("small_groups", new JsonObject().put("count", plan.smallGroups()).put("members", plan.smallMembers()))
        .put("sockets", plan.onlineCount())
        .put("rate", plan.rate())
        .put("large_share", plan.largeShare())
        .put("warmup_s", plan.warmup().toMillis() / 1000.0)
        .put("duration_s", plan.duration().toMillis() / 1000.0)
        .put("text_bytes", plan.textBytes())
        .put("window", plan.window())
        .put("targets", new JsonArray(plan.targets().stream().map(Object::toString).toList()))
        .put("setup", new JsonObject().put("groups_created", plan.groups()).put("creators", plan.groups())
            .put("seconds", timings.setupSeconds()))
        .put("connect", new JsonObject().put("bound", stats.connected.sum()).put("failed", stats.connectFailed.sum())
            .put("failures", ChatReport.counts(stats.connectFailures())).put("seconds", timings.connectSeconds()))
        .put("messages", messages)
        .put("deliveries", deliveries)
        .put("errors", ChatReport.counts(stats.errors()))
        .put("incidents", ChatReport.counts(stats.incidents()))
        .put("throughput", new JsonObject().put("sent_per_s", stats.measuredSent.sum() / seconds)
            .put("deliveries_per_s", measuredDeliveries / seconds)
            // what the chat report calls it, so that one HTML report and one jq path serve both scenarios
            .put("delivered_per_s", measuredDeliveries / seconds)
            .put("measured_seconds", timings.measuredSeconds()))
        .put("latency_us", new JsonObject().put("delivery", Percentiles.of(delivery).toJson())
            .put("ack", Percentiles.of(ack).toJson()))
        .put("client", new JsonObject().put("cpu_seconds", timings.clientCpuSeconds())
            .put("cpu_us_per_delivery", per(timings.clientCpuSeconds(), measuredDeliveries)));
    if (!servers.isEmpty()) {
      double cpu = servers.cpuSeconds("measure_start", "drained");
      double quiet = servers.cpuSeconds("quiet_start", "quiet_end");
      double background = timings.quietSeconds() > 0 ? quiet / timings.quietSeconds() * window : 0;
      summary.put("server", new JsonObject()
          .put("background_cpu_cores", timings.quietSeconds() > 0 ? quiet / timings.quietSeconds() : 0)
          .put("cpu_seconds_measured", cpu)
          .put("cpu_us_per_delivery", per(cpu, measuredDeliveries))
          .put("cpu_us_per_delivery_net", per(Math.max(0, cpu - background), measuredDeliveries))
          .put("cpu_us_per_message", per(cpu, tally.measuredAcked()))
          .put("processes", servers.toJson("idle", "connected", (int) stats.connected.sum(), "measure_start",
              "drained", measuredDeliveries)));
    }
    if (!database.isEmpty()) {
      summary.put("database", new JsonObject().put("measured", database.describe())
          .put("cpu_seconds_measured", timings.databaseCpuSeconds())
          .put("cpu_cores", timings.databaseCpuSeconds() < 0 ? -1 : timings.databaseCpuSeconds() / window)
          .put("cpu_us_per_message", timings.databaseCpuSeconds() < 0 ? -1
              : per(timings.databaseCpuSeconds(), tally.measuredAcked())));
    }
    if (timings.machineBusySeconds() >= 0) {
      summary.put("machine", new JsonObject().put("busy_cores", timings.machineBusySeconds() / window));
    }
    boolean ok = stats.connectFailed.sum() == 0 && tally.lostMessages() == 0 && stats.duplicated.sum() == 0
        && ledger.outOfOrder.sum() == 0 && unexpected == 0 && ledger.ownCopies.sum() == 0
        && stats.errorCount() == 0 && stats.unsent.sum() == 0;
    summary.put("ok", ok);
    summary.put("text", text(summary));
    return summary;
  }

  static String text(JsonObject s) {
    JsonObject m = s.getJsonObject("messages");
    JsonObject d = s.getJsonObject("deliveries");
    JsonObject t = s.getJsonObject("throughput");
    JsonObject latency = s.getJsonObject("latency_us");
    JsonObject large = s.getJsonObject("large_group");
    JsonObject small = s.getJsonObject("small_groups");
    StringBuilder out = new StringBuilder();
    out.append(String.format("== groups ==%n"));
    out.append(String.format("targets       %s%n", s.getJsonArray("targets").stream().map(Object::toString)
        .collect(Collectors.joining(", "))));
    out.append(String.format("groups        1 of %d members (%d online) + %d of %d (all online): %d sockets%n",
        large.getInteger("members"), large.getInteger("online"), small.getInteger("count"),
        small.getInteger("members"), s.getInteger("sockets")));
    out.append(String.format("load          open loop %.0f msg/s, %.0f %% to the large group, warm-up %.0f s + %.0f s "
            + "measured, %d-byte texts, window %d%n", s.getDouble("rate"), s.getDouble("large_share") * 100,
        s.getDouble("warmup_s"), s.getDouble("duration_s"), s.getInteger("text_bytes"), s.getInteger("window")));
    JsonObject setup = s.getJsonObject("setup");
    JsonObject connect = s.getJsonObject("connect");
    out.append(String.format("setup         %d groups created by %d users in %.2f s; %d bound, %d failed %sin %.2f s%n",
        setup.getInteger("groups_created"), setup.getInteger("creators"), setup.getDouble("seconds"),
        connect.getLong("bound"), connect.getLong("failed"), connect.getJsonObject("failures").isEmpty() ? ""
            : connect.getJsonObject("failures").encode() + " ", connect.getDouble("seconds")));
    out.append(String.format("messages      sent %d  acked %d  refused %d  unanswered %d  lost %d  late (window full) "
            + "%d  unsent %d%n", m.getLong("sent"), m.getLong("acked"), m.getLong("refused"), m.getLong("unanswered"),
        m.getLong("lost"), m.getLong("late"), m.getLong("unsent")));
    out.append(String.format("deliveries    expected %d  received %d  missing %d  duplicated %d  out of order %d  "
            + "unexpected %d  own copies %d%n", d.getLong("expected"), d.getLong("received"), d.getLong("missing"),
        d.getLong("duplicated"), d.getLong("out_of_order"), d.getLong("unexpected"), d.getLong("own_copies")));
    if (!s.getJsonObject("errors").isEmpty()) {
      out.append(String.format("refusals      %s%n", s.getJsonObject("errors").encode()));
    }
    if (!s.getJsonObject("incidents").isEmpty()) {
      out.append(String.format("incidents     %s%n", s.getJsonObject("incidents").encode()));
    }
    out.append(String.format("throughput    %.0f sent/s, %.0f deliveries/s over %.1f s measured%n",
        t.getDouble("sent_per_s"), t.getDouble("deliveries_per_s"), t.getDouble("measured_seconds")));
    out.append(String.format("delivery      %s%n", describe(latency.getJsonObject("delivery"))));
    out.append(String.format("ack           %s%n", describe(latency.getJsonObject("ack"))));
    JsonObject client = s.getJsonObject("client");
    out.append(String.format("client CPU    %.2f s (%.1f µs per delivery)%n", client.getDouble("cpu_seconds"),
        client.getDouble("cpu_us_per_delivery")));
    JsonObject server = s.getJsonObject("server");
    if (server != null) {
      out.append(String.format("server CPU    %.2f s measured: %.1f µs per delivery (%.1f net of the quiet background, "
              + "%.3f cores), %.0f µs per message%n", server.getDouble("cpu_seconds_measured"),
          server.getDouble("cpu_us_per_delivery"), server.getDouble("cpu_us_per_delivery_net"),
          server.getDouble("background_cpu_cores"), server.getDouble("cpu_us_per_message")));
    }
    JsonObject database = s.getJsonObject("database");
    if (database != null) {
      out.append(database.getDouble("cpu_seconds_measured") < 0
          ? String.format("PostgreSQL    not readable (%s)%n", database.getString("measured"))
          : String.format("PostgreSQL    %.2f s CPU measured (%.2f cores): %.0f µs per message (%s)%n",
              database.getDouble("cpu_seconds_measured"), database.getDouble("cpu_cores"),
              database.getDouble("cpu_us_per_message"), database.getString("measured")));
    }
    JsonObject machine = s.getJsonObject("machine");
    if (machine != null) {
      out.append(String.format("machine       %.2f cores busy in all while measured%n",
          machine.getDouble("busy_cores")));
    }
    out.append(String.format("verdict       %s%n", s.getBoolean("ok") ? "OK: every message accounted for"
        : "NOT OK: see lost, missing, duplicated, out of order, refusals above"));
    return out.toString();
  }

  private static String describe(JsonObject p) {
    return new Percentiles(p.getLong("count"), p.getLong("mean"), p.getLong("p50"), p.getLong("p90"),
        p.getLong("p99"), p.getLong("p99_9"), p.getLong("max")).toString();
  }

  private static double per(double seconds, long count) {
    return count == 0 ? 0 : seconds * 1e6 / count;
  }
}
