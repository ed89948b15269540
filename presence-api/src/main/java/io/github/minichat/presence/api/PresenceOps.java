package io.github.minichat.presence.api;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The atomic updates of the presence map, run by Hazelcast on the member that owns the user's partition. They are
 * here, in the module every process has, because that member may be any node of the cluster. Each says whether
 * the user's online state flipped, so that exactly one caller announces the change.
 *
 * <p>Updates for one connection are ordered and idempotent whatever order they arrive in: a close leaves a
 * tombstone ({@link UserPresence#closed()}) that refuses the connection's connect if it comes later, and a repeated
 * connect or close changes nothing.
 */
public final class PresenceOps {

  /** The cluster-wide presence map (user id to {@link UserPresence}). */
  public static final String MAP = "minichat.presence";

  private PresenceOps() {
  }

  /**
   * Writes the entry: kept for good while the user is online, for {@code retentionMillis} once offline (so that
   * {@code last_seen} outlives the session without every user ever seen staying in memory for ever). Tombstones
   * are pruned on every write, as of {@code now}.
   */
  static void store(Map.Entry<Long, UserPresence> entry, UserPresence presence, long retentionMillis, long now) {
    long ttl = presence.online() ? 0 : Math.max(1, retentionMillis); // 0: no expiry
    presence.pruneTombstones(now);
    presence.touch();
    ((ExtendedMapEntry<Long, UserPresence>) entry).setValue(presence, ttl, TimeUnit.MILLISECONDS);
  }

  /**
   * A connection was bound. Refused (nothing written, nothing to announce) when the connection has closed already:
   * its close overtook it. A repeat writes nothing either.
   */
  public record Connect(String connectionId, String nodeId, long now)
      implements EntryProcessor<Long, UserPresence, Connected> {
    @Override
    public Connected process(Map.Entry<Long, UserPresence> entry) {
      UserPresence current = entry.getValue();
      if (current != null && current.closed().containsKey(connectionId)) {
        return new Connected(current, false, false);
      }
      if (current != null && current.connections().containsKey(connectionId)) {
        return new Connected(current, true, false);
      }
      UserPresence presence = current == null ? new UserPresence() : current.copy();
      boolean wasOnline = presence.online();
      presence.connections().put(connectionId, new UserPresence.Connection(nodeId, 0, 0, now));
      presence.graceUntil(0);
      store(entry, presence, 0, now);
      return new Connected(presence, true, !wasOnline);
    }
  }

  /**
   * What a {@link Connect} found. {@code entry} is the user's entry after it (null: none); {@code recorded}, whether
   * the connection is in it (false: it closed before); {@code cameOnline}, whether this connect took the user online.
   * Hazelcast's own serialization, as the entry's.
   */
  public static final class Connected implements DataSerializable {
    private UserPresence entry;
    private boolean recorded;
    private boolean cameOnline;

    public Connected() {
    }

    Connected(UserPresence entry, boolean recorded, boolean cameOnline) {
      this.entry = entry;
      this.recorded = recorded;
      this.cameOnline = cameOnline;
    }

    public UserPresence entry() {
      return entry;
    }

    public boolean recorded() {
      return recorded;
    }

    public boolean cameOnline() {
      return cameOnline;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeObject(entry);
      out.writeBoolean(recorded);
      out.writeBoolean(cameOnline);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      entry = in.readObject();
      recorded = in.readBoolean();
      cameOnline = in.readBoolean();
    }
  }

  /** What a {@link Disconnect} did. */
  public enum Closed {
    /** The connection was the user's last and there is no grace: the user went offline now. */
    WENT_OFFLINE,
    /** The connection was removed; the user is still online (other connections, or the grace period). */
    REMOVED,
    /** The connection was not there yet: its tombstone now refuses its connect. */
    BEFORE_CONNECT,
    /** A repeat: the close was recorded already. */
    REPEATED
  }

  /**
   * A connection closed: its tombstone is written, whether its connect came before or not. The last connection
   * starts the grace period (or, with no grace, takes the user offline at once).
   */
  public record Disconnect(String connectionId, long graceMillis, long now, long retentionMillis)
      implements EntryProcessor<Long, UserPresence, Closed> {
    @Override
    public Closed process(Map.Entry<Long, UserPresence> entry) {
      UserPresence current = entry.getValue();
      if (current != null && current.closed().containsKey(connectionId)) {
        return Closed.REPEATED;
      }
      UserPresence presence = current == null ? new UserPresence() : current.copy();
      boolean wasConnected = presence.connections().containsKey(connectionId);
      presence.close(connectionId, now);
      if (!wasConnected) {
        // the user's state is as it was: only the tombstone is new
        store(entry, presence, retentionMillis, now);
        return Closed.BEFORE_CONNECT;
      }
      presence.lastSeen(now);
      Closed outcome = Closed.REMOVED;
      if (presence.connections().isEmpty()) {
        if (graceMillis <= 0) {
          presence.graceUntil(0);
          outcome = Closed.WENT_OFFLINE;
        } else {
          presence.graceUntil(now + graceMillis);
        }
      }
      store(entry, presence, retentionMillis, now);
      return outcome;
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
      presence.pruneTombstones(System.currentTimeMillis());
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
      store(entry, presence, retentionMillis, now);
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
      List<String> gone = current.connections().entrySet().stream()
          .filter(connection -> nodes.contains(connection.getValue().nodeId()) != nodesAreLive
              && connection.getValue().connectedAt() < connectedBefore)
          .map(Map.Entry::getKey)
          .toList();
      if (gone.isEmpty()) {
        return false;
      }
      // tombstones too: a connect of one of them still waiting somewhere must not bring it back
      gone.forEach(connectionId -> presence.close(connectionId, now));
      boolean wentOffline = presence.connections().isEmpty();
      if (wentOffline) {
        presence.graceUntil(0);
        presence.lastSeen(now);
      }
      store(entry, presence, retentionMillis, now);
      return wentOffline;
    }
  }
}
