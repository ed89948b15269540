package io.github.minichat.load;

import java.util.ArrayDeque;

/**
 * One online member of a groups run, both ends: as sender it stamps its messages (number and intended send time in
 * the data, {@code cid = <user>-<number>}) and keeps at most a window of them unanswered; as recipient it checks each
 * {@code group_text} it is pushed against the {@link GroupLedger} and its own {@link MemberInbox} (duplicates, order)
 * and records the latency from the intended send time. Touched only on its event loop.
 */
final class GroupUser implements ChatSocket.Pushes {

  final int index;
  final ChatSocket socket;
  private final int group;
  private final long groupId;
  private final GroupsPlan plan;
  private final ChatStats stats;
  private final GroupLedger ledger;
  private final MemberInbox inbox = new MemberInbox();
  private final ArrayDeque<Long> waiting = new ArrayDeque<>();
  private int next;
  private int outstanding;

  GroupUser(int index, long groupId, GroupsPlan plan, ChatStats stats, GroupLedger ledger) {
    this.index = index;
    this.group = plan.groupOf(index);
    this.groupId = groupId;
    this.plan = plan;
    this.stats = stats;
    this.ledger = ledger;
    this.socket = new ChatSocket(plan.tokens().userId(index), ChatTarget.CHAT, this);
  }

  /** A send is due (open loop) at {@code intendedNanos}: now, or when the window has room. */
  void due(long intendedNanos) {
    if (outstanding >= plan.window() || !waiting.isEmpty()) {
      stats.late.increment();
      waiting.add(intendedNanos);
    } else {
      send(intendedNanos);
    }
  }

  /** Sends still waiting for the window, given up at the end of the drain. */
  int abandonWaiting() {
    int count = waiting.size();
    waiting.clear();
    return count;
  }

  private void send(long intendedNanos) {
    int number = next++;
    long key = GroupLedger.key(index, number);
    boolean measured = stats.measured(intendedNanos);
    ledger.sent(key, group, plan.recipientsOf(group), measured);
    stats.sent.increment();
    if (measured) {
      stats.measuredSent.increment();
    }
    outstanding++;
    socket.sayInGroup(groupId, socket.userId() + "-" + number, plan.data(new MessageStamp(intendedNanos, number)))
        .onComplete(answer -> {
          outstanding--;
          if (answer.succeeded()) {
            stats.acked.increment();
            ledger.answered(key, GroupLedger.Answer.ACKED);
            if (measured) {
              stats.ack.recordNanos(System.nanoTime() - intendedNanos);
            }
          } else {
            String code = ServerError.codeOf(answer.cause());
            boolean closed = code.equals("closed");
            (closed ? stats.unanswered : stats.refused).increment();
            ledger.answered(key, closed ? GroupLedger.Answer.UNANSWERED : GroupLedger.Answer.REFUSED);
            stats.error(code);
          }
          if (socket.isOpen() && !waiting.isEmpty()) {
            send(waiting.poll());
          }
        });
  }

  @Override
  public void groupText(ChatSocket socket, GroupText frame) {
    long now = System.nanoTime();
    if (frame != null && frame.system()) {
      ledger.systemFrames.increment();
      return;
    }
    if (frame != null && frame.fromId() == socket.userId()) {
      ledger.ownCopies.increment();
      return;
    }
    MessageStamp stamp = frame == null ? null : MessageStamp.parse(frame.data());
    long sender = frame == null ? -1 : frame.fromId() - plan.tokens().userId(0);
    if (stamp == null || frame.groupId() != groupId || sender < 0 || sender >= plan.users()) {
      stats.unexpected.increment();
      return;
    }
    MemberInbox.Verdict verdict = inbox.receive(frame.groupId(), frame.seq(), (int) sender, stamp.number());
    if (verdict == MemberInbox.Verdict.DUPLICATE) {
      stats.duplicated.increment();
      return;
    }
    if (verdict == MemberInbox.Verdict.FIRST_OUT_OF_ORDER) {
      ledger.outOfOrder.increment();
    }
    if (!ledger.delivered(GroupLedger.key((int) sender, stamp.number()), group)) {
      stats.unexpected.increment();
      return;
    }
    stats.delivered.increment();
    if (stats.measured(stamp.intendedNanos())) {
      stats.measuredDelivered.increment();
      stats.delivery.recordNanos(now - stamp.intendedNanos());
    }
  }

  /** A one-to-one message: nobody in a groups run sends one. */
  @Override
  public void text(ChatSocket socket, String cid, String data) {
    stats.unexpected.increment();
  }

  @Override
  public void lost(ChatSocket socket, String why) {
    stats.incident(why);
  }
}
