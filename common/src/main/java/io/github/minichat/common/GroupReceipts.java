package io.github.minichat.common;

import java.util.List;

/**
 * How many members have read each of some messages that {@code senderId} sent to a group: {@code readCounts[i]}
 * members (the sender not counted) have read message {@code seqs[i]}. Coalesced: one per sender per flush, however
 * many members read in between.
 */
public record GroupReceipts(long groupId, long senderId, List<Long> seqs, List<Long> readCounts) {
  public GroupReceipts {
    seqs = List.copyOf(seqs);
    readCounts = List.copyOf(readCounts);
  }
}
