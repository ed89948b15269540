package io.github.minichat.platform;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.micrometer.PrometheusRequestHandler;

/**
 * The management HTTP server: {@code GET /health/live}, {@code GET /health/ready} (200 when up, 503 with the
 * failing checks when down) and {@code GET /metrics} (Prometheus text format). Kept off the public port.
 */
final class ManagementServer extends VerticleBase {

  private final String host;
  private final int port;
  private final Management management;
  private HttpServer server;

  ManagementServer(String host, int port, Management management) {
    this.host = host;
    this.port = port;
    this.management = management;
  }

  int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    PrometheusMeterRegistry registry = Observability.prometheus();
    Handler<HttpServerRequest> metrics = registry == null
        ? request -> request.response().setStatusCode(404).end("metrics are off")
        : PrometheusRequestHandler.create(registry);
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port));
    return server.requestHandler(request -> {
      if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
        request.response().setStatusCode(405).end();
        return;
      }
      switch (request.path()) {
        case Management.LIVE_PATH -> answer(request, management.live());
        case Management.READY_PATH -> answer(request, management.ready());
        case Management.METRICS_PATH -> metrics.handle(request);
        default -> request.response().setStatusCode(404).end();
      }
    }).listen();
  }

  private static void answer(HttpServerRequest request, HealthChecks checks) {
    checks.checkStatus().onComplete(outcome -> {
      boolean up = outcome.succeeded() && CheckResult.isUp(outcome.result());
      String body = outcome.succeeded() ? outcome.result().toJson().encode()
          : "{\"status\":\"DOWN\",\"outcome\":\"DOWN\"}";
      request.response()
          .setStatusCode(up ? 200 : 503)
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
          .end(body);
    });
  }
}
