package io.github.minichat.gateway;

import io.vertx.core.http.HttpServerRequest;

/**
 * The address clients reach this gateway at, for the links it hands out: {@code CHAT_PUBLIC_URL} when set (behind
 * a proxy that rewrites hosts), else the scheme and host the request came with.
 */
final class PublicUrl {

  private PublicUrl() {
  }

  /** {@code configured} without a trailing slash, or {@code http(s)://<Host header>}. */
  static String of(HttpServerRequest request, String configured) {
    if (configured != null && !configured.isBlank()) {
      return configured.endsWith("/") ? configured.substring(0, configured.length() - 1) : configured;
    }
    String proto = request.getHeader("X-Forwarded-Proto");
    String scheme = "https".equalsIgnoreCase(proto) || request.isSSL() ? "https" : "http";
    String host = request.getHeader("Host");
    if (host == null || host.isBlank() || !host.matches("[A-Za-z0-9.:\\[\\]-]+")) {
      host = "localhost"; // a link to an odd Host would go wherever the client said: not ours to mint
    }
    return scheme + "://" + host;
  }
}
