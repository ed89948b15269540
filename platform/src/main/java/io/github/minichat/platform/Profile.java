package io.github.minichat.platform;

import java.util.Locale;

/**
 * How strict a node is about its configuration ({@code CHAT_PROFILE}). {@code dev}, the default, lets the quick
 * start run with no configuration at all; {@code prod} refuses the development JWT secret and an embedded database,
 * and turns off everything meant only for trying things out.
 */
public enum Profile {
  DEV, PROD;

  public static Profile from(Env env) {
    String value = env.string("CHAT_PROFILE", "dev");
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("CHAT_PROFILE must be dev or prod, got '" + value + "'");
    }
  }

  public boolean isProduction() {
    return this == PROD;
  }
}
