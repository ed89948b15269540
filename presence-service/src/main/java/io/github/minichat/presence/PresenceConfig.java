package io.github.minichat.presence;

import io.github.minichat.platform.Env;
import java.time.Duration;

/**
 * @param offlineGrace  how long a user with no connection left still counts as online (avoids flapping)
 * @param sweepInterval how often ended grace periods are looked for (offline is announced within this after grace)
 * @param offlineRetention how long an offline user's entry (their {@code last_seen}) is kept
 */
public record PresenceConfig(Duration offlineGrace, Duration sweepInterval, Duration offlineRetention) {

  public static PresenceConfig from(Env env) {
    Duration grace = env.millis("CHAT_PRESENCE_GRACE_MS", 5_000);
    return new PresenceConfig(grace,
        env.millis("CHAT_PRESENCE_SWEEP_MS", Math.max(50, Math.min(1_000, grace.toMillis() / 4))),
        env.millis("CHAT_PRESENCE_RETENTION_MS", Duration.ofDays(30).toMillis()));
  }
}
