package io.github.minichat.gateway;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The bound sockets of this gateway node by user, and the sockets subscribed to each user's presence. Shared by
 * the node's socket verticles (one per event loop) and its push verticle, hence concurrent.
 */
final class LocalConnections {

  private final Map<Long, Set<ChatSocket>> byUser = new ConcurrentHashMap<>();
  private final Map<Long, Set<ChatSocket>> presenceSubscribers = new ConcurrentHashMap<>();

  void add(ChatSocket socket) {
    addTo(byUser, socket.userId(), socket);
  }

  void remove(ChatSocket socket) {
    removeFrom(byUser, socket.userId(), socket);
  }

  void subscribe(long peer, ChatSocket socket) {
    addTo(presenceSubscribers, peer, socket);
  }

  void unsubscribe(long peer, ChatSocket socket) {
    removeFrom(presenceSubscribers, peer, socket);
  }

  void forEachSocketOf(long userId, Consumer<ChatSocket> action) {
    byUser.getOrDefault(userId, Collections.emptySet()).forEach(action);
  }

  void forEachSubscriberOf(long userId, Consumer<ChatSocket> action) {
    presenceSubscribers.getOrDefault(userId, Collections.emptySet()).forEach(action);
  }

  int userCount() {
    return byUser.size();
  }

  // inside compute, so that a concurrent removal of the last socket cannot drop the set we add to
  private static void addTo(Map<Long, Set<ChatSocket>> index, long key, ChatSocket socket) {
    index.compute(key, (id, sockets) -> {
      Set<ChatSocket> set = sockets == null ? ConcurrentHashMap.newKeySet() : sockets;
      set.add(socket);
      return set;
    });
  }

  private static void removeFrom(Map<Long, Set<ChatSocket>> index, long key, ChatSocket socket) {
    index.computeIfPresent(key, (id, sockets) -> {
      sockets.remove(socket);
      return sockets.isEmpty() ? null : sockets;
    });
  }
}
