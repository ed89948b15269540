package io.github.minichat.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/** The figures of a chat run: the text summary, {@code summary.json} and {@code report.html}. */
final class ChatReport {

  /** Wall-clock and client-CPU figures of the run. */
  record Timings(double connectSeconds, double quietSeconds, double measuredSeconds, double drainSeconds,
                 double clientCpuSeconds) {
  }

  private ChatReport() {
  }

  static JsonObject summarize(ChatPlan plan, ChatStats stats, Timings timings, ServerSide servers,
      Histogram delivery, Histogram ack) {
    long sent = stats.sent.sum();
    long delivered = stats.delivered.sum();
    long measuredDelivered = stats.measuredDelivered.sum();
    long lost = stats.undelivered();
    JsonObject messages = new JsonObject().put("sent", sent).put("acked", stats.acked.sum())
        .put("refused", stats.refused.sum())
        .put("unanswered", Math.max(0, sent - stats.acked.sum() - stats.refused.sum())).put("delivered", delivered)
        .put("lost", lost).put("duplicated", stats.duplicated.sum()).put("unexpected", stats.unexpected.sum())
        .put("late", stats.late.sum()).put("unsent", stats.unsent.sum())
        .put("measured_sent", stats.measuredSent.sum()).put("measured_delivered", measuredDelivered);
    double seconds = Math.max(timings.measuredSeconds(), 1e-9);
    JsonObject summary = new JsonObject()
        .put("scenario", "chat")
        .put("target", plan.target().name().toLowerCase())
        .put("mode", plan.mode().name().toLowerCase())
        .put("peers", plan.mode() == ChatMode.PEERS ? plan.peers() : 1)
        .put("users", plan.users())
        .put("rate", plan.rate())
        .put("warmup_s", plan.warmup().toMillis() / 1000.0)
        .put("duration_s", plan.duration().toMillis() / 1000.0)
        .put("text_bytes", plan.textBytes())
        .put("window", plan.window())
        .put("targets", new JsonArray(plan.targets().stream().map(Object::toString).toList()))
        .put("connect", new JsonObject().put("bound", stats.connected.sum()).put("failed", stats.connectFailed.sum())
            .put("failures", counts(stats.connectFailures())).put("seconds",
                timings.connectSeconds()))
        .put("messages", messages)
        .put("errors", counts(stats.errors()))
        .put("incidents", counts(stats.incidents()))
        .put("throughput", new JsonObject().put("sent_per_s", stats.measuredSent.sum() / seconds)
            .put("delivered_per_s", measuredDelivered / seconds).put("measured_seconds", timings.measuredSeconds()))
        .put("latency_us", new JsonObject().put("delivery", Percentiles.of(delivery).toJson())
            .put("ack", Percentiles.of(ack).toJson()))
        .put("client", new JsonObject().put("cpu_seconds", timings.clientCpuSeconds())
            .put("cpu_us_per_message", perMessage(timings.clientCpuSeconds(), measuredDelivered)));
    if (!servers.isEmpty()) {
      double cpu = servers.cpuSeconds("measure_start", "drained");
      double quiet = servers.cpuSeconds("quiet_start", "quiet_end");
      double background = timings.quietSeconds() > 0
          ? quiet / timings.quietSeconds() * (timings.measuredSeconds() + timings.drainSeconds()) : 0;
      summary.put("server", new JsonObject()
          .put("background_cpu_cores", timings.quietSeconds() > 0 ? quiet / timings.quietSeconds() : 0)
          .put("cpu_us_per_message_net", perMessage(Math.max(0, cpu - background), measuredDelivered))
          .put("processes", servers.toJson("idle", "connected", (int) stats.connected.sum(), "measure_start",
              "drained", measuredDelivered))
          .put("cpu_seconds_measured", cpu)
          .put("cpu_us_per_message", perMessage(cpu, measuredDelivered)));
    }
    boolean ok = stats.connectFailed.sum() == 0 && lost == 0 && stats.duplicated.sum() == 0
        && stats.errorCount() == 0 && stats.unexpected.sum() == 0;
    summary.put("ok", ok);
    summary.put("text", text(summary));
    return summary;
  }

  static String text(JsonObject s) {
    JsonObject m = s.getJsonObject("messages");
    JsonObject t = s.getJsonObject("throughput");
    JsonObject latency = s.getJsonObject("latency_us");
    StringBuilder out = new StringBuilder();
    out.append(String.format("== chat (%s) ==%n", s.getString("target")));
    out.append(String.format("targets       %s%n", s.getJsonArray("targets").stream().map(Object::toString)
        .collect(Collectors.joining(", "))));
    out.append(String.format("load          %d users, %s%s, %s, warm-up %.0f s + %.0f s measured, %d-byte texts, "
            + "window %d%n", s.getInteger("users"), s.getString("mode"),
        "peers".equals(s.getString("mode")) ? " (k=" + s.getInteger("peers") + ")" : "",
        s.getDouble("rate") > 0 ? String.format("open loop %.0f msg/s", s.getDouble("rate")) : "closed loop (window)",
        s.getDouble("warmup_s"), s.getDouble("duration_s"), s.getInteger("text_bytes"), s.getInteger("window")));
    JsonObject connect = s.getJsonObject("connect");
    out.append(String.format("connect       %d bound, %d failed %s in %.2f s%n", connect.getLong("bound"),
        connect.getLong("failed"), connect.getJsonObject("failures").isEmpty() ? "" : connect.getJsonObject("failures")
            .encode(), connect.getDouble("seconds")));
    out.append(String.format("messages      sent %d  acked %d  delivered %d  lost %d  duplicated %d%n",
        m.getLong("sent"), m.getLong("acked"), m.getLong("delivered"), m.getLong("lost"), m.getLong("duplicated")));
    out.append(String.format("              refused %d  unanswered %d  unexpected %d  late (window full) %d  "
        + "unsent %d%n", m.getLong("refused"), m.getLong("unanswered"), m.getLong("unexpected"), m.getLong("late"),
        m.getLong("unsent")));
    if (!s.getJsonObject("errors").isEmpty()) {
      out.append(String.format("errors        %s%n", s.getJsonObject("errors").encode()));
    }
    if (!s.getJsonObject("incidents").isEmpty()) {
      out.append(String.format("incidents     %s%n", s.getJsonObject("incidents").encode()));
    }
    out.append(String.format("throughput    %.0f sent/s, %.0f delivered/s over %.1f s measured%n",
        t.getDouble("sent_per_s"), t.getDouble("delivered_per_s"), t.getDouble("measured_seconds")));
    out.append(String.format("delivery      %s%n", describe(latency.getJsonObject("delivery"))));
    out.append(String.format("ack           %s%n", describe(latency.getJsonObject("ack"))));
    JsonObject client = s.getJsonObject("client");
    out.append(String.format("client CPU    %.2f s (%.1f µs per delivered message)%n", client.getDouble("cpu_seconds"),
        client.getDouble("cpu_us_per_message")));
    JsonObject server = s.getJsonObject("server");
    if (server != null) {
      out.append(String.format("server CPU    %.2f s measured, %.1f µs per delivered message (all processes); "
              + "%.1f µs net of the quiet background (%.3f cores)%n",
          server.getDouble("cpu_seconds_measured"), server.getDouble("cpu_us_per_message"),
          server.getDouble("cpu_us_per_message_net"), server.getDouble("background_cpu_cores")));
      for (Object o : server.getJsonArray("processes")) {
        JsonObject p = (JsonObject) o;
        JsonObject r = p.getJsonObject("readings");
        out.append(String.format("  pid %-7d RSS idle %s → connected %s → drained %s; heap idle %s → connected %s"
                + "; per connection: RSS %s, heap %s%n", p.getLong("pid"), mib(r, "idle", "rss_kib", 1024),
            mib(r, "connected", "rss_kib", 1024), mib(r, "drained", "rss_kib", 1024),
            mib(r, "idle", "heap_used_bytes", 1), mib(r, "connected", "heap_used_bytes", 1),
            kib(p.getDouble("rss_bytes_per_connection")), kib(p.getDouble("heap_bytes_per_connection"))));
      }
    }
    out.append(String.format("verdict       %s%n", s.getBoolean("ok") ? "OK: every message accounted for"
        : "NOT OK: see lost, duplicated, errors above"));
    return out.toString();
  }

  static void write(Path directory, JsonObject summary, List<ChatProgress.Second> seconds, Histogram delivery,
      Histogram ack) {
    try {
      Files.createDirectories(directory);
      Files.writeString(directory.resolve("summary.json"), summary.encodePrettily() + "\n");
      Files.writeString(directory.resolve("report.html"), HtmlReport.render(summary, seconds, delivery, ack));
      try (var out = new java.io.PrintStream(directory.resolve("delivery-latency.hgrm").toFile())) {
        delivery.outputPercentileDistribution(out, 1000.0); // in ms
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String describe(JsonObject p) {
    return new Percentiles(p.getLong("count"), p.getLong("mean"), p.getLong("p50"), p.getLong("p90"),
        p.getLong("p99"), p.getLong("p99_9"), p.getLong("max")).toString();
  }

  static JsonObject counts(Map<String, Long> counts) {
    JsonObject json = new JsonObject();
    counts.forEach(json::put);
    return json;
  }

  private static double perMessage(double seconds, long messages) {
    return messages == 0 ? 0 : seconds * 1e6 / messages;
  }

  private static String mib(JsonObject readings, String moment, String field, double toBytes) {
    JsonObject r = readings.getJsonObject(moment);
    if (r == null || r.getLong(field, -1L) < 0) {
      return "?";
    }
    return String.format("%.1f MiB", r.getLong(field) * toBytes / (1 << 20));
  }

  private static String kib(Double bytes) {
    return bytes == null ? "?" : String.format("%.1f KiB", bytes / 1024);
  }
}
