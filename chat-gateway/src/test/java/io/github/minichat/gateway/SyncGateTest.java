package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.SyncPage;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pushes written before a connection's first sync are left out of its page, however many (up to the limit). */
class SyncGateTest {

  private static final long USER = 7;

  @ParameterizedTest(name = "{0} pushes before the first sync")
  @ValueSource(ints = {1, 8, 9, 40, 256})
  @DisplayName("every push written before the first sync is left out of its page, and only those")
  void pushedBeforeSyncAreLeftOut(int pushed) {
    SyncGate gate = new SyncGate(USER);
    List<ChatMessage> pushes = LongStream.rangeClosed(1, pushed).mapToObj(SyncGateTest::toUser).toList();
    pushes.forEach(push -> assertThat(gate.admit(push)).isTrue());

    gate.syncStarted();
    // the page holds what was pushed and three the connection has not seen
    List<ChatMessage> page = LongStream.rangeClosed(1, pushed + 3).mapToObj(SyncGateTest::toUser).toList();
    SyncGate.Outcome outcome = gate.syncFinished(new SyncPage(page, pushed + 3, false, List.of()));

    assertThat(outcome.page()).extracting(ChatMessage::recipientCursor)
        .containsExactly((long) pushed + 1, (long) pushed + 2, (long) pushed + 3);
  }

  private static ChatMessage toUser(long cursor) {
    return new ChatMessage(cursor, cursor, 99, USER, "m" + cursor, false, 0, cursor, cursor, "c" + cursor);
  }
}
