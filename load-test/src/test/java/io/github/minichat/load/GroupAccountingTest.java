package io.github.minichat.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The groups scenario's accounting, fed hand-made {@code group_text} frames as the gateway writes them: what counts
 * as a delivery, a duplicate, an order violation, an unexpected frame and a lost message.
 */
class GroupAccountingTest {

  private static final long FIRST_USER = 900;
  /** Server ids of group 0 (the large one) and groups 1 and 2. */
  private static final long[] GROUP_IDS = {70, 71, 72};

  /** Large group: users 0..3, 0..2 online; small groups: users 4, 5 and 6, 7. */
  private final GroupsPlan plan = new GroupsPlan(4, 3, 2, 2, 100, 0.5, Duration.ZERO, Duration.ofSeconds(1), 40, 4,
      8, Duration.ofSeconds(5), Duration.ofSeconds(5), List.of(GatewayTarget.parse("ws://127.0.0.1:1/ws")),
      List.of(), Tokens.unsigned(FIRST_USER, 8));
  private final ChatStats stats = new ChatStats();
  private final GroupLedger ledger = new GroupLedger();

  @Test
  @DisplayName("the layout: who is online, who creates which group, who receives its messages")
  void layout() {
    assertThat(plan.users()).isEqualTo(8);
    assertThat(plan.onlineUsers()).containsExactly(0, 1, 2, 4, 5, 6, 7);
    assertThat(IntStream.range(0, 8).map(plan::groupOf).toArray()).containsExactly(0, 0, 0, 0, 1, 1, 2, 2);
    assertThat(IntStream.range(0, 3).map(plan::creatorOf).toArray()).containsExactly(0, 4, 6);
    assertThat(plan.recipientsOf(0)).as("online members but the sender").isEqualTo(2);
    assertThat(plan.recipientsOf(2)).isEqualTo(1);
    assertThatThrownBy(() -> new GroupsPlan(4, 5, 2, 2, 100, 0.5, Duration.ZERO, Duration.ofSeconds(1), 40, 4, 8,
        Duration.ofSeconds(5), Duration.ofSeconds(5), List.of(), List.of(), Tokens.unsigned(FIRST_USER, 8)))
        .as("more online than members").isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("the large group gets its share of the sends exactly, over every prefix of the run")
  void largeShareIsExact() {
    for (double share : new double[] {0, 0.1, 0.25, 1.0 / 3, 1}) {
      GroupsPlan shared = new GroupsPlan(4, 3, 2, 2, 100, share, Duration.ZERO, Duration.ofSeconds(1), 40, 4, 8,
          Duration.ofSeconds(5), Duration.ofSeconds(5), List.of(), List.of(), Tokens.unsigned(FIRST_USER, 8));
      long large = 0;
      for (long k = 0; k < 3000; k++) {
        large += shared.toLargeGroup(k) ? 1 : 0;
        assertThat(large).as("share %s after %d sends", share, k + 1).isEqualTo((long) Math.floor((k + 1) * share));
      }
    }
  }

  @Test
  @DisplayName("a stamp survives the trip through a frame's data; text that carries none is no message of the run")
  void stamps() {
    MessageStamp stamp = new MessageStamp(-123_456_789_012L, 41);
    String data = stamp.data(40);
    assertThat(data).hasSize(40);
    assertThat(MessageStamp.parse(data)).isEqualTo(stamp);
    assertThat(MessageStamp.parse("hello @2")).isNull();
    assertThat(MessageStamp.parse("12||x")).isNull();
    assertThat(MessageStamp.parse("12|-3|x")).isNull();
    assertThat(MessageStamp.parse("12|99999999999|x")).isNull();
    assertThat(MessageStamp.parse("")).isNull();
  }

  @Test
  @DisplayName("group_text frames are read as the gateway writes them; a frame without group, seq or sender is not")
  void frames() {
    assertThat(GroupText.parse(frame(70, 5, 1, "a \\\"quoted\\\" text", "text")))
        .isEqualTo(new GroupText(70, 5, FIRST_USER + 1, "a \"quoted\" text", false));
    assertThat(GroupText.parse(frame(70, 1, 0, "{\\\"event\\\":\\\"created\\\"}", "system")).system()).isTrue();
    assertThat(GroupText.parse("{\"type\":\"group_text\",\"group_id\":70,\"from_id\":1,\"data\":\"x\"}")).isNull();
    assertThat(GroupText.parse("{\"type\":\"group_text\",\"group_id\":\"70\",\"seq\":1,\"from_id\":1}")).isNull();
    assertThat(GroupText.parse("{\"type\":\"group_text\",\"group_id\":70,")).isNull();
    assertThat(GroupText.parse("[]")).isNull();
  }

  @Test
  @DisplayName("each online member's first receipt is a delivery; a second is a duplicate; a lower seq later is out "
      + "of order; an acknowledged message some member lacks is lost")
  void deliveriesDuplicatesOrderAndLosses() {
    GroupUser[] users = users();
    long now = System.nanoTime();
    stats.measureStartNanos = now;
    // user 0 sends message 0 (seq 2) and message 1 (seq 4); user 1 sends message 0 (seq 3); all acknowledged
    send(0, 0, now);
    send(0, 1, now);
    send(1, 0, now);
    receive(users[1], 70, 2, 0, 0, now);
    receive(users[2], 70, 2, 0, 0, now);
    receive(users[2], 70, 2, 0, 0, now);          // again: a duplicate
    receive(users[2], 70, 4, 0, 1, now);
    receive(users[2], 70, 3, 1, 0, now);          // seq 3 after seq 4: out of order, still a delivery
    receive(users[1], 70, 4, 0, 1, now);
    // user 0 never gets user 1's message 0: that message is lost

    GroupLedger.Tally tally = ledger.tally();
    assertThat(stats.delivered.sum()).isEqualTo(5);
    assertThat(stats.measuredDelivered.sum()).isEqualTo(5);
    assertThat(stats.delivery.total().getTotalCount()).isEqualTo(5);
    assertThat(stats.duplicated.sum()).isEqualTo(1);
    assertThat(ledger.outOfOrder.sum()).isEqualTo(1);
    assertThat(stats.unexpected.sum()).isZero();
    assertThat(tally.expectedDeliveries()).isEqualTo(6);
    assertThat(tally.lostMessages()).isEqualTo(1);
    assertThat(tally.missingDeliveries()).isEqualTo(1);
    assertThat(tally.measuredAcked()).isEqualTo(3);
    assertThat(ledger.settled()).isFalse();
    assertThat(ledger.outstanding()).isEqualTo(1);

    receive(users[0], 70, 3, 1, 0, now);
    assertThat(ledger.tally().lostMessages()).isZero();
    assertThat(ledger.settled()).isTrue();
    assertThat(ledger.outstanding()).isZero();
  }

  @Test
  @DisplayName("frames that are no delivery of the run: another group's, a refused message's, an unknown message, "
      + "the member's own, a membership change, unreadable ones")
  void unexpectedFrames() {
    GroupUser[] users = users();
    long now = System.nanoTime();
    send(4, 0, now);                               // small group 1, to user 5
    answer(4, 1, now, GroupLedger.Answer.REFUSED);

    receive(users[6], 72, 1, 4, 0, now);           // group 1's message pushed as group 2's, to a group 2 member
    receive(users[5], 71, 2, 4, 1, now);           // the refused message delivered anyway
    receive(users[5], 71, 3, 4, 7, now);           // never sent
    receive(users[5], 71, 4, 5, 0, now);           // user 5's own message, on its own socket
    users[5].groupText(users[5].socket, GroupText.parse(frame(71, 1, 4, "{\\\"event\\\":\\\"created\\\"}",
        "system")));
    users[5].groupText(users[5].socket, GroupText.parse("{\"type\":\"group_text\",\"group_id\":71"));
    users[5].groupText(users[5].socket, GroupText.parse(frame(71, 5, 4, "no stamp", "text")));
    users[5].text(users[5].socket, "c-1", "a one-to-one message");

    assertThat(stats.unexpected.sum()).as("wrong group, unknown, unreadable, unstamped, one-to-one").isEqualTo(5);
    assertThat(ledger.ownCopies.sum()).isEqualTo(1);
    assertThat(ledger.systemFrames.sum()).isEqualTo(1);
    assertThat(stats.delivered.sum()).as("only the refused message's, counted unexpected in the tally").isEqualTo(1);
    GroupLedger.Tally tally = ledger.tally();
    assertThat(tally.unexpectedDeliveries()).isEqualTo(1);
    assertThat(tally.lostMessages()).as("message 0 never reached user 5").isEqualTo(1);
  }

  @Test
  @DisplayName("a message is answered once; the same message number sent twice is the tool's own bug")
  void ledgerRefusesImpossibleHistories() {
    ledger.sent(GroupLedger.key(0, 0), 0, 2, true);
    assertThatThrownBy(() -> ledger.sent(GroupLedger.key(0, 0), 0, 2, true)).isInstanceOf(IllegalStateException.class);
    ledger.answered(GroupLedger.key(0, 0), GroupLedger.Answer.ACKED);
    assertThatThrownBy(() -> ledger.answered(GroupLedger.key(0, 0), GroupLedger.Answer.REFUSED))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ledger.answered(GroupLedger.key(0, 9), GroupLedger.Answer.ACKED))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("acks and deliveries racing on many threads settle every message exactly once")
  void concurrentAcksAndDeliveriesSettleExactly() throws Exception {
    int threads = 8;
    int messages = 2_000;
    int recipients = threads - 1;
    for (int n = 0; n < messages; n++) {
      ledger.sent(GroupLedger.key(0, n), 0, recipients, true);
    }
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Thread> running = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread worker = new Thread(() -> {
        try {
          start.await();
          for (int n = 0; n < messages; n++) {
            if (thread == 0) {
              ledger.answered(GroupLedger.key(0, n), n % 100 == 0 ? GroupLedger.Answer.REFUSED
                  : GroupLedger.Answer.ACKED);
            } else if (n % 10 != 3 || thread != 1) { // recipient 1 misses every tenth message
              ledger.delivered(GroupLedger.key(0, n), 0);
            }
          }
        } catch (Throwable e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      });
      worker.start();
      running.add(worker);
    }
    for (Thread worker : running) {
      worker.join();
    }

    assertThat(failures).isEmpty();
    GroupLedger.Tally tally = ledger.tally();
    long refused = messages / 100;                               // n = 0, 100, 200…: none ends in 3
    assertThat(tally.lostMessages()).isEqualTo(messages / 10);
    assertThat(tally.missingDeliveries()).isEqualTo(messages / 10);
    assertThat(tally.expectedDeliveries()).isEqualTo((messages - refused) * recipients);
    assertThat(tally.unexpectedDeliveries()).isEqualTo(refused * recipients);
    assertThat(ledger.settled()).isFalse();
    for (int n = 3; n < messages; n += 10) {
      ledger.delivered(GroupLedger.key(0, n), 0);
    }
    assertThat(ledger.settled()).isTrue();
    assertThat(ledger.tally().lostMessages()).isZero();
  }

  private GroupUser[] users() {
    GroupUser[] users = new GroupUser[plan.users()];
    for (int i = 0; i < users.length; i++) {
      users[i] = new GroupUser(i, GROUP_IDS[plan.groupOf(i)], plan, stats, ledger);
    }
    return users;
  }

  private void send(int sender, int number, long intended) {
    answer(sender, number, intended, GroupLedger.Answer.ACKED);
  }

  /** Sender {@code sender}'s message {@code number}, sent to its group and answered. */
  private void answer(int sender, int number, long intended, GroupLedger.Answer answer) {
    ledger.sent(GroupLedger.key(sender, number), plan.groupOf(sender), plan.recipientsOf(plan.groupOf(sender)),
        stats.measured(intended));
    ledger.answered(GroupLedger.key(sender, number), answer);
  }

  private void receive(GroupUser member, long groupId, long seq, int sender, int number, long intended) {
    String data = new MessageStamp(intended, number).data(plan.textBytes());
    member.groupText(member.socket, GroupText.parse(frame(groupId, seq, sender, data, "text")));
  }

  /** A frame as the gateway writes it ({@code data} already JSON-escaped). */
  private static String frame(long groupId, long seq, int sender, String data, String kind) {
    return "{\"type\":\"group_text\",\"group_id\":" + groupId + ",\"id\":" + (1000 + seq) + ",\"seq\":" + seq
        + ",\"cursor\":" + (50 + seq) + ",\"from_id\":" + (FIRST_USER + sender) + ",\"data\":\"" + data
        + "\",\"kind\":\"" + kind + "\",\"mentioned\":false,\"is_read\":0,\"created_at\":1764690000000,\"cid\":\""
        + (FIRST_USER + sender) + "-" + seq + "\"}";
  }
}
