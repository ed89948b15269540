package io.github.minichat.systemtest;

import io.github.minichat.common.UserTokens;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The audits' HTTP calls, each as one user, with a fresh token, on the oldest live gateway. */
final class AuditHttp {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AuditGateways gateways;

  AuditHttp(AuditGateways gateways) {
    this.gateways = gateways;
  }

  /** {@code body} is sent as JSON, or nothing when null. */
  HttpResponse<String> call(long user, String method, String uri, JsonObject body) {
    AuditGateways.Entry gateway = gateways.alive().get(0);
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + uri))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + UserTokens.mint(LocalCluster.SECRET, user, Duration.ofMinutes(5)))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(method + " " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
