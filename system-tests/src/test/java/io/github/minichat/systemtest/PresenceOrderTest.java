package io.github.minichat.systemtest;

import io.github.minichat.common.UserTokens;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.gateway.TokenVerifier;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A bind's connect is held up in a stalled presence instance (frozen with SIGSTOP) until the gateway gives up on it
 * and closes the socket (1013); the close is recorded by the other instance first, and only then does the stalled
 * one, resumed, apply the connect. The close must win: the user ends offline, though their gateway is alive.
 *
 * <p>What makes it deterministic: the gateway hands requests for one address to the two presence instances in
 * strict turn, so two consecutive requests reach one instance each. A frozen member also stalls the presence-map
 * partitions it owns; a user is only taken when a presence question about them is answered while it is frozen
 * (then their entry is on a live member, and only the request itself can wait in the frozen instance). A bind that
 * is answered went to the live instance: its socket is closed, and the next bind goes to the frozen one.
 */
class PresenceOrderTest {

  private static final long ASKER = 9_900;
  private static final long WARM_UP_USER = 9_801;
  private static final long FIRST_USER = 9_901;
  private static final int CANDIDATES = 12;
  /** Short, so that freezes stay short; long enough for a live instance to answer on a loaded machine. */
  private static final Duration BUS_TIMEOUT = Duration.ofMillis(2_000);
  /** Far longer than any freeze here: the frozen member must stay in the cluster. */
  private static final int MAX_NO_HEARTBEAT_S = 120;
  private static final Duration FREEZE_BUDGET = Duration.ofSeconds(60);
  /** The disconnect goes to either instance and, when it reaches the frozen one, is retried after its timeout. */
  private static final Duration CLOSE_RECORDED_WITHIN = Duration.ofSeconds(15);
  private static final Duration SETTLE = Duration.ofSeconds(60);

  private static LocalCluster cluster;
  private static ServiceProcess stalled;
  private static ServiceProcess live;
  private static LocalCluster.Gateway gateway;
  private static WebSocketClient webSockets;
  private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(ChatSystem.AWAIT).build();

  @BeforeAll
  static void start() {
    cluster = new LocalCluster("presence_order", Map.of(
        "CHAT_BUS_TIMEOUT_MS", Long.toString(BUS_TIMEOUT.toMillis()),
        "CHAT_CLUSTER_MAX_NO_HEARTBEAT_S", Integer.toString(MAX_NO_HEARTBEAT_S)));
    stalled = cluster.presence("po-presence-1");
    live = cluster.presence("po-presence-2");
    cluster.messages("po-messages-1");
    gateway = cluster.gateway("po-gateway-1");
    webSockets = cluster.clients.vertx().createWebSocketClient();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      if (stalled != null && stalled.alive()) {
        signal(stalled, "CONT");
      }
      cluster.close();
    }
  }

  @Test
  @DisplayName("a close recorded before its connect wins: the late connect is refused and the user ends offline")
  void closeOvertakingItsConnectWins() {
    warmUp();
    long user = bindHeldUpInTheStalledInstance();

    // two consecutive answers: one from each instance, the resumed one's after it applied the late connect
    int answered = 0;
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while (answered < 2) {
      assertThat(System.nanoTime()).as("two consecutive presence answers within %s", SETTLE).isLessThan(deadline);
      Ask ask = ask(user);
      if (ask.status() != 200) {
        answered = 0;
        continue;
      }
      assertThat(ask.body().getBoolean("online")).as("user %d online: %s", user, ask.body()).isFalse();
      answered++;
    }
    // and the connect did arrive late, at the instance that was frozen
    stalled.awaitLog("of user " + user + " refused", SETTLE);
  }

  /**
   * Binds, asks about and closes one user per presence instance and waits until both are offline: each node then
   * knows who handles the addresses involved (Vert.x reads that from a cluster map, which may have its part on the
   * member to be frozen, only the first time).
   */
  private static void warmUp() {
    List<Long> users = List.of(WARM_UP_USER, WARM_UP_USER + 1);
    long deadline = System.nanoTime() + SETTLE.toNanos();
    for (long user : users) {
      // on a loaded machine a bind may time out even now: bind again
      while (true) {
        assertThat(System.nanoTime()).as("user %d bound within %s", user, SETTLE).isLessThan(deadline);
        TestClient client = bind(user);
        boolean bound = "heart".equals(outcome(client).getString("type"));
        client.close();
        if (bound) {
          break;
        }
      }
    }
    for (long user : users) {
      while (true) {
        assertThat(System.nanoTime()).as("user %d offline within %s", user, SETTLE).isLessThan(deadline);
        Ask ask = ask(user);
        if (ask.status() == 200 && !ask.body().getBoolean("online")) {
          break;
        }
      }
    }
  }

  /**
   * Freezes presence instance 1 and binds new users until one bind's connect waits in it and fails at the gateway,
   * and that socket's close has been recorded by instance 2; resumes instance 1 and returns that user.
   */
  private static long bindHeldUpInTheStalledInstance() {
    long frozenUntil = System.nanoTime() + FREEZE_BUDGET.toNanos();
    List<String> tried = new ArrayList<>();
    signal(stalled, "STOP");
    try {
      for (long user = FIRST_USER; user < FIRST_USER + CANDIDATES; user++) {
        assertThat(System.nanoTime()).as("a bind held up within %s (%s)", FREEZE_BUDGET, tried)
            .isLessThan(frozenUntil);
        if (!entryOnALiveMember(user)) {
          tried.add(user + ": entry on the frozen member");
          continue;
        }
        TestClient client = bind(user);
        JsonObject outcome = outcome(client);
        if ("heart".equals(outcome.getString("type"))) {
          client.close(); // recorded by the live instance: the next connect goes to the frozen one
          tried.add(user + ": bound");
          continue;
        }
        assertThat(client.awaitClose()).as("close code after %s", outcome).isEqualTo((short) 1013);
        try {
          live.awaitLog("of user " + user + " recorded before its connect", CLOSE_RECORDED_WITHIN);
          return user;
        } catch (AssertionError notSeen) {
          // its connect was answered too late by the live instance (a loaded machine), not held up: next user
          tried.add(user + ": timed out, but its connect was not the frozen instance's");
        }
      }
      throw new AssertionError("no bind went to the frozen presence instance: " + tried);
    } finally {
      signal(stalled, "CONT");
    }
  }

  /** The answer to a bind: the heart after it, or the error that precedes closing the socket. */
  private static JsonObject outcome(TestClient client) {
    return client.expect(frame -> "heart".equals(frame.getString("type"))
        || "error".equals(frame.getString("type")), "the bind's outcome");
  }

  /** Asked twice in a row, once of each instance: answered unless the user's entry is on the frozen member. */
  private static boolean entryOnALiveMember(long user) {
    return ask(user).status() == 200 || ask(user).status() == 200;
  }

  private static TestClient bind(long user) {
    ClientWebSocket webSocket = webSockets.webSocket();
    TestClient client = new TestClient(webSocket);
    ChatSystem.await(webSocket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port())
        .setURI("/ws?token=" + UserTokens.mint(LocalCluster.SECRET, user, Duration.ofHours(1)))));
    client.expect("init");
    client.send(new JsonObject().put("type", "bind").put("fromId", user));
    client.send(new JsonObject().put("type", "heart"));
    return client;
  }

  private record Ask(int status, JsonObject body) {
  }

  /** {@code GET /api/presence/<user>}: one presence question, no retry (503 when it timed out). */
  private static Ask ask(long user) {
    HttpRequest request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + gateway.port() + "/api/presence/" + user))
        .header("Authorization", "Bearer " + UserTokens.mint(LocalCluster.SECRET, ASKER, Duration.ofHours(1)))
        .timeout(ChatSystem.AWAIT)
        .GET().build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Ask(response.statusCode(), new JsonObject(response.body()));
    } catch (IOException e) {
      throw new AssertionError("GET /api/presence/" + user + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** SIGSTOP freezes the process in place (its sockets stay open); SIGCONT resumes it. */
  private static void signal(ServiceProcess process, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
      assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s", signal).isTrue();
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
