package io.github.minichat.message;

import io.github.minichat.platform.Env;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database the service is given (PG_URL or the PG* variables) and the connection settings the store relies on;
 * the schema is {@link Schema}'s.
 */
public final class Postgres {

  private static final Logger LOG = LoggerFactory.getLogger(Postgres.class);

  private Postgres() {
  }

  /** Whether {@code PG_URL} or the standard {@code PGHOST} variable names a server. */
  public static boolean isConfigured(Env env) {
    return env.get(MessageSettings.PG_URL) != null || env.get(MessageSettings.PGHOST) != null;
  }

  /** The configured server, or a start-up error that says how to configure one. */
  public static PgConnectOptions required(Env env) {
    if (!isConfigured(env)) {
      throw new IllegalArgumentException("No database configured: set PG_URL"
          + " (postgresql://user:password@host:port/database) or the PG* variables (PGHOST, PGPORT, PGDATABASE,"
          + " PGUSER); the launcher starts an embedded PostgreSQL for development when none is set");
    }
    return configured(env);
  }

  /**
   * The configured server: {@code PG_URL} (postgresql://user:password@host:port/db) or the {@code PG*} variables,
   * with the password overridden by {@code PG_PASSWORD} or the file named by {@code PG_PASSWORD_FILE}.
   */
  public static PgConnectOptions configured(Env env) {
    String url = env.get(MessageSettings.PG_URL);
    PgConnectOptions options = url != null
        ? PgConnectOptions.fromUri(url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url)
        : PgConnectOptions.fromEnv();
    // The password may come on its own, from a mounted secret file, so that it never sits in a URL or a manifest.
    String password = env.get(MessageSettings.PG_PASSWORD);
    if (password != null) {
      options.setPassword(password);
    }
    return withTls(options, env);
  }

  /**
   * TLS to the server, as libpq's {@code sslmode} and {@code sslrootcert}: {@code PG_SSL_MODE} (disable, allow,
   * prefer, require, verify-ca, verify-full; default: the URL's {@code sslmode}, else disable) and
   * {@code PG_SSL_ROOT_CERT}, a PEM file of the certificate authorities to trust (required by verify-ca and
   * verify-full). allow, prefer and require encrypt without checking the certificate, as libpq does without a root
   * certificate; verify-full also checks that the certificate names the host of PG_URL, so that host must be the
   * server's real name (not an alias such as a Kubernetes ExternalName Service).
   */
  static PgConnectOptions withTls(PgConnectOptions options, Env env) {
    String mode = env.get(MessageSettings.PG_SSL_MODE);
    if (mode != null) {
      try {
        options.setSslMode(SslMode.of(mode.trim().toLowerCase(java.util.Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("PG_SSL_MODE must be one of disable, allow, prefer, require, verify-ca,"
            + " verify-full, got " + mode);
      }
    }
    SslMode sslMode = options.getSslMode() == null ? SslMode.DISABLE : options.getSslMode();
    String rootCert = env.get(MessageSettings.PG_SSL_ROOT_CERT);
    boolean verifies = sslMode == SslMode.VERIFY_CA || sslMode == SslMode.VERIFY_FULL;
    if (verifies && rootCert == null) {
      throw new IllegalArgumentException("PG_SSL_MODE=" + sslMode.value + " needs PG_SSL_ROOT_CERT, a PEM file of the"
          + " certificate authorities that signed the server's certificate");
    }
    if (rootCert != null && !java.nio.file.Files.isReadable(Path.of(rootCert))) {
      throw new IllegalArgumentException("PG_SSL_ROOT_CERT=" + rootCert + " cannot be read");
    }
    if (sslMode == SslMode.DISABLE) {
      return options;
    }
    ClientSSLOptions ssl = new ClientSSLOptions();
    if (rootCert != null) {
      ssl.setTrustOptions(new PemTrustOptions().addCertPath(rootCert));
    } else {
      ssl.setTrustAll(true);
    }
    ssl.setHostnameVerificationAlgorithm(sslMode == SslMode.VERIFY_FULL ? "HTTPS" : "");
    return options.setSslMode(sslMode).setSslOptions(ssl);
  }

  /** The JDBC URL Flyway connects with: the same server, database and TLS settings as the pool's. */
  static String jdbcUrl(PgConnectOptions options) {
    StringBuilder url = new StringBuilder("jdbc:postgresql://").append(options.getHost()).append(':')
        .append(options.getPort()).append('/').append(options.getDatabase());
    SslMode mode = options.getSslMode() == null ? SslMode.DISABLE : options.getSslMode();
    url.append("?sslmode=").append(mode.value);
    if (mode != SslMode.DISABLE && options.getSslOptions() != null
        && options.getSslOptions().getTrustOptions() instanceof PemTrustOptions pem && !pem.getCertPaths().isEmpty()) {
      url.append("&sslrootcert=").append(java.net.URLEncoder.encode(pem.getCertPaths().get(0),
          java.nio.charset.StandardCharsets.UTF_8));
    }
    return url.toString();
  }

  /**
   * Statements prepared once per connection and pipelined, and planned as the key lookups they all are: no sequential
   * scans, hash or merge joins. Left to its estimates, PostgreSQL hashes the whole of {@code inboxes} and
   * {@code conversations} for a batch of a few dozen keys (their hot rows carry many dead versions that the
   * estimates do not see), which made the store's database time grow with the number of users.
   */
  public static PgConnectOptions tuned(PgConnectOptions server) {
    return new PgConnectOptions(server).setCachePreparedStatements(true).setPipeliningLimit(256)
        .addProperty("enable_seqscan", "off")
        .addProperty("enable_hashjoin", "off")
        .addProperty("enable_mergejoin", "off")
        .addProperty("plan_cache_mode", "force_generic_plan");
  }
}
