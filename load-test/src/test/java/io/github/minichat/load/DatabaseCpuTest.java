package io.github.minichat.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The CPU of a process tree from /proc: its live processes and the children that have exited. */
class DatabaseCpuTest {

  @Test
  @DisplayName("a tree counts a busy child while it runs and keeps its time once it has exited")
  void treeKeepsTheTimeOfExitedChildren() throws Exception {
    DatabaseCpu tree = new DatabaseCpu(ProcessHandle.current().pid(), null);
    Process child = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
    try {
      DatabaseCpu childAlone = new DatabaseCpu(child.pid(), null);
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
          .until(() -> childAlone.cpuSeconds() >= 0.3);
      double childCpu = childAlone.cpuSeconds();
      double ownCpu = ChatCommand.clientCpuNanos() / 1e9;
      double whileRunning = tree.cpuSeconds();
      assertThat(childCpu).isGreaterThanOrEqualTo(0.3);
      // this JVM's CPU (read a moment before, in finer units than /proc's ticks) plus the child's, at least
      assertThat(whileRunning).isGreaterThanOrEqualTo(ownCpu - 0.02 + childCpu);

      child.destroyForcibly();
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
      // reaped: the child is gone from /proc, its time moved to this process's children's times
      assertThat(childAlone.cpuSeconds()).isNegative();
      assertThat(tree.cpuSeconds()).isGreaterThanOrEqualTo(whileRunning);
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  @DisplayName("a user's processes include this one; an absent root or nothing to measure reads as unknown")
  void userAndUnknown() {
    String me = ProcessHandle.current().info().user().orElseThrow();
    double ownCpu = ChatCommand.clientCpuNanos() / 1e9;
    assertThat(new DatabaseCpu(null, me).cpuSeconds()).isGreaterThanOrEqualTo(ownCpu - 0.02);
    assertThat(new DatabaseCpu(null, "no-such-user-here").cpuSeconds()).isNegative();
    assertThat(new DatabaseCpu(Long.MAX_VALUE, null).cpuSeconds()).isNegative();
    assertThat(new DatabaseCpu(null, null).isEmpty()).isTrue();
    assertThat(new DatabaseCpu(null, null).cpuSeconds()).isNegative();
  }
}
