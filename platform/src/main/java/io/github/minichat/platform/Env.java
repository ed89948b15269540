package io.github.minichat.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Reads configuration from environment variables, with defaults, failing fast on values that don't parse. Settings
 * are read with {@link #get(Setting)}; the name-based readers remain for code not yet moved to a catalogue.
 */
public final class Env {

  private final Map<String, String> values;

  public Env(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  public static Env system() {
    return new Env(System.getenv());
  }

  /** The value of {@code setting}, or its default when unset or blank; a value that does not parse is an error. */
  public <T> T get(Setting<T> setting) {
    String text = setting.isSecret() ? secret(setting.name()) : stringOrNull(setting.name());
    return text == null ? setting.fallback(this) : setting.parse(text);
  }

  public String string(String name, String defaultValue) {
    String value = values.get(name);
    return value == null || value.isBlank() ? defaultValue : value.trim();
  }

  public String stringOrNull(String name) {
    return string(name, null);
  }

  /**
   * A secret: the value of {@code name}, or else the contents of the file named by {@code name_FILE} (how Kubernetes
   * and Docker mount secrets), trimmed; null when neither is set. Read once at startup.
   */
  public String secret(String name) {
    String value = string(name, null);
    String file = string(name + "_FILE", null);
    if (value != null || file == null) {
      return value;
    }
    try {
      String contents = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
      return contents.isEmpty() ? null : contents;
    } catch (IOException e) {
      throw new UncheckedIOException(name + "_FILE names a file that cannot be read: " + file, e);
    }
  }

  public int integer(String name, int defaultValue) {
    String value = string(name, null);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'");
    }
  }

  /** A duration in milliseconds. */
  public Duration millis(String name, long defaultMillis) {
    String value = string(name, null);
    if (value == null) {
      return Duration.ofMillis(defaultMillis);
    }
    try {
      return Duration.ofMillis(Long.parseLong(value));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number of milliseconds, got '" + value + "'");
    }
  }
}
