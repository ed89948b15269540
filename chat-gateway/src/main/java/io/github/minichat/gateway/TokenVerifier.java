package io.github.minichat.gateway;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import java.time.Duration;

/**
 * Verifies the users' HS256 tokens (signature, algorithm, exp/nbf/iat with a bounded leeway) and yields the user
 * id from {@code sub}. Tokens signed with another algorithm, including {@code none}, are refused. Verification is
 * a few microseconds of HMAC, cheap enough for the event loop.
 */
public final class TokenVerifier {

  private final JWTVerifier verifier;
  private final Algorithm algorithm;

  public TokenVerifier(String secret, Duration leeway) {
    this.algorithm = Algorithm.HMAC256(secret);
    this.verifier = JWT.require(algorithm).acceptLeeway(leeway.toSeconds()).build();
  }

  /** The user id the token stands for; fails with {@link ChatError#UNAUTHORIZED} otherwise. */
  public long verify(String token) {
    if (token == null || token.isBlank()) {
      throw new ChatException(ChatError.UNAUTHORIZED, "missing token");
    }
    try {
      String subject = verifier.verify(token).getSubject();
      long userId = subject == null ? 0 : Long.parseLong(subject);
      if (userId <= 0) {
        throw new ChatException(ChatError.UNAUTHORIZED, "token subject must be a positive user id");
      }
      return userId;
    } catch (JWTVerificationException | NumberFormatException e) {
      throw new ChatException(ChatError.UNAUTHORIZED, "invalid token");
    }
  }

}
