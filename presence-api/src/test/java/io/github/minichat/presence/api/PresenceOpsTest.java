package io.github.minichat.presence.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The presence map's entry processors, applied to an in-memory entry that records how it was written. */
class PresenceOpsTest {

  private static final long USER = 7;
  private static final long RETENTION = 60_000;
  private static final long T0 = 1_700_000_000_000L;

  private final MemoryEntry entry = new MemoryEntry();

  @Test
  @DisplayName("a disconnect that arrives before its connect wins: the connect is refused, the user stays offline")
  void disconnectBeforeConnectWins() {
    assertThat(apply(disconnect("gw-1-1", 0, T0))).isEqualTo(PresenceOps.Closed.BEFORE_CONNECT);
    assertThat(entry.writes).isEqualTo(1);
    assertThat(entry.value.closed()).containsOnlyKeys("gw-1-1");
    assertThat(entry.value.online()).isFalse();
    assertThat(entry.value.lastSeen()).as("never seen online").isZero();
    assertThat(entry.ttlMillis).as("a tombstone-only entry expires as an offline one").isEqualTo(RETENTION);

    PresenceOps.Connected late = apply(connect("gw-1-1", T0 + 1));

    assertThat(late.recorded()).isFalse();
    assertThat(late.cameOnline()).isFalse();
    assertThat(entry.writes).as("the refused connect writes nothing").isEqualTo(1);
    assertThat(entry.value.connections()).isEmpty();
    assertThat(entry.value.online()).isFalse();
  }

  @Test
  @DisplayName("a disconnect that overtakes its connect changes nothing else for a user connected elsewhere")
  void disconnectBeforeConnectBesideAnotherConnection() {
    apply(connect("gw-1-1", T0));
    long version = entry.value.version();

    assertThat(apply(disconnect("gw-2-9", 5_000, T0 + 1))).isEqualTo(PresenceOps.Closed.BEFORE_CONNECT);
    assertThat(apply(connect("gw-2-9", T0 + 2)).recorded()).isFalse();

    assertThat(entry.value.connections()).containsOnlyKeys("gw-1-1");
    assertThat(entry.value.getGraceUntil()).isZero();
    assertThat(entry.value.version()).isGreaterThan(version);
    assertThat(entry.ttlMillis).as("online: kept").isZero();
  }

  @Test
  @DisplayName("connect then disconnect: online, then offline at once without grace; the id never connects again")
  void connectThenDisconnect() {
    PresenceOps.Connected connected = apply(connect("gw-1-1", T0));
    assertThat(connected.recorded()).isTrue();
    assertThat(connected.cameOnline()).isTrue();
    assertThat(connected.entry().connections()).containsOnlyKeys("gw-1-1");
    assertThat(entry.ttlMillis).isZero();

    assertThat(apply(disconnect("gw-1-1", 0, T0 + 10))).isEqualTo(PresenceOps.Closed.WENT_OFFLINE);
    assertThat(entry.value.online()).isFalse();
    assertThat(entry.value.lastSeen()).isEqualTo(T0 + 10);
    assertThat(entry.ttlMillis).isEqualTo(RETENTION);

    assertThat(apply(connect("gw-1-1", T0 + 20)).recorded()).as("a connect repeated after the close").isFalse();
    assertThat(entry.value.online()).isFalse();
  }

  @Test
  @DisplayName("with a grace period, the last disconnect keeps the user online until the grace ends")
  void disconnectWithGrace() {
    apply(connect("gw-1-1", T0));

    assertThat(apply(disconnect("gw-1-1", 5_000, T0 + 10))).isEqualTo(PresenceOps.Closed.REMOVED);

    assertThat(entry.value.online()).isTrue();
    assertThat(entry.value.getGraceUntil()).isEqualTo(T0 + 5_010);
    assertThat(apply(new PresenceOps.ExpireGrace(T0 + 5_010, RETENTION))).isTrue();
    assertThat(entry.value.online()).isFalse();
  }

  @Test
  @DisplayName("a repeated connect or disconnect writes nothing and announces nothing")
  void repeatsAreNoOps() {
    apply(connect("gw-1-1", T0));
    UserPresence written = entry.value;

    PresenceOps.Connected again = apply(connect("gw-1-1", T0 + 1));

    assertThat(again.recorded()).isTrue();
    assertThat(again.cameOnline()).isFalse();
    assertThat(again.entry()).as("the route to publish again").isSameAs(written);
    assertThat(entry.writes).isEqualTo(1);

    apply(disconnect("gw-1-1", 0, T0 + 2));
    assertThat(apply(disconnect("gw-1-1", 0, T0 + 3))).isEqualTo(PresenceOps.Closed.REPEATED);
    assertThat(entry.writes).isEqualTo(2);
    assertThat(entry.value.lastSeen()).isEqualTo(T0 + 2);
  }

  @Test
  @DisplayName("tombstones older than their keeping time are pruned on the next write")
  void tombstonesPrunedByAge() {
    apply(disconnect("gw-1-1", 0, T0));
    apply(disconnect("gw-1-2", 0, T0 + 1_000));

    apply(connect("gw-1-3", T0 + UserPresence.TOMBSTONE_MILLIS + 1));

    assertThat(entry.value.closed()).containsOnlyKeys("gw-1-2");
    assertThat(entry.value.connections()).containsOnlyKeys("gw-1-3");
  }

  @Test
  @DisplayName("at most the newest MAX_TOMBSTONES tombstones are kept per user")
  void tombstonesBoundedInCount() {
    int closes = UserPresence.MAX_TOMBSTONES + 8;
    IntStream.range(0, closes).forEach(i -> apply(disconnect("gw-1-" + i, 0, T0 + i)));

    assertThat(entry.value.closed()).hasSize(UserPresence.MAX_TOMBSTONES)
        .containsKey("gw-1-" + (closes - 1))
        .doesNotContainKey("gw-1-7");
    assertThat(entry.value.online()).isFalse();
  }

  @Test
  @DisplayName("connections purged with their gateway leave tombstones: their late connects are refused")
  void purgedConnectionsAreTombstoned() {
    apply(connect("gw-1-1", T0));
    apply(connect("gw-2-1", T0));

    assertThat(apply(new PresenceOps.PurgeNodes(Set.of("gw-1", "gw-2"), false, T0 + 1, T0 + 1, RETENTION))).isTrue();

    assertThat(entry.value.connections()).isEmpty();
    assertThat(entry.value.closed()).containsOnlyKeys("gw-1-1", "gw-2-1");
    assertThat(apply(connect("gw-1-1", T0 + 2)).recorded()).isFalse();
    assertThat(entry.value.online()).isFalse();
  }

  @Test
  @DisplayName("an entry and a connect's outcome come back the same from Hazelcast's serialization")
  void serializationRoundTrips() {
    apply(connect("gw-1-1", T0));
    apply(new PresenceOps.View("gw-1-1", 42, 3));
    apply(connect("gw-1-2", T0 + 1));
    apply(disconnect("gw-1-2", 5_000, T0 + 2));
    apply(disconnect("gw-9-9", 5_000, T0 + 3));
    InternalSerializationService serialization = new DefaultSerializationServiceBuilder().build();

    UserPresence copy = serialization.toObject(serialization.toData(entry.value));
    PresenceOps.Connected outcome = serialization.toObject(serialization.toData(
        new PresenceOps.Connected(entry.value, true, true)));

    for (UserPresence read : new UserPresence[] {copy, outcome.entry()}) {
      assertThat(read.connections()).isEqualTo(entry.value.connections());
      assertThat(read.closed()).isEqualTo(entry.value.closed()).containsOnlyKeys("gw-1-2", "gw-9-9");
      assertThat(read.getGraceUntil()).isEqualTo(entry.value.getGraceUntil());
      assertThat(read.lastSeen()).isEqualTo(T0 + 2);
      assertThat(read.version()).isEqualTo(entry.value.version());
    }
    assertThat(outcome.recorded()).isTrue();
    assertThat(outcome.cameOnline()).isTrue();
    PresenceOps.Connected refused = serialization.toObject(serialization.toData(
        new PresenceOps.Connected(null, false, false)));
    assertThat(refused.entry()).isNull();
    assertThat(refused.recorded()).isFalse();
  }

  private static PresenceOps.Connect connect(String connectionId, long now) {
    return new PresenceOps.Connect(connectionId, connectionId.substring(0, connectionId.lastIndexOf('-')), now);
  }

  private static PresenceOps.Disconnect disconnect(String connectionId, long graceMillis, long now) {
    return new PresenceOps.Disconnect(connectionId, graceMillis, now, RETENTION);
  }

  private <R> R apply(EntryProcessor<Long, UserPresence, R> operation) {
    return operation.process(entry);
  }

  /** One map entry in memory, as Hazelcast hands it to an entry processor; counts writes, keeps the last TTL. */
  private static final class MemoryEntry implements ExtendedMapEntry<Long, UserPresence> {
    UserPresence value;
    long ttlMillis = -1;
    int writes;

    @Override
    public Long getKey() {
      return USER;
    }

    @Override
    public UserPresence getValue() {
      return value;
    }

    @Override
    public UserPresence setValue(UserPresence newValue) {
      return setValueWithoutChangingExpiryTime(newValue);
    }

    @Override
    public UserPresence setValue(UserPresence newValue, long ttl, TimeUnit unit) {
      ttlMillis = unit.toMillis(ttl);
      return setValueWithoutChangingExpiryTime(newValue);
    }

    @Override
    public UserPresence setValueWithoutChangingExpiryTime(UserPresence newValue) {
      UserPresence old = value;
      value = newValue;
      writes++;
      return old;
    }
  }
}
