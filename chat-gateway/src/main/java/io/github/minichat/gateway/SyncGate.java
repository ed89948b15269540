package io.github.minichat.gateway;

import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.SyncPage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One connection's bookkeeping between live pushes and {@code sync} pages, so that a client that syncs sees every
 * message once: no gap, no repeat. Pushes that arrive while a sync is in flight are held and afterwards written only
 * if the page did not hold them; pushes written before the first sync are left out of its pages. Single-threaded:
 * used on its socket's event loop only.
 */
final class SyncGate {

  /** Pushes held back while a sync is in flight; beyond this the sync reply says has_more instead. */
  private static final int MAX_HELD_DURING_SYNC = 1_000;
  /** Pushes remembered before the first sync (a syncing client syncs right after bind; a seed client never does). */
  private static final int MAX_TRACKED_BEFORE_SYNC = 256;

  /** What to answer a sync with, and the held pushes to write after it. */
  record Outcome(List<ChatMessage> page, long cursor, boolean hasMore, List<ChatMessage> release) {
  }

  private final long userId;
  private boolean syncInFlight;
  private final ArrayDeque<ChatMessage> held = new ArrayDeque<>();
  private boolean heldOverflow;
  private boolean catchingUp;
  private long syncedUpTo = -1;
  /**
   * Cursors pushed before this connection's first sync, left out of its pages; null: no longer tracked. A plain
   * array: it is appended to on every push of a connection's first minutes and searched once. It starts small and
   * grows to {@link #MAX_TRACKED_BEFORE_SYNC}: most connections sync before their first push, and every connection
   * carries one.
   */
  private long[] pushedBeforeSync = new long[8];
  private int pushedBeforeSyncCount;

  SyncGate(long userId) {
    this.userId = userId;
  }

  boolean syncInFlight() {
    return syncInFlight;
  }

  void syncStarted() {
    syncInFlight = true;
  }

  /** A live push: whether to write it now (else it is held, or a sync page has it or will have it). */
  boolean admit(ChatMessage message) {
    if (syncInFlight) {
      if (held.size() < MAX_HELD_DURING_SYNC) {
        held.add(message);
      } else {
        heldOverflow = true;
      }
      return false;
    }
    if (catchingUp || message.cursorFor(userId) <= syncedUpTo) {
      return false;
    }
    written(message);
    return true;
  }

  /**
   * The sync answered. While the client is still paging (has_more), live pushes are left to the following pages;
   * once caught up, pushes at or below the page's cursor are left out.
   */
  Outcome syncFinished(SyncPage page) {
    syncInFlight = false;
    boolean hasMore = page.hasMore() || heldOverflow;
    List<ChatMessage> messages = page.messages();
    if (pushedBeforeSync != null && pushedBeforeSyncCount > 0) {
      messages = messages.stream().filter(message -> !pushedBeforeSync(message.cursorFor(userId))).toList();
    }
    syncedUpTo = page.cursor();
    catchingUp = hasMore;
    if (!hasMore) {
      pushedBeforeSync = null;
    }
    heldOverflow = false;
    List<ChatMessage> release = new ArrayList<>();
    ChatMessage message;
    while ((message = held.poll()) != null) {
      if (admit(message)) {
        release.add(message);
      }
    }
    return new Outcome(messages, page.cursor(), hasMore, release);
  }

  /** The sync failed: with no page to filter against, every held push is written (better a repeat than a gap). */
  List<ChatMessage> syncFailed() {
    syncInFlight = false;
    heldOverflow = false;
    List<ChatMessage> release = new ArrayList<>(held);
    held.clear();
    release.forEach(this::written);
    return release;
  }

  private void written(ChatMessage message) {
    if (syncedUpTo < 0 && pushedBeforeSync != null) {
      if (pushedBeforeSyncCount == pushedBeforeSync.length && pushedBeforeSync.length < MAX_TRACKED_BEFORE_SYNC) {
        pushedBeforeSync = Arrays.copyOf(pushedBeforeSync, pushedBeforeSync.length * 2);
      }
      if (pushedBeforeSyncCount < pushedBeforeSync.length) {
        pushedBeforeSync[pushedBeforeSyncCount++] = message.cursorFor(userId);
      } else {
        pushedBeforeSync = null; // a client that has not synced by now does not sync
      }
    }
  }

  private boolean pushedBeforeSync(long cursor) {
    for (int i = 0; i < pushedBeforeSyncCount; i++) {
      if (pushedBeforeSync[i] == cursor) {
        return true;
      }
    }
    return false;
  }
}
