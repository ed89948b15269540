package io.github.minichat.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A setting reads its variable, falls back to its default, and refuses what does not parse by name and reason. */
class SettingTest {

  private static final Setting<Integer> LIMIT = Setting.positive("CHAT_TEST_LIMIT", 64, "a limit");
  private static final Setting<Duration> TIMEOUT = Setting.millis("CHAT_TEST_TIMEOUT_MS", 5_000, "a timeout");

  private static Env env(Map<String, String> values) {
    return new Env(values);
  }

  @Test
  @DisplayName("unset or blank gives the default; a value is parsed, trimmed")
  void defaultsAndValues() {
    assertThat(env(Map.of()).get(LIMIT)).isEqualTo(64);
    assertThat(env(Map.of("CHAT_TEST_LIMIT", "   ")).get(LIMIT)).isEqualTo(64);
    assertThat(env(Map.of("CHAT_TEST_LIMIT", " 7 ")).get(LIMIT)).isEqualTo(7);
    assertThat(env(Map.of("CHAT_TEST_TIMEOUT_MS", "250")).get(TIMEOUT)).isEqualTo(Duration.ofMillis(250));
    assertThat(LIMIT.defaultText()).contains("64");
  }

  @Test
  @DisplayName("a value that does not parse or breaks the rule is refused at start, naming the variable")
  void refusals() {
    for (String bad : List.of("seven", "1.5", "99999999999", "0x10", "-", "1_000")) {
      assertThatThrownBy(() -> env(Map.of("CHAT_TEST_LIMIT", bad)).get(LIMIT))
          .as("value %s", bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("CHAT_TEST_LIMIT must be");
    }
    assertThatThrownBy(() -> env(Map.of("CHAT_TEST_LIMIT", "0")).get(LIMIT))
        .hasMessageContaining("CHAT_TEST_LIMIT must be positive");
    assertThatThrownBy(() -> env(Map.of("CHAT_TEST_TIMEOUT_MS", "soon")).get(TIMEOUT))
        .hasMessageContaining("CHAT_TEST_TIMEOUT_MS must be a number of milliseconds");
  }

  @Test
  @DisplayName("a computed default is computed from the environment; another process's default keeps the text")
  void computedDefaults() {
    Setting<Integer> half = Setting.integer("CHAT_TEST_HALF", 0, "half of the limit")
        .defaultsTo(env -> env.get(LIMIT) / 2, "half of `CHAT_TEST_LIMIT`");
    assertThat(env(Map.of("CHAT_TEST_LIMIT", "10")).get(half)).isEqualTo(5);
    assertThat(half.defaultText()).isEqualTo("half of `CHAT_TEST_LIMIT`");
    Setting<Integer> launcherLimit = LIMIT.withDefault(8);
    assertThat(env(Map.of()).get(launcherLimit)).isEqualTo(8);
    assertThat(launcherLimit.defaultText()).isEqualTo(LIMIT.defaultText());
  }

  @Test
  @DisplayName("a secret comes from its variable, else from the file NAME_FILE names, trimmed")
  void secrets(@TempDir Path dir) throws Exception {
    Setting<String> secret = Setting.secret("CHAT_TEST_SECRET", "a secret");
    assertThat(secret.names()).containsExactly("CHAT_TEST_SECRET", "CHAT_TEST_SECRET_FILE");
    Path file = Files.writeString(dir.resolve("secret"), "  from-a-file\n");
    assertThat(env(Map.of("CHAT_TEST_SECRET_FILE", file.toString())).get(secret)).isEqualTo("from-a-file");
    assertThat(env(Map.of("CHAT_TEST_SECRET", "direct", "CHAT_TEST_SECRET_FILE", file.toString())).get(secret))
        .isEqualTo("direct");
    assertThat(env(Map.of()).get(secret)).isNull();
    assertThatThrownBy(() -> env(Map.of("CHAT_TEST_SECRET_FILE", dir.resolve("missing").toString())).get(secret))
        .hasMessageContaining("CHAT_TEST_SECRET_FILE");
  }
}
