package io.github.minichat.presence;

import io.github.minichat.platform.Setting;
import java.time.Duration;
import java.util.List;

/** The presence service's settings. */
public final class PresenceSettings {

  public static final Setting<Duration> GRACE = Setting.millis("CHAT_PRESENCE_GRACE_MS", 5_000,
      "a user whose last connection closed stays online this long (no flapping)");
  public static final Setting<Duration> SWEEP = Setting.millis("CHAT_PRESENCE_SWEEP_MS", 1_000,
          "how often ended grace periods are looked for (offline is announced within this after the grace)")
      .defaultsTo(env -> Duration.ofMillis(Math.max(50, Math.min(1_000, env.get(GRACE).toMillis() / 4))),
          "grace / 4, at least 50, at most 1000");
  public static final Setting<Duration> RETENTION = Setting.millis("CHAT_PRESENCE_RETENTION_MS",
          Duration.ofDays(30).toMillis(), "how long an offline user's presence entry (`last_seen`) is kept")
      .defaultsTo(env -> Duration.ofDays(30), "30 days");

  public static final List<Setting<?>> ALL = List.of(GRACE, SWEEP, RETENTION);

  private PresenceSettings() {
  }
}
