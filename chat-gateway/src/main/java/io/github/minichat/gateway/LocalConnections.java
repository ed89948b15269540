package io.github.minichat.gateway;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The bound connections of this gateway node by user (their inboxes), and the connections subscribed to each
 * user's presence. Shared by
 * the node's socket verticles (one per event loop) and its push verticle, hence concurrent.
 */
final class LocalConnections {

  private final Map<Long, Set<InboxDelivery>> byUser = new ConcurrentHashMap<>();
  private final Map<Long, Set<OnlineHandler>> presenceSubscribers = new ConcurrentHashMap<>();

  void add(InboxDelivery inbox) {
    addTo(byUser, inbox.userId(), inbox);
  }

  void remove(InboxDelivery inbox) {
    removeFrom(byUser, inbox.userId(), inbox);
  }

  void subscribe(long peer, OnlineHandler subscriber) {
    addTo(presenceSubscribers, peer, subscriber);
  }

  void unsubscribe(long peer, OnlineHandler subscriber) {
    removeFrom(presenceSubscribers, peer, subscriber);
  }

  /** The inboxes of the user's bound connections on this node. */
  void forEachInboxOf(long userId, Consumer<InboxDelivery> action) {
    byUser.getOrDefault(userId, Collections.emptySet()).forEach(action);
  }

  void forEachSubscriberOf(long userId, Consumer<OnlineHandler> action) {
    presenceSubscribers.getOrDefault(userId, Collections.emptySet()).forEach(action);
  }

  int userCount() {
    return byUser.size();
  }

  // inside compute, so that a concurrent removal of the last socket cannot drop the set we add to
  private static <T> void addTo(Map<Long, Set<T>> index, long key, T member) {
    index.compute(key, (id, members) -> {
      Set<T> set = members == null ? ConcurrentHashMap.newKeySet() : members;
      set.add(member);
      return set;
    });
  }

  private static <T> void removeFrom(Map<Long, Set<T>> index, long key, T member) {
    index.computeIfPresent(key, (id, members) -> {
      members.remove(member);
      return members.isEmpty() ? null : members;
    });
  }
}
