package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Sockets silent for longer than the idle timeout are closed by the server; a heartbeat keeps them open. */
class IdleTimeoutTest {

  private static final Duration IDLE_TIMEOUT = Duration.ofMillis(600);
  private static final short IDLE_CLOSE_CODE = 4408;

  private static ChatSystem system;
  private static RaceFreeSockets sockets;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("idle", Map.of("CHAT_IDLE_TIMEOUT_MS", Long.toString(IDLE_TIMEOUT.toMillis())));
    sockets = new RaceFreeSockets(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  @Test
  @DisplayName("a bound socket that sends nothing is closed by the server with 4408, not before the timeout")
  void silentBoundSocketIsClosed() {
    long opened = System.nanoTime();
    try (TestClient silent = sockets.connect(701)) {
      // awaitClose waits (with its own deadline) for the server to close; nothing here sends anything
      assertThat(silent.awaitClose()).isEqualTo(IDLE_CLOSE_CODE);
      // measured from before the handshake, so the server's own clock started later: never closed early
      assertThat(Duration.ofNanos(System.nanoTime() - opened)).isGreaterThanOrEqualTo(IDLE_TIMEOUT);
    }
  }

  @Test
  @DisplayName("a socket that never binds and sends nothing is closed with 4408 as well")
  void silentUnboundSocketIsClosed() {
    try (TestClient silent = sockets.open(703)) {
      silent.expect("init");
      assertThat(silent.awaitClose()).isEqualTo(IDLE_CLOSE_CODE);
    }
  }

  @Test
  @DisplayName("a socket sending a heart every 200 ms stays open for more than three idle timeouts")
  void heartbeatKeepsSocketOpen() {
    try (TestClient beating = sockets.connect(711); TestClient silent = sockets.connect(712)) {
      long started = System.nanoTime();
      // hearts paced by a timer of the system's own Vert.x, not by sleeping in the test
      long timer = system.vertx.setPeriodic(200, id -> beating.send(RaceFreeSockets.heart(711)));
      try {
        int replies = 0;
        // ten replies take about 2 s, well beyond the 600 ms timeout; each must come within the expect deadline
        while (replies < 10) {
          beating.expect("heart");
          replies++;
          assertThat(beating.closed).as("closed after %d hearts", replies).isNotDone();
        }
      } finally {
        system.vertx.cancelTimer(timer);
      }
      Duration alive = Duration.ofNanos(System.nanoTime() - started);
      assertThat(alive).isGreaterThan(Duration.ofMillis(1_500));
      assertThat(beating.closed).isNotDone();
      // the control socket, opened at the same time and silent, was closed meanwhile
      assertThat(silent.awaitClose()).isEqualTo(IDLE_CLOSE_CODE);
      // and the beating one still answers
      RaceFreeSockets.assertAlive(beating, 711);
    }
  }
}
