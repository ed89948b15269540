package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.MessageServiceBeacon;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class MessageServiceRingTest {

  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong now = new AtomicLong(42 * SECOND);
  private final MessageServiceRing ring = new MessageServiceRing(now::get);

  @Test
  void noServiceKnownMeansAnyService() {
    assertThat(ring.serviceFor(1, 2)).isNull();
  }

  @Property
  void aConversationGoesToOneLiveServiceWhicheverUserSends(@ForAll("services") List<String> services,
      @ForAll long a, @ForAll long b) {
    MessageServiceRing ring = new MessageServiceRing(now::get);
    services.forEach(service -> ring.heard(new MessageServiceBeacon(service, 1_000)));

    String chosen = ring.serviceFor(a, b);

    assertThat(chosen).isIn(services);
    assertThat(ring.serviceFor(b, a)).isEqualTo(chosen);
    assertThat(ring.serviceFor(a, b)).isEqualTo(chosen);
  }

  /** A service that comes or goes moves only the conversations it takes or had: the others keep their service. */
  @Property
  void aServiceComingOrGoingMovesOnlyItsOwnConversations(@ForAll("services") List<String> services,
      @ForAll @Size(min = 1, max = 50) List<@IntRange(min = 1, max = 100_000) Integer> users) {
    MessageServiceRing ring = new MessageServiceRing(now::get);
    String newcomer = services.get(0);
    services.subList(1, services.size()).forEach(service -> ring.heard(new MessageServiceBeacon(service, 1_000)));
    Map<Long, String> before = choices(ring, users);

    ring.heard(new MessageServiceBeacon(newcomer, 1_000));
    Map<Long, String> with = choices(ring, users);
    ring.forget(newcomer);
    Map<Long, String> after = choices(ring, users);

    with.forEach((conversation, service) -> {
      if (!service.equals(newcomer)) {
        assertThat(service).isEqualTo(before.get(conversation));
      }
    });
    assertThat(after).isEqualTo(before);
  }

  @Test
  void conversationsSpreadOverTheServices() {
    ring.heard(new MessageServiceBeacon("message-1", 1_000));
    ring.heard(new MessageServiceBeacon("message-2", 1_000));
    ring.heard(new MessageServiceBeacon("message-3", 1_000));
    Map<String, Integer> counts = new HashMap<>();
    for (long user = 1; user <= 3_000; user += 2) {
      counts.merge(ring.serviceFor(user, user + 1), 1, Integer::sum);
    }
    assertThat(counts).containsOnlyKeys("message-1", "message-2", "message-3");
    assertThat(counts.values()).allSatisfy(count -> assertThat(count).isBetween(400, 600));
  }

  @Test
  void aServiceMissingItsBeaconsIsTakenForGoneAndBackWhenHeardAgain() {
    ring.heard(new MessageServiceBeacon("message-1", 1_000));
    now.addAndGet(MessageServiceRing.MISSED_BEACONS * SECOND - 1);
    assertThat(ring.serviceFor(1, 2)).isEqualTo("message-1");

    now.addAndGet(2);
    assertThat(ring.serviceFor(1, 2)).isNull();

    ring.heard(new MessageServiceBeacon("message-1", 1_000));
    assertThat(ring.serviceFor(1, 2)).isEqualTo("message-1");
  }

  @Test
  void aLeavingServiceIsForgottenAtOnce() {
    ring.heard(new MessageServiceBeacon("message-1", 1_000));
    ring.heard(new MessageServiceBeacon("message-2", 1_000));

    ring.heard(MessageServiceBeacon.leaving("message-1"));

    for (long user = 1; user <= 200; user += 2) {
      assertThat(ring.serviceFor(user, user + 1)).isEqualTo("message-2");
    }
  }

  @Test
  void servicesLongGoneDoNotPileUp() {
    for (int restart = 0; restart < 1_000; restart++) {
      ring.heard(new MessageServiceBeacon("message-" + restart, 1_000));
      now.addAndGet(10 * SECOND);
    }
    ring.heard(new MessageServiceBeacon("message-last", 1_000));

    assertThat(ring.known()).isEqualTo(1);
  }

  private static Map<Long, String> choices(MessageServiceRing ring, List<Integer> users) {
    Map<Long, String> choices = new HashMap<>();
    for (int user : users) {
      choices.put((long) user, ring.serviceFor(user, user + 1L));
    }
    return choices;
  }

  @Provide
  Arbitrary<List<String>> services() {
    Arbitrary<String> id = Arbitraries.strings().alpha().numeric().withChars('-').ofMinLength(1).ofMaxLength(36);
    return id.list().ofMinSize(2).ofMaxSize(6).uniqueElements();
  }
}
