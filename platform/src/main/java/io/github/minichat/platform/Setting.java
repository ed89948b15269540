package io.github.minichat.platform;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One environment variable of the system: its name, how its text becomes a value, its default and what it means.
 * Each module lists its settings in one catalogue ({@code PlatformSettings}, {@code GatewaySettings}…), which is
 * both what the code reads, through {@link Env#get}, and what docs/configuration.md is generated from.
 *
 * <p>A default is a value, or computed when read (from the machine or from another setting) and then described in
 * words for the documentation.
 *
 * @param <T> the value's type
 */
public final class Setting<T> {

  /** How a setting's text becomes a value; {@code expected} completes "NAME must be …" when it does not parse. */
  public record Kind<T>(String expected, Function<String, T> parse) {

    public static final Kind<String> TEXT = new Kind<>("text", text -> text);
    public static final Kind<Integer> INTEGER = new Kind<>("an integer", Integer::parseInt);
    public static final Kind<Duration> MILLIS = new Kind<>("a number of milliseconds",
        text -> Duration.ofMillis(Long.parseLong(text)));
    public static final Kind<Duration> SECONDS = new Kind<>("a number of seconds",
        text -> Duration.ofSeconds(Long.parseLong(text)));

    /** One of {@code values}, in any case, read as written in {@code values}. */
    public static Kind<String> oneOf(List<String> values) {
      String expected = String.join(", ", values.subList(0, values.size() - 1)) + " or " + values.get(values.size() - 1);
      return new Kind<>(expected, text -> values.stream().filter(value -> value.equalsIgnoreCase(text)).findFirst()
          .orElseThrow(IllegalArgumentException::new));
    }
  }

  private final String name;
  private final Kind<T> kind;
  private final Function<Env, T> fallback;
  private final String defaultText;
  private final String meaning;
  private final Predicate<T> rule;
  private final String requirement;
  private final boolean secret;

  private Setting(String name, Kind<T> kind, Function<Env, T> fallback, String defaultText, String meaning,
      Predicate<T> rule, String requirement, boolean secret) {
    this.name = name;
    this.kind = kind;
    this.fallback = fallback;
    this.defaultText = defaultText;
    this.meaning = meaning;
    this.rule = rule;
    this.requirement = requirement;
    this.secret = secret;
  }

  private static <T> Setting<T> of(String name, Kind<T> kind, T defaultValue, String defaultText, String meaning) {
    return new Setting<>(name, kind, env -> defaultValue, defaultText, meaning, value -> true, null, false);
  }

  public static Setting<String> text(String name, String defaultValue, String meaning) {
    return of(name, Kind.TEXT, defaultValue, "`" + defaultValue + "`", meaning);
  }

  /** A text with no default: read as null when unset. */
  public static Setting<String> optional(String name, String meaning) {
    return of(name, Kind.TEXT, null, "unset", meaning);
  }

  /**
   * A secret: the value of {@code name}, or else the contents of the file named by {@code name_FILE} (how
   * Kubernetes and Docker mount secrets); null when neither is set.
   */
  public static Setting<String> secret(String name, String meaning) {
    return new Setting<>(name, Kind.TEXT, env -> null, "unset", meaning, value -> true, null, true);
  }

  public static Setting<String> oneOf(String name, List<String> values, String defaultValue, String meaning) {
    return of(name, Kind.oneOf(values), defaultValue, "`" + defaultValue + "`", meaning);
  }

  public static Setting<Integer> integer(String name, int defaultValue, String meaning) {
    return of(name, Kind.INTEGER, defaultValue, "`" + defaultValue + "`", meaning);
  }

  /** A count or size that must be above 0. */
  public static Setting<Integer> positive(String name, int defaultValue, String meaning) {
    return integer(name, defaultValue, meaning).requiring(value -> value > 0, "positive");
  }

  public static Setting<Duration> millis(String name, long defaultMillis, String meaning) {
    return of(name, Kind.MILLIS, Duration.ofMillis(defaultMillis), "`" + defaultMillis + "`", meaning);
  }

  public static Setting<Duration> seconds(String name, long defaultSeconds, String meaning) {
    return of(name, Kind.SECONDS, Duration.ofSeconds(defaultSeconds), "`" + defaultSeconds + "`", meaning);
  }

  /** The same setting with a default computed when read, documented as {@code described}. */
  public Setting<T> defaultsTo(Function<Env, T> computed, String described) {
    return new Setting<>(name, kind, computed, described, meaning, rule, requirement, secret);
  }

  /**
   * The same setting with another default for one kind of process (the launcher's differs from a service's); the
   * documented default, which names both, stays.
   */
  public Setting<T> withDefault(T value) {
    return new Setting<>(name, kind, env -> value, defaultText, meaning, rule, requirement, secret);
  }

  /** The same setting, refusing a given value that breaks {@code rule} with "NAME must be {@code requirement}". */
  public Setting<T> requiring(Predicate<T> rule, String requirement) {
    return new Setting<>(name, kind, fallback, defaultText, meaning, rule, requirement, secret);
  }

  public String name() {
    return name;
  }

  /** The variables that set it: the name, and for a secret also {@code name_FILE}. */
  public List<String> names() {
    return secret ? List.of(name, fileVariable()) : List.of(name);
  }

  /** The default as the documentation shows it (Markdown). */
  public String defaultText() {
    return defaultText;
  }

  /** What it means, in one line (Markdown). */
  public String meaning() {
    return meaning;
  }

  boolean isSecret() {
    return secret;
  }

  String fileVariable() {
    return name + "_FILE";
  }

  T fallback(Env env) {
    return fallback.apply(env);
  }

  /** The value of {@code text}, or a start-up error naming the variable and what it must be. */
  T parse(String text) {
    T value;
    try {
      value = kind.parse().apply(text);
    } catch (IllegalArgumentException e) { // NumberFormatException included
      throw new IllegalArgumentException(name + " must be " + kind.expected() + ", got '" + text + "'");
    }
    if (!rule.test(value)) {
      throw new IllegalArgumentException(name + " must be " + requirement + ", got " + text);
    }
    return value;
  }

  @Override
  public String toString() {
    return name;
  }
}
