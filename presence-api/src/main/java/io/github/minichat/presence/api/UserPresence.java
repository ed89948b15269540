package io.github.minichat.presence.api;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.io.Serializable;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * One user's entry in the cluster-wide presence map: their live connections (with the gateway node holding each
 * and the chat each has open), the end of their grace period, and when they were last seen. Owned by the presence
 * service; it lives in the cluster (a partitioned, backed-up Hazelcast map), not in any one process's heap.
 *
 * <p>Written with Hazelcast's own {@link DataSerializable}, not Java serialization: Hazelcast copies the entry for
 * every entry processor (the map is indexed), and Java serialization made those copies the presence service's
 * largest cost under chat load.
 *
 * <p>It also remembers the connections that closed lately ({@link #closed()}: their tombstones), so that updates for
 * one connection are idempotent and a close wins over a connect that arrives after it (presence instances take
 * requests in any order, and a connect may wait in a stalled instance after the gateway gave up on it and reported
 * the close). Connection ids are never reused, so a tombstone can only ever refer to its own connection. Tombstones
 * are bounded: each is kept {@link #TOMBSTONE_MILLIS} (far longer than a member can stall without being taken out
 * of the cluster, {@code CHAT_CLUSTER_MAX_NO_HEARTBEAT_S}), at most {@link #MAX_TOMBSTONES} per user (the newest),
 * and pruned on every write. A connect later than that would be taken in; the gateway's node leaving the cluster
 * still purges it. Tombstones alone never make a user online, nor keep an entry from expiring once they are offline.
 */
public final class UserPresence implements DataSerializable {

  /**
   * A live connection: the gateway node that holds it, the peer whose chat it has open (0: none) as of which
   * numbered change, and since when.
   */
  public record Connection(String nodeId, long viewing, long viewingChange, long connectedAt) implements Serializable {
  }

  /** How long a closed connection's tombstone is kept. */
  public static final long TOMBSTONE_MILLIS = 5 * 60_000;
  /** At most this many tombstones per user: a user who reconnects faster keeps only the newest. */
  public static final int MAX_TOMBSTONES = 32;

  private final HashMap<String, Connection> connections = new HashMap<>();
  /** Connections closed lately (id to when the close was recorded, epoch ms): refused if they connect again. */
  private final HashMap<String, Long> closed = new HashMap<>();
  /** While the user has no connection but still counts as online: when that ends (epoch ms); else 0. */
  private long graceUntil;
  private long lastSeen;
  /** Grows with every write, so that a copy of the map can tell a newer entry from an older one. */
  private long version;

  public Map<String, Connection> connections() {
    return connections;
  }

  /** The tombstones: ids of connections closed lately, with when their close was recorded. */
  public Map<String, Long> closed() {
    return closed;
  }

  /** Records that {@code connectionId} closed: it is no longer live, and can never connect again. */
  void close(String connectionId, long now) {
    connections.remove(connectionId);
    closed.put(connectionId, now);
  }

  /** Drops the tombstones older than {@link #TOMBSTONE_MILLIS}, then all but the newest {@link #MAX_TOMBSTONES}. */
  void pruneTombstones(long now) {
    closed.values().removeIf(closedAt -> closedAt < now - TOMBSTONE_MILLIS);
    if (closed.size() > MAX_TOMBSTONES) {
      closed.entrySet().stream()
          .sorted(Map.Entry.comparingByValue(Comparator.reverseOrder()))
          .skip(MAX_TOMBSTONES)
          .map(Map.Entry::getKey)
          .toList()
          .forEach(closed::remove);
    }
  }

  /** Read by the map's index, so that the sweep finds expired grace periods without a scan. */
  public long getGraceUntil() {
    return graceUntil;
  }

  void graceUntil(long until) {
    this.graceUntil = until;
  }

  public long lastSeen() {
    return lastSeen;
  }

  void lastSeen(long at) {
    this.lastSeen = at;
  }

  public long version() {
    return version;
  }

  /**
   * Marks a write: one more than before, and at least the clock's milliseconds times 1024, so that an entry created
   * again after it expired still counts as newer than the one before it.
   */
  void touch() {
    version = Math.max(version + 1, System.currentTimeMillis() << 10);
  }

  /** Connected, or inside the grace period after the last connection closed. */
  public boolean online() {
    return !connections.isEmpty() || graceUntil > 0;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(graceUntil);
    out.writeLong(lastSeen);
    out.writeLong(version);
    out.writeInt(connections.size());
    for (Map.Entry<String, Connection> entry : connections.entrySet()) {
      Connection connection = entry.getValue();
      out.writeString(entry.getKey());
      out.writeString(connection.nodeId());
      out.writeLong(connection.viewing());
      out.writeLong(connection.viewingChange());
      out.writeLong(connection.connectedAt());
    }
    out.writeInt(closed.size());
    for (Map.Entry<String, Long> tombstone : closed.entrySet()) {
      out.writeString(tombstone.getKey());
      out.writeLong(tombstone.getValue());
    }
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    graceUntil = in.readLong();
    lastSeen = in.readLong();
    version = in.readLong();
    connections.clear();
    for (int n = in.readInt(); n > 0; n--) {
      String connectionId = in.readString();
      connections.put(connectionId, new Connection(in.readString(), in.readLong(), in.readLong(), in.readLong()));
    }
    closed.clear();
    for (int n = in.readInt(); n > 0; n--) {
      closed.put(in.readString(), in.readLong());
    }
  }

  UserPresence copy() {
    UserPresence copy = new UserPresence();
    copy.connections.putAll(connections);
    copy.closed.putAll(closed);
    copy.graceUntil = graceUntil;
    copy.lastSeen = lastSeen;
    copy.version = version;
    return copy;
  }
}
