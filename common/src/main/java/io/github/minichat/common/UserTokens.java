package io.github.minichat.common;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Duration;
import java.time.Instant;

/**
 * The users' access token, the contract between whoever issues tokens and the gateway that checks them: an HS256
 * JWT whose {@code sub} is the positive user id, with {@code iat} and {@code exp}.
 */
public final class UserTokens {

  /** The variable holding the signing secret (or {@code CHAT_JWT_SECRET_FILE}, a file holding it). */
  public static final String SECRET_VARIABLE = "CHAT_JWT_SECRET";

  /** Used when no secret is set, so that the quick start works; the gateway refuses it in production. */
  public static final String DEV_SECRET = "minichat-dev-secret-do-not-use-in-production";

  private UserTokens() {
  }

  /** A token for {@code userId} valid for {@code ttl}: for trying things out, tests and load. */
  public static String mint(String secret, long userId, Duration ttl) {
    Instant now = Instant.now();
    return JWT.create()
        .withSubject(Long.toString(userId))
        .withIssuedAt(now)
        .withExpiresAt(now.plus(ttl))
        .sign(Algorithm.HMAC256(secret));
  }
}
