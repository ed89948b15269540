package io.github.minichat.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The open loop's schedule: each send falls due at its intended time, not an interval later. */
class ChatPacingTest {

  private static final long MILLI = 1_000_000;

  @ParameterizedTest(name = "{0} messages/s")
  @ValueSource(doubles = {2.5, 10, 333, 10_000})
  @DisplayName("send k falls due within a millisecond of k / rate and not before it; the first at once")
  void sendsFallDueAtTheirIntendedTime(double perSecond) {
    double ratePerNano = perSecond / 1e9;
    long total = Math.round(3e9 * ratePerNano); // three seconds of sending
    assertThat(ChatDriver.dueBy(0, ratePerNano, total)).isEqualTo(1);
    for (long k = 1; k < total; k++) {
      long intended = Math.round(k / ratePerNano);
      assertThat(ChatDriver.dueBy(intended - MILLI, ratePerNano, total)).as("due before send %d's time", k)
          .isLessThanOrEqualTo(k);
      assertThat(ChatDriver.dueBy(intended + MILLI, ratePerNano, total)).as("due at send %d's time", k)
          .isGreaterThan(k);
    }
    assertThat(ChatDriver.dueBy(10_000 * MILLI * 1000, ratePerNano, total)).isEqualTo(total);
  }
}
