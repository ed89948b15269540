package io.github.minichat.systemtest;

import io.github.minichat.common.UserTokens;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The audit's gateways that are alive, by name: where a client whose socket died reconnects. A gateway is marked
 * dead before it is killed, so that nobody picks it again. Used from the clients' event loops: synchronized.
 */
final class AuditGateways {

  record Entry(String name, LocalCluster.Gateway gateway) {
    int port() {
      return gateway.port();
    }

    /** Where a socket of {@code userId} connects to on it, with a token that outlasts any audit. */
    WebSocketConnectOptions socketOf(long userId) {
      return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port())
          .setURI("/ws?token=" + UserTokens.mint(LocalCluster.SECRET, userId, Duration.ofHours(2)));
    }
  }

  private final List<Entry> alive = new ArrayList<>();
  private int turn;

  synchronized void add(Entry gateway) {
    alive.add(gateway);
  }

  synchronized Entry named(String name) {
    return alive.stream().filter(e -> e.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalStateException("no live gateway " + name));
  }

  synchronized List<Entry> alive() {
    return List.copyOf(alive);
  }

  /** Takes the gateway out of the choice; the caller kills it next. */
  synchronized Entry retire(String name) {
    Entry entry = named(name);
    alive.remove(entry);
    return entry;
  }

  /** A live gateway other than {@code avoid} if there is one (taken in turn), else any live one. */
  synchronized Optional<Entry> pickOther(String avoid) {
    List<Entry> others = alive.stream().filter(e -> !e.name().equals(avoid)).toList();
    List<Entry> choice = others.isEmpty() ? alive : others;
    return choice.isEmpty() ? Optional.empty() : Optional.of(choice.get(turn++ % choice.size()));
  }
}
