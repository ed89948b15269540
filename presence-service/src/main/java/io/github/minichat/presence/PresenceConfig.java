package io.github.minichat.presence;

import io.github.minichat.platform.Env;
import java.time.Duration;

/**
 * Settings of a presence service ({@link PresenceSettings}).
 *
 * @param offlineGrace  how long a user with no connection left still counts as online (avoids flapping)
 * @param sweepInterval how often ended grace periods are looked for (offline is announced within this after grace)
 * @param offlineRetention how long an offline user's entry (their {@code last_seen}) is kept
 */
public record PresenceConfig(Duration offlineGrace, Duration sweepInterval, Duration offlineRetention) {

  public static PresenceConfig from(Env env) {
    return new PresenceConfig(env.get(PresenceSettings.GRACE), env.get(PresenceSettings.SWEEP),
        env.get(PresenceSettings.RETENTION));
  }
}
