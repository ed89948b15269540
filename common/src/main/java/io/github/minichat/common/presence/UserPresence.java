package io.github.minichat.common.presence;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.io.Serializable;
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
 */
public final class UserPresence implements DataSerializable {

  /**
   * A live connection: the gateway node that holds it, the peer whose chat it has open (0: none) as of which
   * numbered change, and since when.
   */
  public record Connection(String nodeId, long viewing, long viewingChange, long connectedAt) implements Serializable {
  }

  private final HashMap<String, Connection> connections = new HashMap<>();
  /** While the user has no connection but still counts as online: when that ends (epoch ms); else 0. */
  private long graceUntil;
  private long lastSeen;
  /** Grows with every write, so that a copy of the map can tell a newer entry from an older one. */
  private long version;

  public Map<String, Connection> connections() {
    return connections;
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
  }

  UserPresence copy() {
    UserPresence copy = new UserPresence();
    copy.connections.putAll(connections);
    copy.graceUntil = graceUntil;
    copy.lastSeen = lastSeen;
    copy.version = version;
    return copy;
  }
}
