package io.github.minichat.load;

import io.github.minichat.common.Env;
import io.github.minichat.gateway.GatewayConfig;
import io.github.minichat.gateway.TokenVerifier;
import java.time.Duration;
import java.util.stream.IntStream;

/**
 * Tokens for a contiguous range of user ids, signed with the gateway's secret. Minted up front, so that HMAC work
 * is not charged to the storm it measures.
 */
final class Tokens {

  private final long firstUser;
  private final String[] tokens;

  private Tokens(long firstUser, String[] tokens) {
    this.firstUser = firstUser;
    this.tokens = tokens;
  }

  /** The secret the servers use: CHAT_JWT_SECRET(_FILE), else the same development default as the gateway. */
  static String secretFromEnvironment() {
    return GatewayConfig.jwtSecret(Env.system());
  }

  static Tokens mint(String secret, long firstUser, int count, Duration ttl) {
    String[] tokens = IntStream.range(0, count).parallel()
        .mapToObj(i -> TokenVerifier.mint(secret, firstUser + i, ttl))
        .toArray(String[]::new);
    return new Tokens(firstUser, tokens);
  }

  /** Placeholders for targets that check no token (the echo server). */
  static Tokens unsigned(long firstUser, int count) {
    String[] tokens = new String[count];
    java.util.Arrays.fill(tokens, "none");
    return new Tokens(firstUser, tokens);
  }

  long userId(int index) {
    return firstUser + index;
  }

  String token(int index) {
    return tokens[index];
  }
}
