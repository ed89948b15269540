package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.platform.Env;
import io.github.minichat.platform.Management;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class GatewayReadinessTest {

  @Test
  @DisplayName("a gateway is ready once started and turns not-ready as soon as it starts draining")
  void drainingTurnsNotReady(Vertx vertx, VertxTestContext ctx) {
    Management management = Management.checksOnly(vertx);
    GatewayConfig config = GatewayConfig.from(new Env(Map.of("CHAT_HTTP_HOST", "127.0.0.1", "CHAT_HTTP_PORT", "0",
        "CHAT_GATEWAY_INSTANCES", "1")), "readiness-test");
    management.isReady()
        .onComplete(ctx.succeeding(beforeStart -> ctx.verify(() -> assertThat(beforeStart).isFalse())))
        .compose(ignored -> GatewayMain.deploy(vertx, config, management))
        .compose(gateway -> {
          management.started();
          return management.isReady()
              .onComplete(ctx.succeeding(started -> ctx.verify(() -> assertThat(started).isTrue())))
              .compose(ignored -> {
                gateway.drain(Duration.ofSeconds(1));
                return management.isReady();
              });
        })
        .onComplete(ctx.succeeding(draining -> ctx.verify(() -> {
          assertThat(draining).isFalse();
          ctx.completeNow();
        })));
  }
}
