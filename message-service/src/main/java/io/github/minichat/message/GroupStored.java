package io.github.minichat.message;

import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.UnreadCount;
import java.util.List;
import java.util.Set;

/**
 * A group message as stored: the sender's copy, every holder's place in their inbox, and the unread totals it
 * changed. Holders are the members at the commit (for a membership change, also those it removed), the sender
 * among them.
 *
 * @param message   the sender's copy ({@code toId} 0, {@code senderCursor} the sender's place)
 * @param holders   user ids, each once; {@code cursors[i]} is the place of the message in {@code holders[i]}'s inbox
 * @param mentioned the holders it mentions
 * @param duplicate it repeated a message already stored (same sender and cid); nothing was stored again, and
 *                  {@code holders} holds the sender only as the store answers it ({@link GroupStore#holders} reads
 *                  the current members' copies, to push them again)
 * @param unread    the new totals of the holders whose total it changed
 */
record GroupStored(ChatMessage message, List<Long> holders, List<Long> cursors, Set<Long> mentioned,
                   boolean duplicate, List<UnreadCount> unread) {
  GroupStored {
    holders = List.copyOf(holders);
    cursors = List.copyOf(cursors);
    mentioned = Set.copyOf(mentioned);
    unread = List.copyOf(unread);
  }
}
