package io.github.minichat.load;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The fan-out accounting of a groups run, written from every loop: each message sent, with how many online members
 * should receive it, whether it was acknowledged, and how many of them did receive it (once each: duplicates are
 * told apart by each member's {@link MemberInbox} before they reach here). At the end, {@link #tally()} names the
 * acknowledged messages that some online member never received.
 */
final class GroupLedger {

  /** How a send was answered. */
  enum Answer { PENDING, ACKED, REFUSED, UNANSWERED }

  /** One message. {@code parts}: the deliveries still due plus one for the answer; 0 means settled. */
  private static final class Entry {
    final int group;
    final int recipients;
    final boolean measured;
    final AtomicInteger received = new AtomicInteger();
    final AtomicInteger parts;
    volatile Answer answer = Answer.PENDING;

    Entry(int group, int recipients, boolean measured) {
      this.group = group;
      this.recipients = recipients;
      this.measured = measured;
      this.parts = new AtomicInteger(recipients + 1);
    }
  }

  /**
   * The accounting once the drain is over.
   *
   * @param lostMessages            acknowledged messages that some online member never received
   * @param missingDeliveries       deliveries those messages still lacked, in all
   * @param expectedDeliveries      online recipients of the acknowledged messages, in all
   * @param unexpectedDeliveries    deliveries of messages that were refused or never answered, and deliveries
   *                                beyond a message's online recipients
   * @param measuredAcked           acknowledged messages intended within the measured time
   */
  record Tally(long lostMessages, long missingDeliveries, long expectedDeliveries, long unexpectedDeliveries,
               long measuredAcked) {
  }

  private final Map<Long, Entry> entries = new ConcurrentHashMap<>();
  private final LongAdder sent = new LongAdder();
  private final LongAdder answered = new LongAdder();
  private final LongAdder acked = new LongAdder();
  private final LongAdder settledAcked = new LongAdder();
  private final LongAdder due = new LongAdder();
  private final LongAdder received = new LongAdder();
  /** Deliveries whose seq was below one the member had already received in that group. */
  final LongAdder outOfOrder = new LongAdder();
  /** Copies of a member's own message pushed to the socket that sent it (which gets the ack instead). */
  final LongAdder ownCopies = new LongAdder();
  /** Membership changes pushed ({@code kind: system}): not messages of the run, not counted as deliveries. */
  final LongAdder systemFrames = new LongAdder();

  /** Names message {@code number} of sender {@code senderIndex}. */
  static long key(int senderIndex, int number) {
    return (long) senderIndex << 32 | number;
  }

  /** Called before the message is written, so that no delivery can arrive before its entry. */
  void sent(long key, int group, int recipients, boolean measured) {
    if (entries.putIfAbsent(key, new Entry(group, recipients, measured)) != null) {
      throw new IllegalStateException("message " + key + " sent twice");
    }
    sent.increment();
    due.add(recipients);
  }

  void answered(long key, Answer answer) {
    Entry entry = entries.get(key);
    if (entry == null || answer == Answer.PENDING || entry.answer != Answer.PENDING) {
      throw new IllegalStateException("message " + key + " answered twice or never sent");
    }
    entry.answer = answer; // before the part is counted down: whoever settles the entry sees it
    answered.increment();
    if (answer == Answer.ACKED) {
      acked.increment();
    } else {
      due.add(-entry.recipients);
    }
    settle(entry);
  }

  /** A member's first receipt of a message, pushed as one of {@code group}'s; false if no such message was sent. */
  boolean delivered(long key, int group) {
    Entry entry = entries.get(key);
    if (entry == null || entry.group != group) {
      return false;
    }
    entry.received.incrementAndGet();
    received.increment();
    settle(entry);
    return true;
  }

  /** Every send answered and every acknowledged message received by all its online members. */
  boolean settled() {
    long sentSoFar = sent.sum();
    return answered.sum() == sentSoFar && settledAcked.sum() == acked.sum();
  }

  /** Deliveries still due of the messages not refused: what the progress line shows as outstanding. */
  long outstanding() {
    return Math.max(0, due.sum() - received.sum());
  }

  Tally tally() {
    long lost = 0;
    long missing = 0;
    long expected = 0;
    long unexpected = 0;
    long measuredAcked = 0;
    for (Entry entry : entries.values()) {
      int got = entry.received.get();
      if (entry.answer == Answer.ACKED) {
        expected += entry.recipients;
        if (got < entry.recipients) {
          lost++;
          missing += entry.recipients - got;
        } else {
          unexpected += got - entry.recipients;
        }
        if (entry.measured) {
          measuredAcked++;
        }
      } else if (entry.answer != Answer.PENDING) {
        unexpected += got;
      }
    }
    return new Tally(lost, missing, expected, unexpected, measuredAcked);
  }

  private void settle(Entry entry) {
    if (entry.parts.decrementAndGet() == 0 && entry.answer == Answer.ACKED) {
      settledAcked.increment();
    }
  }
}
