package io.github.minichat.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The server processes of a run, read at named moments: CPU time and RSS from {@code /proc}, heap used from the
 * metrics endpoint or jcmd. Gives bytes per connection (connected minus idle) and CPU per message (over the
 * measured window).
 */
final class ServerSide {

  /** One process at one moment; negative: unknown. */
  record Reading(long rssKib, double cpuSeconds, long heapBytes) {
  }

  private record Process(long pid, ServerProbe os, HeapProbe heap, List<String> moments, List<Reading> readings) {
  }

  private final List<Process> processes = new ArrayList<>();

  /** {@code metricsUrls[i]} (if any) belongs to {@code pids[i]}. */
  ServerSide(List<Long> pids, List<String> metricsUrls, boolean liveHeap) {
    for (int i = 0; i < pids.size(); i++) {
      String metrics = i < metricsUrls.size() ? metricsUrls.get(i) : null;
      processes.add(new Process(pids.get(i), new ServerProbe(pids.get(i)),
          new HeapProbe(pids.get(i), metrics, liveHeap), new ArrayList<>(), new ArrayList<>()));
    }
  }

  boolean isEmpty() {
    return processes.isEmpty();
  }

  /** Reads every process; {@code withHeap} false skips the heap (it may cost a GC or a jcmd). */
  void read(String moment, boolean withHeap) {
    for (Process process : processes) {
      long heap = withHeap ? process.heap().usedBytes() : -1; // first: its GC or jcmd is not the next interval's
      ServerProbe.Sample sample = process.os().sample();
      process.moments().add(moment);
      process.readings().add(new Reading(sample.rssKib(), sample.cpuSeconds(), heap));
    }
  }

  /** Server CPU seconds (all processes) between two moments. */
  double cpuSeconds(String from, String to) {
    double total = 0;
    for (Process process : processes) {
      Reading a = at(process, from);
      Reading b = at(process, to);
      if (a != null && b != null && a.cpuSeconds() >= 0 && b.cpuSeconds() >= 0) {
        total += b.cpuSeconds() - a.cpuSeconds();
      }
    }
    return total;
  }

  /** Every process's readings and, between {@code idle} and {@code connected}, its bytes per connection. */
  JsonArray toJson(String idle, String connected, int connections, String from, String to, long messages) {
    JsonArray array = new JsonArray();
    for (Process process : processes) {
      JsonObject readings = new JsonObject();
      for (int i = 0; i < process.moments().size(); i++) {
        Reading r = process.readings().get(i);
        readings.put(process.moments().get(i), new JsonObject().put("rss_kib", r.rssKib())
            .put("cpu_seconds", r.cpuSeconds()).put("heap_used_bytes", r.heapBytes()));
      }
      Reading before = at(process, idle);
      Reading after = at(process, connected);
      Reading start = at(process, from);
      Reading end = at(process, to);
      JsonObject entry = new JsonObject().put("pid", process.pid()).put("readings", readings);
      if (before != null && after != null && connections > 0) {
        if (before.rssKib() >= 0 && after.rssKib() >= 0) {
          entry.put("rss_bytes_per_connection", (after.rssKib() - before.rssKib()) * 1024.0 / connections);
        }
        if (before.heapBytes() >= 0 && after.heapBytes() >= 0) {
          entry.put("heap_bytes_per_connection", (after.heapBytes() - before.heapBytes()) / (double) connections);
        }
      }
      if (start != null && end != null && messages > 0 && start.cpuSeconds() >= 0) {
        entry.put("cpu_seconds_measured", end.cpuSeconds() - start.cpuSeconds());
        entry.put("cpu_us_per_message", (end.cpuSeconds() - start.cpuSeconds()) * 1e6 / messages);
      }
      array.add(entry);
    }
    return array;
  }

  private static Reading at(Process process, String moment) {
    int i = process.moments().indexOf(moment);
    return i < 0 ? null : process.readings().get(i);
  }
}
