package io.github.minichat.message.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresTest {

  @TempDir
  Path tmp;

  @Test
  void keepsDataAcrossRestartsAndLeavesNoProcessBehind() throws Exception {
    // JUnit makes @TempDir mode 700; under root the server runs as nobody and must reach the directory
    // (otherwise the class falls back to /var/tmp, which this test would not clean up).
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path base = tmp.resolve("pg");

    long firstPid;
    try (EmbeddedPostgres pg = EmbeddedPostgres.start(base, 0)) {
      assertThat(pg.host()).isEqualTo("127.0.0.1");
      assertThat(pg.port()).isPositive();
      assertThat(pg.user()).isEqualTo("postgres");
      assertThat(pg.database()).isEqualTo("postgres");
      firstPid = postmasterPid(base);
      if (new com.sun.security.auth.module.UnixSystem().getUid() == 0) {
        // PostgreSQL refuses root, so the cluster must belong to nobody
        assertThat(Files.getAttribute(base.resolve("data"), "unix:uid")).isEqualTo(65534);
      }
      assertThat(ProcessHandle.of(firstPid)).hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());
      try (Connection c = connect(pg); Statement st = c.createStatement()) {
        assertThat(queryInt(st, "select 1")).isEqualTo(1);
        st.execute("create table note (id int primary key, body text not null)");
        st.execute("insert into note values (1, 'survives restarts')");
      }
      pg.close();
      pg.close(); // idempotent
    }
    assertNoServerLeft(base, firstPid);

    try (EmbeddedPostgres pg = EmbeddedPostgres.start(base, 0)) {
      long secondPid = postmasterPid(base);
      try (Connection c = connect(pg); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("select body from note where id = 1")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("survives restarts");
      }
      pg.close();
      assertNoServerLeft(base, secondPid);
    }
  }

  private static Connection connect(EmbeddedPostgres pg) throws SQLException {
    String url = "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/" + pg.database();
    return DriverManager.getConnection(url, pg.user(), "");
  }

  private static int queryInt(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static long postmasterPid(Path base) throws Exception {
    return Long.parseLong(Files.readAllLines(base.resolve("data/postmaster.pid")).get(0).trim());
  }

  /**
   * Neither the postmaster nor any process run from this cluster's binaries (its backends) is left. Only those: other
   * test classes in this JVM may keep an embedded server of their own (see TestDatabase) running meanwhile.
   */
  private static void assertNoServerLeft(Path base, long postmasterPid) throws IOException {
    assertThat(ProcessHandle.of(postmasterPid).filter(ProcessHandle::isAlive)).isEmpty();
    String binaries = base.toRealPath().toString(); // a process's command is its executable's real path
    List<String> leftovers = ProcessHandle.current().descendants()
        .filter(h -> h.info().command().orElse("").startsWith(binaries))
        .map(h -> h.pid() + " " + h.info().commandLine().orElse("?"))
        .collect(Collectors.toList());
    assertThat(leftovers).isEmpty();
  }
}
