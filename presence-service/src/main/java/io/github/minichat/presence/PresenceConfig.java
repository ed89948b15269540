package io.github.minichat.presence;

import io.github.minichat.common.Env;
import java.time.Duration;

/** @param offlineGrace how long a user with no connection left still counts as online (avoids flapping) */
public record PresenceConfig(Duration offlineGrace) {

  public static PresenceConfig from(Env env) {
    return new PresenceConfig(env.millis("CHAT_PRESENCE_GRACE_MS", 5_000));
  }
}
