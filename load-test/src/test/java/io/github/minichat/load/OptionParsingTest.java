package io.github.minichat.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.http.UpgradeRejectedException;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class OptionParsingTest {

  @Test
  void sourceAddressesStayUnboundUpTo20kConnectionsThenTakeOnePer20k() {
    assertThat(SourceAddresses.resolve("auto", 20_000)).isEmpty();
    assertThat(SourceAddresses.resolve("auto", 45_000)).containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.4");
  }

  @Test
  void sourceAddressesAcceptCountRangeListAndNone() {
    assertThat(SourceAddresses.resolve("2", 10)).containsExactly("127.0.0.2", "127.0.0.3");
    assertThat(SourceAddresses.resolve("127.0.0.10..127.0.0.12", 10))
        .containsExactly("127.0.0.10", "127.0.0.11", "127.0.0.12");
    assertThat(SourceAddresses.resolve("127.0.0.7, 127.0.0.9", 10)).containsExactly("127.0.0.7", "127.0.0.9");
    assertThat(SourceAddresses.resolve("none", 100_000)).isEmpty();
    assertThatThrownBy(() -> SourceAddresses.resolve("127.0.0.2..127.0.1.2", 10))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void durationsAsPeopleWriteThem() {
    DurationConverter converter = new DurationConverter();
    assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(converter.convert("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(converter.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(converter.convert("45")).isEqualTo(Duration.ofSeconds(45));
    assertThatThrownBy(() -> converter.convert("soon")).isInstanceOf(TypeConversionException.class);
  }

  @Test
  void gatewayUrls() {
    GatewayTarget target = GatewayTarget.parse("ws://127.0.0.1:8081/ws");
    assertThat(target).isEqualTo(new GatewayTarget("127.0.0.1", 8081, "/ws"));
    assertThat(target.loopback()).isTrue();
    assertThat(target.uriWithToken("abc")).isEqualTo("/ws?token=abc");
    assertThat(GatewayTarget.parse("ws://localhost:8080").path()).isEqualTo("/ws");
    assertThatThrownBy(() -> GatewayTarget.parse("http://127.0.0.1:8080/ws"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void failureReasonsLeaveOutAddressesSoThatTheyAddUp() {
    assertThat(FailureReason.of(new ConnectException("Connection refused: /127.0.0.1:8099")))
        .isEqualTo("connect: Connection refused");
    assertThat(FailureReason.of(new RuntimeException(new UpgradeRejectedException("no", 401, null, null))))
        .isEqualTo("handshake refused: HTTP 401");
  }

  @Test
  void chatPeersAreDistinctOthersAndPairsArePartners() {
    ChatPlan peers = plan(ChatMode.PEERS, 4);
    for (int index = 0; index < 10; index++) {
      long[] chosen = ChatCommand.peersOf(peers, index);
      assertThat(chosen).hasSize(4).doesNotHaveDuplicates().doesNotContain(100L + index);
      for (long id : chosen) {
        assertThat(id).isBetween(100L, 109L);
      }
    }
    ChatPlan pairs = plan(ChatMode.PAIRS, 1);
    assertThat(ChatCommand.peersOf(pairs, 0)).containsExactly(101L);
    assertThat(ChatCommand.peersOf(pairs, 7)).containsExactly(106L);
  }

  @Test
  void chatMessagesAreAsLongAsAskedWithTheSendTimeFirst() {
    String time = Long.toString(System.nanoTime());
    String data = time + plan(ChatMode.PAIRS, 1).padding(time.length());
    assertThat(data).hasSize(100);
    assertThat(data.substring(0, data.indexOf('|'))).matches("-?\\d+");
  }

  private static ChatPlan plan(ChatMode mode, int peers) {
    return new ChatPlan(10, ChatTarget.CHAT, mode, peers, 100, Duration.ZERO, Duration.ofSeconds(1), 100, 16, 8,
        Duration.ofSeconds(5), Duration.ofSeconds(5), java.util.List.of(GatewayTarget.parse("ws://127.0.0.1:1/ws")),
        java.util.List.of(), Tokens.unsigned(100, 10));
  }
}
