package io.github.minichat.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDatabaseTest {

  @TempDir
  Path tmp;

  @Test
  @DisplayName("the embedded server keeps its data across restarts, listens on loopback only and leaves no process")
  void keepsDataAcrossRestartsAndLeavesNoProcessBehind() throws Exception {
    Path base = tmp.resolve("pg");
    long firstPid;
    try (EmbeddedDatabase pg = EmbeddedDatabase.start(base, 0)) {
      assertThat(pg.port()).isPositive();
      firstPid = postmasterPid(pg);
      try (Connection c = connect(pg); Statement st = c.createStatement()) {
        assertThat(query(st, "SHOW listen_addresses")).isEqualTo("127.0.0.1");
        assertThat(query(st, "SHOW data_directory")).isEqualTo(base.resolve("data").toString());
        // acknowledged means on disk, as on a configured server (zonky's test defaults turn both off)
        assertThat(query(st, "SHOW fsync")).isEqualTo("on");
        assertThat(query(st, "SHOW synchronous_commit")).isEqualTo("on");
        st.execute("CREATE TABLE note (id int PRIMARY KEY, body text NOT NULL)");
        st.execute("INSERT INTO note VALUES (1, 'survives restarts')");
      }
      pg.close();
      pg.close(); // idempotent
    }
    assertNoServerLeft(firstPid);

    try (EmbeddedDatabase pg = EmbeddedDatabase.start(base, 0)) {
      try (Connection c = connect(pg); Statement st = c.createStatement()) {
        assertThat(query(st, "SELECT body FROM note WHERE id = 1")).isEqualTo("survives restarts");
      }
      long secondPid = postmasterPid(pg);
      pg.close();
      assertNoServerLeft(secondPid);
    }
  }

  @Test
  @DisplayName("another process's folder is refused while it lives; the server it leaves when killed is stopped")
  void takesOverFromALauncherKilledOutright() throws Exception {
    Path base = tmp.resolve("pg");
    Process launcher = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), OtherLauncher.class.getName(), base.toString())
        .redirectErrorStream(true).start();
    try {
      var output = new java.io.BufferedReader(new java.io.InputStreamReader(launcher.getInputStream()));
      String line;
      do {
        line = output.readLine();
      } while (line != null && !line.startsWith("ready "));
      assertThat(line).as("the other launcher's server started").isNotNull();
      long orphanPid = Long.parseLong(line.substring("ready ".length()));

      assertThatThrownBy(() -> EmbeddedDatabase.start(base, 0)).isInstanceOf(IOException.class)
          .hasMessageContaining("Another process runs the embedded PostgreSQL of " + base);

      launcher.destroyForcibly(); // SIGKILL: no shutdown hook, the server stays behind
      assertThat(launcher.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(ProcessHandle.of(orphanPid).filter(ProcessHandle::isAlive)).as("left running").isPresent();

      try (EmbeddedDatabase pg = EmbeddedDatabase.start(base, 0)) {
        assertThat(ProcessHandle.of(orphanPid).filter(ProcessHandle::isAlive)).isEmpty();
        try (Connection c = connect(pg); Statement st = c.createStatement()) {
          assertThat(query(st, "SELECT count(*) FROM note")).isEqualTo("0");
        }
      }
    } finally {
      launcher.destroyForcibly();
    }
  }

  /** Another launcher: starts the server on the folder it is given, makes a table, and runs until killed. */
  public static final class OtherLauncher {
    public static void main(String[] args) throws Exception {
      EmbeddedDatabase pg = EmbeddedDatabase.start(Path.of(args[0]), 0);
      try (Connection c = connect(pg); Statement st = c.createStatement()) {
        st.execute("CREATE TABLE note (id int PRIMARY KEY)");
      }
      System.out.println("ready " + postmasterPid(pg));
      new java.util.concurrent.CountDownLatch(1).await(); // until the test kills this process
    }
  }

  private static Connection connect(EmbeddedDatabase pg) throws SQLException {
    String url = "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + pg.database();
    return DriverManager.getConnection(url, pg.user(), "");
  }

  private static String query(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static long postmasterPid(EmbeddedDatabase pg) throws IOException {
    return Long.parseLong(Files.readAllLines(pg.dataDir().resolve("postmaster.pid")).get(0).trim());
  }

  /** Neither the postmaster nor any of its backends is left. */
  private static void assertNoServerLeft(long postmasterPid) throws Exception {
    ProcessHandle.of(postmasterPid).ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join());
    assertThat(ProcessHandle.of(postmasterPid).filter(ProcessHandle::isAlive)).isEmpty();
    List<String> children = ProcessHandle.allProcesses()
        .filter(h -> h.parent().map(p -> p.pid() == postmasterPid).orElse(false))
        .map(h -> h.pid() + " " + h.info().commandLine().orElse("?"))
        .collect(Collectors.toList());
    assertThat(children).isEmpty();
  }
}
