package io.github.minichat.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The management server as an orchestrator sees it, over real HTTP: alive at once, ready only once the service has
 * started and while every readiness check passes (a failing one named in the answer), and the meters a service
 * records served in Prometheus' format.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementTest {

  private Node node;
  private Management management;
  private HttpClient http;
  private final AtomicBoolean databaseUp = new AtomicBoolean(true);

  @BeforeAll
  void start() throws Exception {
    node = Node.start(ClusterSettings.from(new Env(Map.of()), ClusterSettings.OFF), Observability.vertxOptions(),
        state -> { }).await(30, TimeUnit.SECONDS);
    management = Management.start(node, new Env(Map.of(Management.PORT_VARIABLE, "0",
        Management.HOST_VARIABLE, "127.0.0.1")), Management.GATEWAY_PORT).await(30, TimeUnit.SECONDS);
    management.readiness("database", () -> databaseUp.get() ? Future.succeededFuture()
        : Future.failedFuture("connection refused"));
    http = node.vertx().createHttpClient();
  }

  @AfterAll
  void stop() throws Exception {
    node.close().await(30, TimeUnit.SECONDS);
  }

  private record Answer(int status, String body) {
  }

  private Answer get(String path) throws Exception {
    return http.request(HttpMethod.GET, management.port(), "127.0.0.1", path)
        .compose(request -> request.send().compose(response -> response.body()
            .map(body -> new Answer(response.statusCode(), body.toString()))))
        .await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("live at once; ready only after started and while every check passes, the failing one named")
  void liveAndReady() throws Exception {
    assertThat(management.port()).isPositive();
    assertThat(get(Management.LIVE_PATH).status()).isEqualTo(200);
    Answer starting = get(Management.READY_PATH);
    assertThat(starting.status()).isEqualTo(503);
    assertThat(starting.body()).contains("still starting");

    management.started();
    assertThat(get(Management.READY_PATH).status()).isEqualTo(200);

    databaseUp.set(false);
    Answer down = get(Management.READY_PATH);
    assertThat(down.status()).isEqualTo(503);
    JsonObject database = new JsonObject(down.body()).getJsonArray("checks").stream()
        .map(JsonObject.class::cast).filter(check -> "database".equals(check.getString("id"))).findFirst()
        .orElseThrow();
    assertThat(database.getString("status")).isEqualTo("DOWN");
    assertThat(database.encode()).contains("connection refused");
    assertThat(get(Management.LIVE_PATH).status()).as("a dependency down is no reason to restart").isEqualTo(200);

    databaseUp.set(true);
    assertThat(get(Management.READY_PATH).status()).isEqualTo(200);
  }

  @Test
  @DisplayName("a service's meters are served in Prometheus' text format; other paths and methods are refused")
  void metrics() throws Exception {
    Counter.builder("minichat.test.events").description("a meter a service records").register(Metrics.globalRegistry)
        .increment(3);
    Answer metrics = get(Management.METRICS_PATH);
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body()).contains("minichat_test_events_total 3.0");
    assertThat(get("/admin").status()).isEqualTo(404);
    int deleteStatus = http.request(HttpMethod.DELETE, management.port(), "127.0.0.1", Management.METRICS_PATH)
        .compose(request -> request.send().map(response -> response.statusCode()))
        .await(10, TimeUnit.SECONDS);
    assertThat(deleteStatus).isEqualTo(405);
  }
}
