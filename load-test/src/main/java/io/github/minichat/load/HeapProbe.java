package io.github.minichat.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Heap used by a server process: from its management endpoint's Prometheus metrics
 * ({@code jvm_memory_used_bytes{area="heap",…}}, summed over the pools) when a URL is given, else from
 * {@code jcmd <pid> GC.heap_info}. With {@code live}, a full GC first ({@code jcmd <pid> GC.run}), so that the
 * figure is what the process really holds.
 */
final class HeapProbe {

  private static final Pattern HEAP_LINE =
      Pattern.compile("^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*}\\s+([0-9.eE+-]+)", Pattern.MULTILINE);
  /** G1's one heap line, or the serial and parallel collectors' generations (summed). */
  private static final Pattern JCMD_USED =
      Pattern.compile("(heap|generation|PSYoungGen|ParOldGen)\\s+total\\s+\\d+K,\\s+used\\s+(\\d+)K");

  private final long pid;
  private final String metricsUrl;
  private final boolean live;
  /** HTTP/1.1: the JDK's client may wait for ever on an HTTP/2 upgrade, its request timeout notwithstanding. */
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  HeapProbe(long pid, String metricsUrl, boolean live) {
    this.pid = pid;
    this.metricsUrl = metricsUrl;
    this.live = live;
  }

  /** Bytes of heap in use; negative if neither source answered. */
  long usedBytes() {
    if (live) {
      jcmd("GC.run");
    }
    if (metricsUrl != null) {
      long fromMetrics = fromMetrics();
      if (fromMetrics >= 0) {
        return fromMetrics;
      }
    }
    Matcher matcher = JCMD_USED.matcher(jcmd("GC.heap_info"));
    long kib = 0;
    boolean found = false;
    while (matcher.find()) {
      kib += Long.parseLong(matcher.group(2));
      found = true;
    }
    return found ? kib * 1024 : -1;
  }

  private long fromMetrics() {
    try {
      HttpResponse<String> response = http.sendAsync(HttpRequest.newBuilder(URI.create(metricsUrl))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()).get(5, TimeUnit.SECONDS);
      Matcher matcher = HEAP_LINE.matcher(response.body());
      double sum = 0;
      boolean found = false;
      while (matcher.find()) {
        sum += Double.parseDouble(matcher.group(1));
        found = true;
      }
      return found ? (long) sum : -1;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private String jcmd(String command) {
    if (pid <= 0) {
      return "";
    }
    try {
      Process process = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      process.waitFor(10, TimeUnit.SECONDS);
      return output;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
