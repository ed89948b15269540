package io.github.minichat.gateway;

import io.github.minichat.common.UserTokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.minichat.platform.Env;
import io.github.minichat.platform.Profile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {

  private static final String STRONG_SECRET = "0123456789abcdef0123456789abcdef-strong";

  @Test
  @DisplayName("the dev profile (the default) falls back to the development secret so the quick start works")
  void devFallsBackToDevSecret() {
    GatewayConfig config = GatewayConfig.from(new Env(Map.of()), "node");
    assertThat(config.profile()).isEqualTo(Profile.DEV);
    assertThat(config.jwtSecret()).isEqualTo(UserTokens.DEV_SECRET);
  }

  @Test
  @DisplayName("the prod profile refuses a missing secret, the development secret and a short secret")
  void prodRefusesWeakSecrets() {
    assertThatThrownBy(() -> GatewayConfig.from(new Env(Map.of("CHAT_PROFILE", "prod")), "node"))
        .hasMessageContaining("CHAT_JWT_SECRET");
    assertThatThrownBy(() -> GatewayConfig.from(
        new Env(Map.of("CHAT_PROFILE", "prod", "CHAT_JWT_SECRET", UserTokens.DEV_SECRET)), "node"))
        .hasMessageContaining("not the development secret");
    assertThatThrownBy(() -> GatewayConfig.from(
        new Env(Map.of("CHAT_PROFILE", "prod", "CHAT_JWT_SECRET", "short")), "node"))
        .hasMessageContaining("at least 32 bytes");
    GatewayConfig config = GatewayConfig.from(
        new Env(Map.of("CHAT_PROFILE", "PROD", "CHAT_JWT_SECRET", STRONG_SECRET)), "node");
    assertThat(config.jwtSecret()).isEqualTo(STRONG_SECRET);
  }

  @Test
  @DisplayName("the secret can come from a mounted file, trimmed, as Kubernetes and Docker secrets are")
  void secretFromFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("jwt");
    Files.writeString(file, STRONG_SECRET + "\n");
    GatewayConfig config = GatewayConfig.from(
        new Env(Map.of("CHAT_PROFILE", "prod", "CHAT_JWT_SECRET_FILE", file.toString())), "node");
    assertThat(config.jwtSecret()).isEqualTo(STRONG_SECRET);
    assertThatThrownBy(() -> GatewayConfig.from(
        new Env(Map.of("CHAT_JWT_SECRET_FILE", dir.resolve("missing").toString())), "node"))
        .hasMessageContaining("cannot be read");
  }

  @Test
  @DisplayName("an unknown profile is a clear startup error")
  void unknownProfile() {
    assertThatThrownBy(() -> GatewayConfig.from(new Env(Map.of("CHAT_PROFILE", "staging")), "node"))
        .hasMessageContaining("CHAT_PROFILE must be dev or prod");
  }
}
