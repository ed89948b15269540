package io.github.minichat.presence;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Who is connected where: per user, the live connections with their gateway node and the chat each has open,
 * plus when each user was last seen. Single-threaded (owned by {@link PresenceVerticle}'s event loop).
 */
final class PresenceRegistry {

  /** A connection's gateway node and the peer whose chat it has open (0: none). */
  private record Connection(String gatewayId, long viewing) {
  }

  private final Map<Long, Map<String, Connection>> connections = new HashMap<>();
  private final Map<Long, Long> lastSeen = new HashMap<>();

  /** Adds a connection; returns whether the user had none before. */
  boolean connect(long userId, String gatewayId, String connectionId) {
    Map<String, Connection> userConnections = connections.computeIfAbsent(userId, id -> new HashMap<>());
    boolean first = userConnections.isEmpty();
    userConnections.put(connectionId, new Connection(gatewayId, 0));
    return first;
  }

  /** Removes a connection; returns whether it was the user's last one. */
  boolean disconnect(long userId, String connectionId) {
    Map<String, Connection> userConnections = connections.get(userId);
    if (userConnections == null || userConnections.remove(connectionId) == null) {
      return false;
    }
    return userConnections.isEmpty();
  }

  void view(long userId, String connectionId, long peer) {
    Map<String, Connection> userConnections = connections.get(userId);
    if (userConnections != null) {
      userConnections.computeIfPresent(connectionId, (id, connection) -> new Connection(connection.gatewayId(), peer));
    }
  }

  /** Whether the user counts as online: connected, or inside the grace period (an entry with no connections). */
  boolean isOnline(long userId) {
    return connections.containsKey(userId);
  }

  /** Ends the grace period: the user is offline from now on. */
  void markOffline(long userId, long now) {
    connections.remove(userId);
    lastSeen.put(userId, now);
  }

  Long lastSeen(long userId) {
    return lastSeen.get(userId);
  }

  Set<String> gatewaysOf(Iterable<Long> userIds) {
    Set<String> gateways = new HashSet<>();
    for (long userId : userIds) {
      Map<String, Connection> userConnections = connections.get(userId);
      if (userConnections != null) {
        userConnections.values().forEach(connection -> gateways.add(connection.gatewayId()));
      }
    }
    return gateways;
  }

  boolean isViewing(long userId, long peer) {
    Map<String, Connection> userConnections = connections.get(userId);
    return userConnections != null
        && userConnections.values().stream().anyMatch(connection -> connection.viewing() == peer);
  }
}
