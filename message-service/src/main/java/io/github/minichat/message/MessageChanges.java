package io.github.minichat.message;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.MessageChange;
import io.github.minichat.common.MessageChanged;
import io.github.minichat.common.Notice;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Recalls and "delete for me" of one-to-one messages: one call to {@code chat_recall} or {@code chat_hide} (see the
 * migrations), one round trip and one transaction that also corrects the unread total; then the notices and the
 * changed count are pushed. A repeated change is answered like the first and pushed again (its first push may
 * have been lost with a message service).
 */
final class MessageChanges {

  private static final String RECALL =
      "SELECT * FROM chat_recall($1, $2, $3::float8 * interval '1 second', $4::float8 * interval '1 second')";
  private static final String HIDE = "SELECT * FROM chat_hide($1, $2)";

  /** What a change did: the answer, the notices to push and the count it changed (version 0: none). */
  record Outcome(MessageChanged changed, List<Notice> notices, UnreadCount unread) {
  }

  private final Pool pool;
  private final Duration recallWindow;

  MessageChanges(Pool pool, Duration recallWindow) {
    this.pool = pool;
    this.recallWindow = recallWindow;
  }

  Future<Outcome> apply(MessageChange change) {
    boolean recall = change.kind() == MessageChange.Kind.RECALL;
    Tuple args = recall
        ? Tuple.of(change.userId(), change.messageId(), (double) recallWindow.toSeconds(),
            (double) FileRecords.RECALL_GRACE.toSeconds())
        : Tuple.of(change.userId(), change.messageId());
    return pool.preparedQuery(recall ? RECALL : HIDE).execute(args)
        .recover(this::translate)
        .map(rows -> outcome(change, rows.iterator().next()));
  }

  private static Outcome outcome(MessageChange change, Row row) {
    long user = change.userId();
    long peer = row.getLong("peer");
    long seq = row.getLong("seq");
    long id = change.messageId();
    List<Notice> notices = new ArrayList<>(2);
    UnreadCount unread;
    if (change.kind() == MessageChange.Kind.RECALL) {
      notices.add(new Notice(Notice.Kind.RECALL, user, peer, id, seq, user));
      notices.add(new Notice(Notice.Kind.RECALL, peer, user, id, seq, user));
      unread = new UnreadCount(peer, row.getLong("unread"), row.getLong("unread_version"));
    } else {
      notices.add(new Notice(Notice.Kind.DELETED, user, peer, id, seq, user));
      unread = new UnreadCount(user, row.getLong("unread"), row.getLong("unread_version"));
    }
    return new Outcome(new MessageChanged(id, peer, seq), notices, unread);
  }

  private <T> Future<T> translate(Throwable failure) {
    if (failure instanceof PgException pg && pg.getSqlState() != null) {
      switch (pg.getSqlState()) {
        case "MC404" -> {
          return Future.failedFuture(new ChatException(ChatError.NOT_FOUND, "no such message of yours"));
        }
        case "MC403" -> {
          return Future.failedFuture(new ChatException(ChatError.FORBIDDEN, "only its sender may recall a message"));
        }
        case "MC410" -> {
          return Future.failedFuture(new ChatException(ChatError.RECALL_EXPIRED,
              "a message can be recalled within " + recallWindow.toSeconds() + " s of sending only"));
        }
        default -> {
        }
      }
    }
    return ChatStore.translate(failure);
  }
}
