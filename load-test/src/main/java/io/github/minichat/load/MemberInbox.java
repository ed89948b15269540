package io.github.minichat.load;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * What one member has received of a groups run: each sender's message numbers (a second receipt is a duplicate)
 * and, per group, the highest seq so far (a lower one arriving later is out of order). Touched only on the member's
 * event loop.
 */
final class MemberInbox {

  /** How a received message compares with what came before. */
  enum Verdict {
    /** Its first receipt, after every lower seq of its group. */
    FIRST,
    /** Its first receipt, but a higher (or the same) seq of its group came before it. */
    FIRST_OUT_OF_ORDER,
    /** Received before. */
    DUPLICATE
  }

  private final Map<Integer, BitSet> numbersBySender = new HashMap<>();
  private final Map<Long, Long> lastSeqByGroup = new HashMap<>();

  Verdict receive(long groupId, long seq, int senderIndex, int number) {
    BitSet numbers = numbersBySender.computeIfAbsent(senderIndex, ignored -> new BitSet());
    if (numbers.get(number)) {
      return Verdict.DUPLICATE;
    }
    numbers.set(number);
    Long last = lastSeqByGroup.get(groupId);
    if (last != null && seq <= last) {
      return Verdict.FIRST_OUT_OF_ORDER;
    }
    lastSeqByGroup.put(groupId, seq);
    return Verdict.FIRST;
  }
}
