package io.github.minichat.presence.api;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.IndexConfig;
import com.hazelcast.config.IndexType;

/**
 * How every cluster member holds its share of the presence map. Each process passes {@link #configure} to
 * {@code Node.start}: a member owns partitions of the map, and runs {@link PresenceOps}' entry processors on them,
 * whether or not it is a presence service.
 */
public final class PresenceMap {

  private PresenceMap() {
  }

  public static void configure(Config config) {
    // one backup, so losing a member loses no entry; objects in memory, as the entry processors use them
    config.getMapConfig(PresenceOps.MAP)
        .setBackupCount(1)
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .addIndexConfig(new IndexConfig(IndexType.SORTED, "graceUntil"));
  }
}
