package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.ChatMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** A connection's inbox stream against pushes that come late, twice, out of order or never. */
class InboxStreamTest {

  private static final long USER = 7;
  private static final long PEER = 8;

  @Test
  @DisplayName("pushes in order are written at once; a repeat is dropped")
  void inOrder() {
    InboxStream inbox = new InboxStream(USER);
    assertThat(inbox.start(10)).isEmpty();
    assertThat(cursors(inbox.push(incoming(11)))).containsExactly(11L);
    assertThat(inbox.push(incoming(11))).isEmpty();
    assertThat(inbox.push(incoming(9))).as("older than the connection").isEmpty();
    assertThat(inbox.hasGap()).isFalse();
  }

  @Test
  @DisplayName("a push ahead of the next cursor waits for the one before it, then both are written in order")
  void heldUntilGapCloses() {
    InboxStream inbox = new InboxStream(USER);
    inbox.start(0);
    assertThat(inbox.push(incoming(2))).isEmpty();
    assertThat(inbox.hasGap()).isTrue();
    assertThat(inbox.fillRequest(500)).isEqualTo(new InboxStream.Fill(0, 2));
    assertThat(cursors(inbox.push(incoming(1)))).containsExactly(1L, 2L);
    assertThat(inbox.hasGap()).isFalse();
  }

  @Test
  @DisplayName("the connection's own sends take their place without being written")
  void ownSends() {
    InboxStream inbox = new InboxStream(USER);
    inbox.start(0);
    assertThat(inbox.push(incoming(2))).isEmpty();
    assertThat(cursors(inbox.own(1))).containsExactly(2L);
    assertThat(inbox.own(1)).isEmpty();
  }

  @Test
  @DisplayName("before the head is known everything is held; what the head covers is dropped")
  void heldBeforeStart() {
    InboxStream inbox = new InboxStream(USER);
    inbox.push(incoming(5));
    inbox.push(incoming(6));
    inbox.own(7);
    inbox.push(incoming(8));
    assertThat(inbox.hasGap()).isFalse();
    assertThat(cursors(inbox.start(5))).containsExactly(6L, 8L);
  }

  @Test
  @DisplayName("a lost push is read back: the fill covers the gap and what was held is not written twice")
  void fillFromStore() {
    InboxStream inbox = new InboxStream(USER);
    inbox.start(0);
    inbox.push(incoming(1));
    inbox.push(incoming(3));
    inbox.push(incoming(4));
    InboxStream.Fill fill = inbox.fillRequest(500);
    assertThat(fill).isEqualTo(new InboxStream.Fill(1, 4));
    List<ChatMessage> page = LongStream.rangeClosed(2, 4).mapToObj(InboxStreamTest::incoming).toList();
    assertThat(cursors(inbox.filled(page, List.of()))).containsExactly(2L, 3L, 4L);
    assertThat(inbox.hasGap()).isFalse();
    assertThat(inbox.heldCount()).isZero();
  }

  @Test
  @DisplayName("held pushes are bounded: beyond the bound the fill reads them back")
  void boundedHold() {
    InboxStream inbox = new InboxStream(USER);
    inbox.start(0);
    for (long cursor = 2; cursor < 2 + 3L * InboxStream.MAX_HELD; cursor++) {
      inbox.push(incoming(cursor));
    }
    assertThat(inbox.heldCount()).isEqualTo(InboxStream.MAX_HELD);
    long last = 1 + 3L * InboxStream.MAX_HELD;
    assertThat(inbox.fillRequest(Integer.MAX_VALUE)).isEqualTo(new InboxStream.Fill(0, last));
    List<ChatMessage> written = new ArrayList<>();
    while (inbox.hasGap()) {
      InboxStream.Fill fill = inbox.fillRequest(500);
      written.addAll(inbox.filled(LongStream.rangeClosed(fill.since() + 1, fill.upTo())
          .mapToObj(InboxStreamTest::incoming).toList(), List.of()));
    }
    assertThat(cursors(written)).isEqualTo(LongStream.rangeClosed(1, last).boxed().toList());
  }

  /**
   * Generated arrival orders: every cursor of a run is pushed zero to three times in a shuffled order (a cursor
   * pushed zero times was lost, some are own sends); whatever the order, after the pushes and the fills every
   * incoming message is written exactly once, in cursor order, and no own send is written.
   */
  @RepeatedTest(300)
  @DisplayName("any arrival order, with repeats and losses, is written exactly once and in order")
  void generatedArrivals(RepetitionInfo repetition) {
    Random random = new Random(repetition.getCurrentRepetition());
    long head = random.nextInt(50);
    int count = 1 + random.nextInt(300);
    boolean[] own = new boolean[count];
    List<Long> arrivals = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      own[i] = random.nextInt(5) == 0;
      int copies = random.nextInt(10) < 2 ? 0 : 1 + random.nextInt(3);
      for (int c = 0; c < copies; c++) {
        arrivals.add(head + 1 + i);
      }
    }
    // local disorder, as between racing batches, plus a few far jumps
    for (int i = 0; i < arrivals.size(); i++) {
      int j = Math.min(arrivals.size() - 1, i + random.nextInt(random.nextInt(10) == 0 ? 50 : 4));
      Collections.swap(arrivals, i, j);
    }
    InboxStream inbox = new InboxStream(USER);
    List<ChatMessage> written = new ArrayList<>();
    int startAt = random.nextInt(Math.min(5, arrivals.size()) + 1);
    for (int i = 0; i < arrivals.size(); i++) {
      if (i == startAt) {
        written.addAll(inbox.start(head));
      }
      long cursor = arrivals.get(i);
      written.addAll(own[(int) (cursor - head - 1)] ? inbox.own(cursor) : inbox.push(incoming(cursor)));
    }
    if (!inbox.started()) {
      written.addAll(inbox.start(head));
    }
    // the last message may have been lost with nothing after it: the settle read after bind covers that
    inbox.filled(List.of(), List.of());
    long top = head + count;
    written.addAll(inbox.filled(LongStream.rangeClosed(inbox.delivered() + 1, top).mapToObj(cursor ->
        own[(int) (cursor - head - 1)] ? outgoing(cursor) : incoming(cursor)).toList(), List.of()));

    List<Long> expected = new ArrayList<>();
    List<Long> expectedOwnRead = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      (own[i] ? expectedOwnRead : expected).add(head + 1 + i);
    }
    List<Long> incomingWritten = written.stream().filter(m -> m.toId() == USER).map(m -> m.cursorFor(USER)).toList();
    List<Long> ownWritten = written.stream().filter(m -> m.fromId() == USER).map(m -> m.cursorFor(USER)).toList();
    assertThat(incomingWritten).as("incoming messages, once each, in order").isEqualTo(expected);
    // an own send whose push was lost is read back and written: the client learns it was stored
    assertThat(expectedOwnRead).containsAll(ownWritten);
    assertThat(cursors(written)).isSorted().doesNotHaveDuplicates();
    assertThat(inbox.delivered()).isEqualTo(top);
  }

  private static ChatMessage incoming(long cursor) {
    return new ChatMessage(cursor, cursor, PEER, USER, "m" + cursor, false, 0, 0, cursor, null);
  }

  private static ChatMessage outgoing(long cursor) {
    return new ChatMessage(cursor, cursor, USER, PEER, "o" + cursor, false, 0, cursor, 0, null);
  }

  private static List<Long> cursors(List<ChatMessage> messages) {
    return messages.stream().map(message -> message.cursorFor(USER)).toList();
  }

  @Test
  void aFillThatPassesPositionsDeletedForTheUserClosesTheGap() {
    InboxStream inbox = new InboxStream(USER);
    inbox.start(0);
    inbox.push(incoming(1));
    inbox.push(incoming(5));
    InboxStream.Fill fill = inbox.fillRequest(500);
    assertThat(fill).isEqualTo(new InboxStream.Fill(1, 5));
    // cursors 2 and 4 hold messages the user deleted for themselves: the page skips them, its cursor passes them
    List<ChatMessage> page = List.of(incoming(3), incoming(5));
    assertThat(cursors(inbox.filled(page, List.of(2L, 4L)))).containsExactly(3L, 5L);
    assertThat(inbox.hasGap()).isFalse();
    assertThat(inbox.delivered()).isEqualTo(5);
    assertThat(cursors(inbox.push(incoming(6)))).containsExactly(6L);
  }
}
