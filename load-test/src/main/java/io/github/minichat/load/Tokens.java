package io.github.minichat.load;

import io.github.minichat.common.UserTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /** The secret the servers use: CHAT_JWT_SECRET, else the file CHAT_JWT_SECRET_FILE names, else the dev default. */
  static String secretFromEnvironment() {
    String secret = System.getenv(UserTokens.SECRET_VARIABLE);
    String file = System.getenv(UserTokens.SECRET_VARIABLE + "_FILE");
    try {
      return secret != null && !secret.isBlank() ? secret.trim()
          : file != null && !file.isBlank() ? Files.readString(Path.of(file.trim())).trim()
          : UserTokens.DEV_SECRET;
    } catch (IOException e) {
      throw new UncheckedIOException(UserTokens.SECRET_VARIABLE + "_FILE cannot be read: " + file, e);
    }
  }

  static Tokens mint(String secret, long firstUser, int count, Duration ttl) {
    String[] tokens = IntStream.range(0, count).parallel()
        .mapToObj(i -> UserTokens.mint(secret, firstUser + i, ttl))
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
