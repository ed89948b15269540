package io.github.minichat.gateway;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Who a request is from: the user of its bearer token ({@code Authorization: Bearer}), or for a WebSocket handshake
 * also {@code ?token=} (mini-program sockets cannot always set headers). One place for both the socket and the API.
 */
final class Authenticator {

  private static final String BEARER = "Bearer ";

  private final TokenVerifier tokens;

  Authenticator(TokenVerifier tokens) {
    this.tokens = tokens;
  }

  /** The user id, or {@code unauthorized}. */
  long user(HttpServerRequest request, boolean queryTokenAllowed) {
    String token = queryTokenAllowed ? request.getParam("token") : null;
    if (token == null) {
      token = bearer(request.getHeader("Authorization"));
    }
    return tokens.verify(token);
  }

  /** Marks a refused request's answer with the scheme to use. */
  static void askForToken(HttpServerResponse response) {
    response.putHeader("WWW-Authenticate", "Bearer");
  }

  private static String bearer(String header) {
    return header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
        ? header.substring(BEARER.length()).trim() : null;
  }
}
