package io.github.minichat.common.presence;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * One user's entry in the cluster-wide presence map: their live connections (with the gateway node holding each
 * and the chat each has open), the end of their grace period, and when they were last seen. Owned by the presence
 * service; it lives in the cluster (a partitioned, backed-up Hazelcast map), not in any one process's heap.
 */
public final class UserPresence implements Serializable {

  private static final long serialVersionUID = 1L;

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

  /** Connected, or inside the grace period after the last connection closed. */
  public boolean online() {
    return !connections.isEmpty() || graceUntil > 0;
  }

  UserPresence copy() {
    UserPresence copy = new UserPresence();
    copy.connections.putAll(connections);
    copy.graceUntil = graceUntil;
    copy.lastSeen = lastSeen;
    return copy;
  }
}
