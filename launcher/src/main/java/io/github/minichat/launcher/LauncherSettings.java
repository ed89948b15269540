package io.github.minichat.launcher;

import io.github.minichat.platform.Setting;
import java.util.List;

/** The launcher's own settings: where and how the quick start's embedded PostgreSQL runs. */
public final class LauncherSettings {

  public static final Setting<String> DATA_DIR = Setting.text("CHAT_DATA_DIR", "data",
      "where the embedded PostgreSQL keeps what it needs when no database is configured: `<dir>/postgres` holds its"
          + " binaries, its data (kept across restarts), its log and the lock that keeps a second launcher out");
  public static final Setting<Integer> EMBEDDED_PG_PORT = Setting.integer("CHAT_EMBEDDED_PG_PORT", 54329,
      "port of the embedded PostgreSQL (loopback only; `0`: a free one)");

  public static final List<Setting<?>> ALL = List.of(DATA_DIR, EMBEDDED_PG_PORT);

  private LauncherSettings() {
  }
}
