package io.github.minichat.gateway;

import io.github.minichat.common.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One connection's live view of its user's inbox, so that every message stored while it is bound is written to it
 * once and in inbox order. Inbox cursors are dense per user (each message in or out takes the next one, in commit
 * order), so the connection always knows which cursor comes next:
 * <ul>
 *   <li>a push at the next cursor is written, with whatever it unblocks;</li>
 *   <li>a push ahead of it is held: consecutive batches stored by different message services race to the gateway,
 *       and a push can be lost with a message service that died after its commit. A gap that outlives a short
 *       bound is filled from the store ({@link #fillRequest()}, {@link #filled});</li>
 *   <li>a push at or below what the connection has is dropped: repeated sends are pushed again, on purpose.</li>
 * </ul>
 * The connection's own sends take their place in the order without being written ({@link #own}): the client got an
 * ack for each. Until the inbox head at bind time is known ({@link #start}) everything is held. Memory is bounded:
 * beyond {@link #MAX_HELD} held pushes only the highest cursor seen is kept, and the fill reads the rest back.
 * Single-threaded: used on its socket's event loop only.
 */
final class InboxStream {

  static final int MAX_HELD = 1_000;

  /** Marks a held position taken by this connection's own send. */
  private static final ChatMessage OWN = new ChatMessage(0, 0, 0, 0, "", false, 0, 0, 0, null);

  /** The range of cursors to read back from the store: after {@code since}, up to and including {@code upTo}. */
  record Fill(long since, long upTo) {
    int size() {
      return (int) Math.min(Integer.MAX_VALUE, upTo - since);
    }
  }

  private final long userId;
  private final TreeMap<Long, ChatMessage> held = new TreeMap<>();
  /** The cursor written (or taken by an own send) last; -1 until the head at bind time is known. */
  private long delivered = -1;
  /** The highest cursor this stream has seen, held or not. */
  private long highestSeen;

  InboxStream(long userId) {
    this.userId = userId;
  }

  boolean started() {
    return delivered >= 0;
  }

  /** The cursor of the inbox's newest message when the connection was bound: older ones are not its to receive. */
  List<ChatMessage> start(long head) {
    delivered = head;
    highestSeen = Math.max(highestSeen, head);
    return release();
  }

  /** A message pushed for this connection: the messages now due, in order (possibly none). */
  List<ChatMessage> push(ChatMessage message) {
    return take(message.cursorFor(userId), message);
  }

  /** A cursor taken by a message this connection sent (it has its ack): the messages now due. */
  List<ChatMessage> own(long cursor) {
    return take(cursor, OWN);
  }

  /** Whether a cursor after the last one delivered is missing while a later one has been seen. */
  boolean hasGap() {
    return started() && highestSeen > delivered;
  }

  /**
   * The cursors to read back to close the current gap, at most {@code maxPage}; null when there is none. It reaches
   * the highest cursor seen: what is held comes back too and is dropped, which is cheaper than a read per gap.
   */
  Fill fillRequest(int maxPage) {
    return hasGap() ? new Fill(delivered, Math.min(highestSeen, delivered + maxPage)) : null;
  }

  /**
   * Messages read back from the store after {@code since}: the ones now due, in order. {@code passed} are the
   * positions of the read that hold messages the user deleted for themselves: each is taken like an own send, so
   * the order has no hole.
   */
  List<ChatMessage> filled(List<ChatMessage> page, List<Long> passed) {
    List<ChatMessage> due = new ArrayList<>();
    for (long cursor : passed) {
      due.addAll(take(cursor, OWN));
    }
    for (ChatMessage message : page) {
      due.addAll(push(message));
    }
    return due;
  }

  long delivered() {
    return delivered;
  }

  int heldCount() {
    return held.size();
  }

  private List<ChatMessage> take(long cursor, ChatMessage message) {
    highestSeen = Math.max(highestSeen, cursor);
    if (started() && cursor <= delivered) {
      return List.of(); // already written or taken
    }
    if (started() && cursor == delivered + 1) {
      delivered = cursor;
      if (held.isEmpty()) { // the common case: in order, nothing waiting
        return message == OWN ? List.of() : List.of(message);
      }
      List<ChatMessage> due = release();
      if (message != OWN) {
        due.add(0, message);
      }
      return due;
    }
    if (held.size() < MAX_HELD || cursor < held.lastKey()) {
      held.put(cursor, message);
      if (held.size() > MAX_HELD) {
        held.pollLastEntry(); // the fill reads it back
      }
    }
    return List.of();
  }

  /** Everything held that is now due: drops what is at or below the delivered cursor, takes the run after it. */
  private List<ChatMessage> release() {
    List<ChatMessage> due = new ArrayList<>();
    Map.Entry<Long, ChatMessage> first;
    while ((first = held.firstEntry()) != null && first.getKey() <= delivered + 1) {
      held.pollFirstEntry();
      if (first.getKey() == delivered + 1) {
        delivered++;
        if (first.getValue() != OWN) {
          due.add(first.getValue());
        }
      }
    }
    return due;
  }
}
