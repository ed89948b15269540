package io.github.minichat.systemtest;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * HTTP calls for the auth and HTTP-error tests through the JDK's client, blocking with a deadline. Vert.x 5.0.7's
 * client can lose the end of a response whose {@code body()} is asked for on another event loop than the
 * connection's (eclipse-vertx/vert.x#6038, fixed after 5.0.7), which made {@link ChatSystem#call} hang now and then.
 */
final class RaceFreeHttp {

  private final ChatSystem system;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(ChatSystem.AWAIT).build();

  RaceFreeHttp(ChatSystem system) {
    this.system = system;
  }

  /** A call as {@code userId} (0: no token); a JsonObject body is sent encoded, anything else as its text. */
  ChatSystem.HttpResult call(String method, String uri, long userId, Object body) {
    return callRaw(method, uri, userId > 0 ? Map.of("Authorization", "Bearer " + ChatSystem.token(userId)) : Map.of(),
        body == null ? null : body instanceof JsonObject json ? json.encode() : body.toString());
  }

  /** A call with exactly these headers and this raw body (null: none). */
  ChatSystem.HttpResult callRaw(String method, String uri, Map<String, String> headers, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + system.port + uri))
        .timeout(ChatSystem.AWAIT)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    headers.forEach(request::header);
    try {
      HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new ChatSystem.HttpResult(response.statusCode(),
          response.headers().firstValue("Retry-After").orElse(null),
          response.body().isEmpty() ? null : response.body());
    } catch (IOException e) {
      throw new AssertionError(method + " " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
