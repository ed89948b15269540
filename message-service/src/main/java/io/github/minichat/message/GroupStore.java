package io.github.minichat.message;

import io.github.minichat.common.GroupCommand;
import io.github.minichat.common.GroupHistoryRequest;
import io.github.minichat.common.GroupInfo;
import io.github.minichat.common.GroupList;
import io.github.minichat.common.GroupMembers;
import io.github.minichat.common.GroupRead;
import io.github.minichat.common.HistoryPage;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.function.LongPredicate;

/** Groups: membership changes (each a system message), the lists, history and read marks. */
final class GroupStore {

  /** A membership change: the group after it, as the actor sees it, and the system message that records it. */
  record Changed(GroupInfo group, GroupStored notice) {
  }

  /** A read mark: the reader's new total (version 0: unchanged) and the seqs it newly marked read, after..upTo. */
  record Marked(UnreadCount unread, long after, long upTo) {
  }

  private final Pool pool;
  private final GroupLimits limits;

  GroupStore(Pool pool, GroupLimits limits) {
    this.pool = pool;
    this.limits = limits;
  }

  Future<Changed> change(GroupCommand command) {
    throw new UnsupportedOperationException("not built yet");
  }

  Future<GroupList> groups(long userId) {
    throw new UnsupportedOperationException("not built yet");
  }

  /** {@code online}: whether a user has a connection (the route table's view). */
  Future<GroupMembers> members(long userId, long groupId, LongPredicate online) {
    throw new UnsupportedOperationException("not built yet");
  }

  Future<HistoryPage> history(GroupHistoryRequest request) {
    throw new UnsupportedOperationException("not built yet");
  }

  Future<Marked> markRead(GroupRead request) {
    throw new UnsupportedOperationException("not built yet");
  }

  /**
   * How many members (the sender not counted) have read each message of a group with a seq in after..upTo (at most
   * the newest {@code max} of them), grouped by sender.
   */
  Future<java.util.List<io.github.minichat.common.GroupReceipts>> receipts(long groupId, long after, long upTo,
                                                                         int max) {
    throw new UnsupportedOperationException("not built yet");
  }
}
