package io.github.minichat.message;

import io.github.minichat.common.Attachment;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.FileAccess;
import io.github.minichat.common.FileRegistration;
import io.github.minichat.common.FileSweep;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The uploads' rows: recorded when a gateway has stored the bytes, found for the sends that reference them, checked
 * for the readers who ask for links, and claimed by the gateways' sweepers once they expire unsent.
 *
 * <p>A send finds its upload before its batch and keeps it in the batch's transaction ({@link BatchStore#KEEP_FILES}).
 * It only finds an upload that is at least {@link #SEND_MARGIN} from expiring, and a sweeper only claims expired
 * ones, so a send that found its upload commits long before a sweeper may take it.
 */
final class FileRecords {

  /** How long before its expiry an upload can no longer be sent. */
  static final Duration SEND_MARGIN = Duration.ofMinutes(1);
  /** How long an upload whose last message was recalled lives on: more than {@link #SEND_MARGIN}. */
  static final Duration RECALL_GRACE = Duration.ofMinutes(2);

  private static final String COLUMNS = "id, kind, mime, size, name, width, height, has_thumb";
  private static final String REGISTER =
      "INSERT INTO files (id, owner_id, kind, mime, size, name, width, height, has_thumb, expires_at)"
          + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, clock_timestamp() + $10::float8 * interval '1 second')";
  private static final String FIND_OWN =
      "SELECT " + COLUMNS + " FROM files WHERE id = $1 AND owner_id = $2"
          + " AND (expires_at IS NULL OR expires_at > clock_timestamp() + $3::float8 * interval '1 second')";
  // the owner, a participant of a one-to-one message holding it, or a member holding a group message with it
  private static final String FIND_READABLE =
      "SELECT " + COLUMNS + " FROM files f WHERE f.id = $1 AND (f.owner_id = $2"
          + " OR EXISTS (SELECT 1 FROM messages m WHERE m.file_id = $1 AND (m.from_id = $2 OR m.to_id = $2))"
          + " OR EXISTS (SELECT 1 FROM group_messages g JOIN group_inbox i"
          + "   ON i.group_id = g.group_id AND i.seq = g.seq AND i.user_id = $2 WHERE g.file_id = $1))";
  private static final String CLAIM_EXPIRED =
      "DELETE FROM files WHERE id IN (SELECT id FROM files WHERE expires_at < clock_timestamp()"
          + " ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING id";

  /** Most uploads one sweep claims. */
  static final int MAX_SWEEP = 1_000;

  private final Pool pool;
  private final Duration uploadTtl;

  FileRecords(Pool pool, Duration uploadTtl) {
    this.pool = pool;
    this.uploadTtl = uploadTtl;
  }

  Future<FileRegistration> register(FileRegistration registration) {
    Attachment file = registration.attachment();
    if (file == null || file.fileId() == null || file.fileId().isEmpty()) {
      return Future.failedFuture(new ChatException(ChatError.INVALID_FIELD, "the upload has no id"));
    }
    return pool.preparedQuery(REGISTER)
        .execute(Tuple.from(new Object[] {file.fileId(), registration.ownerId(), file.kind(), file.mime(),
            file.size(), file.name(), file.width(), file.height(), file.hasThumb(), (double) uploadTtl.toSeconds()}))
        .recover(ChatStore::translate)
        .map(registration);
  }

  /** The sender's own upload, still sendable; {@code not_found} otherwise (unknown, another's, expired). */
  Future<Attachment> sendable(long ownerId, String fileId) {
    return one(pool.preparedQuery(FIND_OWN).execute(Tuple.of(fileId, ownerId, (double) SEND_MARGIN.toSeconds())),
        "no upload " + fileId + " of yours to send (unknown or expired): upload it again");
  }

  Future<Attachment> readable(FileAccess access) {
    return one(pool.preparedQuery(FIND_READABLE).execute(Tuple.of(access.fileId(), access.userId())),
        "no such file, or not yours to read");
  }

  Future<FileSweep> claimExpired(FileSweep sweep) {
    int limit = Math.max(1, Math.min(MAX_SWEEP, sweep.limit()));
    return pool.preparedQuery(CLAIM_EXPIRED).execute(Tuple.of(limit))
        .recover(ChatStore::translate)
        .map(rows -> {
          List<String> ids = new ArrayList<>(rows.size());
          rows.forEach(row -> ids.add(row.getString(0)));
          return new FileSweep(limit, ids);
        });
  }

  private static Future<Attachment> one(Future<RowSet<Row>> query, String notFound) {
    return query.recover(ChatStore::translate).compose(rows -> rows.size() == 0
        ? Future.failedFuture(new ChatException(ChatError.NOT_FOUND, notFound))
        : Future.succeededFuture(toAttachment(rows.iterator().next())));
  }

  private static Attachment toAttachment(Row row) {
    return new Attachment(row.getString("id"), row.getString("kind"), row.getString("mime"), row.getLong("size"),
        row.getString("name"), row.getInteger("width"), row.getInteger("height"), row.getBoolean("has_thumb"));
  }
}
