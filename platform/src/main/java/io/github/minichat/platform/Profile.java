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
    return valueOf(env.get(PlatformSettings.PROFILE).toUpperCase(Locale.ROOT));
  }

  public boolean isProduction() {
    return this == PROD;
  }
}
