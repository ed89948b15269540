package io.github.minichat.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.minichat.platform.Env;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresTlsTest {

  private static final String URL = "postgresql://minichat@db.example.internal:5432/minichat";

  @Test
  @DisplayName("without PG_SSL_MODE the URL's sslmode applies, else no TLS (as before)")
  void defaults() {
    PgConnectOptions plain = Postgres.configured(new Env(Map.of("PG_URL", URL)));
    assertThat(plain.getSslMode()).isEqualTo(SslMode.DISABLE);
    assertThat(Postgres.jdbcUrl(plain)).isEqualTo("jdbc:postgresql://db.example.internal:5432/minichat?sslmode=disable");

    PgConnectOptions fromUrl = Postgres.configured(new Env(Map.of("PG_URL", URL + "?sslmode=require")));
    assertThat(fromUrl.getSslMode()).isEqualTo(SslMode.REQUIRE);
    assertThat(fromUrl.getSslOptions().isTrustAll()).as("require encrypts without checking, as libpq").isTrue();
    assertThat(Postgres.jdbcUrl(fromUrl)).endsWith("?sslmode=require");
  }

  @Test
  @DisplayName("verify-full trusts the CA file of PG_SSL_ROOT_CERT and checks the host name; Flyway gets the same")
  void verifyFull(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\n");
    PgConnectOptions options = Postgres.configured(new Env(Map.of("PG_URL", URL, "PG_SSL_MODE", "VERIFY-FULL",
        "PG_SSL_ROOT_CERT", ca.toString())));
    assertThat(options.getSslMode()).isEqualTo(SslMode.VERIFY_FULL);
    assertThat(options.getSslOptions().getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
    assertThat(options.getSslOptions().isTrustAll()).isFalse();
    assertThat(((PemTrustOptions) options.getSslOptions().getTrustOptions()).getCertPaths()).containsExactly(ca.toString());
    assertThat(Postgres.jdbcUrl(options)).startsWith("jdbc:postgresql://db.example.internal:5432/minichat?sslmode=verify-full&sslrootcert=")
        .contains(java.net.URLEncoder.encode(ca.toString(), java.nio.charset.StandardCharsets.UTF_8));

    PgConnectOptions verifyCa = Postgres.configured(new Env(Map.of("PG_URL", URL, "PG_SSL_MODE", "verify-ca",
        "PG_SSL_ROOT_CERT", ca.toString())));
    assertThat(verifyCa.getSslOptions().getHostnameVerificationAlgorithm()).isEmpty();
  }

  @Test
  @DisplayName("an unknown mode, verify-* without a CA file and an unreadable CA file are start-up errors")
  void refusals(@TempDir Path dir) {
    assertThatThrownBy(() -> Postgres.configured(new Env(Map.of("PG_URL", URL, "PG_SSL_MODE", "on"))))
        .hasMessageContaining("PG_SSL_MODE must be one of");
    assertThatThrownBy(() -> Postgres.configured(new Env(Map.of("PG_URL", URL, "PG_SSL_MODE", "verify-full"))))
        .hasMessageContaining("needs PG_SSL_ROOT_CERT");
    assertThatThrownBy(() -> Postgres.configured(new Env(Map.of("PG_URL", URL, "PG_SSL_MODE", "verify-full",
        "PG_SSL_ROOT_CERT", dir.resolve("missing.crt").toString()))))
        .hasMessageContaining("cannot be read");
  }
}
