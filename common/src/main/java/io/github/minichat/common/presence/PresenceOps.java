package io.github.minichat.common.presence;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The atomic updates of the presence map, run by Hazelcast on the member that owns the user's partition. They are
 * here, in the module every process has, because that member may be any node of the cluster. Each returns whether
 * the user's online state flipped, so that exactly one caller announces the change.
 */
public final class PresenceOps {

  /** The cluster-wide presence map (user id to {@link UserPresence}). */
  public static final String MAP = "minichat.presence";

  private PresenceOps() {
  }

  /**
   * Writes the entry: kept for good while the user is online, for {@code retentionMillis} once offline (so that
   * {@code last_seen} outlives the session without every user ever seen staying in memory for ever).
   */
  static void store(Map.Entry<Long, UserPresence> entry, UserPresence presence, long retentionMillis) {
    long ttl = presence.online() ? 0 : Math.max(1, retentionMillis); // 0: no expiry
    presence.touch();
    ((ExtendedMapEntry<Long, UserPresence>) entry).setValue(presence, ttl, TimeUnit.MILLISECONDS);
  }

  /** A connection was bound; returns true when the user came online. */
  public record Connect(String connectionId, String nodeId, long now)
      implements EntryProcessor<Long, UserPresence, Boolean> {
    @Override
    public Boolean process(Map.Entry<Long, UserPresence> entry) {
      UserPresence presence = entry.getValue() == null ? new UserPresence() : entry.getValue().copy();
      boolean wasOnline = presence.online();
      presence.connections().put(connectionId, new UserPresence.Connection(nodeId, 0, 0, now));
      presence.graceUntil(0);
      store(entry, presence, 0);
      return !wasOnline;
    }
  }

  /**
   * A connection closed. The last one starts the grace period (or, with no grace, takes the user offline at once);
   * returns true when the user went offline now.
   */
  public record Disconnect(String connectionId, long graceMillis, long now, long retentionMillis)
      implements EntryProcessor<Long, UserPresence, Boolean> {
    @Override
    public Boolean process(Map.Entry<Long, UserPresence> entry) {
      if (entry.getValue() == null || !entry.getValue().connections().containsKey(connectionId)) {
        return false;
      }
      UserPresence presence = entry.getValue().copy();
      presence.connections().remove(connectionId);
      presence.lastSeen(now);
      boolean wentOffline = false;
      if (presence.connections().isEmpty()) {
        if (graceMillis <= 0) {
          presence.graceUntil(0);
          wentOffline = true;
        } else {
          presence.graceUntil(now + graceMillis);
        }
      }
      store(entry, presence, retentionMillis);
      return wentOffline;
    }
  }

  /**
   * The chat a connection has open changed; an update older than the one applied is ignored. Returns the entry as
   * written, or null when nothing changed.
   */
  public record View(String connectionId, long peer, long change)
      implements EntryProcessor<Long, UserPresence, UserPresence> {
    @Override
    public UserPresence process(Map.Entry<Long, UserPresence> entry) {
      UserPresence.Connection connection = entry.getValue() == null ? null
          : entry.getValue().connections().get(connectionId);
      if (connection == null || change <= connection.viewingChange()) {
        return null;
      }
      UserPresence presence = entry.getValue().copy();
      presence.connections().put(connectionId,
          new UserPresence.Connection(connection.nodeId(), peer, change, connection.connectedAt()));
      presence.touch();
      entry.setValue(presence);
      return presence;
    }
  }

  /** Ends grace periods that are over; returns true for users who went offline. */
  public record ExpireGrace(long now, long retentionMillis) implements EntryProcessor<Long, UserPresence, Boolean> {
    @Override
    public Boolean process(Map.Entry<Long, UserPresence> entry) {
      UserPresence current = entry.getValue();
      if (current == null || !current.connections().isEmpty() || current.getGraceUntil() == 0
          || current.getGraceUntil() > now) {
        return false;
      }
      UserPresence presence = current.copy();
      presence.graceUntil(0);
      store(entry, presence, retentionMillis);
      return true;
    }
  }

  /**
   * Drops the connections of gateway nodes that are gone: those in {@code nodes}, or, when {@code nodesAreLive},
   * those of nodes not in it (but only connections made before {@code connectedBefore}, so that a node that joined
   * after the member list was read is not taken for dead). Users left without a connection go offline at once:
   * nobody closed their sockets, and their clients are already reconnecting elsewhere.
   */
  public record PurgeNodes(Set<String> nodes, boolean nodesAreLive, long connectedBefore, long now,
                           long retentionMillis)
      implements EntryProcessor<Long, UserPresence, Boolean> {
    @Override
    public Boolean process(Map.Entry<Long, UserPresence> entry) {
      UserPresence current = entry.getValue();
      if (current == null || current.connections().isEmpty()) {
        return false;
      }
      UserPresence presence = current.copy();
      boolean removed = presence.connections().values().removeIf(connection ->
          nodes.contains(connection.nodeId()) != nodesAreLive && connection.connectedAt() < connectedBefore);
      if (!removed) {
        return false;
      }
      boolean wentOffline = presence.connections().isEmpty();
      if (wentOffline) {
        presence.graceUntil(0);
        presence.lastSeen(now);
      }
      store(entry, presence, retentionMillis);
      return wentOffline;
    }
  }
}
