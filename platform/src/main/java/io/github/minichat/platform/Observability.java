package io.github.minichat.platform;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;

/**
 * Turns on Vert.x's Micrometer metrics (HTTP server and client, event bus, pools, JVM) with a Prometheus registry,
 * and attaches that registry to Micrometer's global one, where each service records its own meters.
 */
public final class Observability {

  private Observability() {
  }

  /** The options a service's Vert.x is built with: metrics on, Prometheus backend, JVM meters. */
  public static VertxOptions vertxOptions() {
    return new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  /**
   * The Prometheus registry Vert.x created (it exists once a Vert.x with {@link #vertxOptions()} does), now also
   * receiving the chat's meters; null when metrics are off.
   */
  public static synchronized PrometheusMeterRegistry prometheus() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (!(registry instanceof PrometheusMeterRegistry prometheus)) {
      return null;
    }
    if (!Metrics.globalRegistry.getRegistries().contains(prometheus)) {
      Metrics.addRegistry(prometheus);
    }
    return prometheus;
  }
}
