package io.github.minichat.gateway;

import io.github.minichat.platform.Setting;
import java.time.Duration;
import java.util.List;

/** Where a gateway keeps uploads, how large and how many they may be, and how long their links live. */
public final class FileSettings {

  public static final String LOCAL = "local";
  public static final String S3 = "s3";

  public static final Setting<String> STORE = Setting.oneOf("CHAT_FILE_STORE", List.of(LOCAL, S3), LOCAL,
      "where uploads are kept: `local` (a directory, `CHAT_FILE_DIR`; one gateway, or a shared volume) or `s3` (an"
          + " S3-compatible object store, `CHAT_S3_*`; what the Kubernetes manifests use)");
  public static final Setting<String> DIR = Setting.text("CHAT_FILE_DIR", "data/files",
      "the directory of `local` uploads (`files/<id>`, `thumbs/<id>`), created when missing");
  public static final Setting<Integer> MAX_FILE_BYTES = Setting.positive("CHAT_MAX_FILE_BYTES", 20 * 1024 * 1024,
      "bytes per upload; a larger one is cut off while it streams in (413), never held in memory");
  public static final Setting<Integer> MAX_CONCURRENT_UPLOADS = Setting.positive("CHAT_MAX_CONCURRENT_UPLOADS", 16,
      "uploads streaming in at once per gateway process (503 with `Retry-After` beyond): the temporary space"
          + " uploads take is at most this many times `CHAT_MAX_FILE_BYTES`");
  public static final Setting<Integer> UPLOADS_PER_HOUR = Setting.positive("CHAT_UPLOADS_PER_HOUR", 60,
      "uploads per user per hour on one gateway (429 with `Retry-After` beyond, before the body is read)");
  public static final Setting<Duration> LINK_TTL = Setting.seconds("CHAT_FILE_LINK_TTL_S", 900,
      "how long a signed link to an upload works; a client holding an older one asks `GET /api/files/<id>/link`");
  public static final Setting<Duration> SWEEP_EVERY = Setting.millis("CHAT_FILE_SWEEP_MS", 60_000,
      "how often a gateway deletes from storage the uploads the message service let expire unsent"
          + " (`CHAT_UPLOAD_TTL_S`)");
  public static final Setting<String> LINK_SECRET = Setting.secret("CHAT_FILE_LINK_SECRET",
      "HMAC key of upload links, or a file holding it; unset: derived from `CHAT_JWT_SECRET` (every gateway must"
          + " share it: a link minted by one is served by any)");

  public static final Setting<String> S3_ENDPOINT = Setting.optional("CHAT_S3_ENDPOINT",
      "the object store's address (`http://minio:9000`); unset: AWS S3 of `CHAT_S3_REGION`");
  public static final Setting<String> S3_BUCKET = Setting.text("CHAT_S3_BUCKET", "minichat-files",
      "the bucket of uploads; created at start when missing");
  public static final Setting<String> S3_REGION = Setting.text("CHAT_S3_REGION", "us-east-1",
      "the object store's region (signing)");
  public static final Setting<String> S3_ACCESS_KEY = Setting.optional("CHAT_S3_ACCESS_KEY",
      "access key id; unset: the AWS SDK's default credentials (environment, profile, web identity, instance role)");
  public static final Setting<String> S3_SECRET_KEY = Setting.secret("CHAT_S3_SECRET_KEY",
      "secret access key (with `CHAT_S3_ACCESS_KEY`), or a file holding it");
  public static final Setting<Integer> S3_THREADS = Setting.positive("CHAT_S3_THREADS", 8,
      "worker threads of object-store calls per gateway (the SDK's client blocks; event loops never wait on it)");

  public static final List<Setting<?>> ALL = List.of(STORE, DIR, MAX_FILE_BYTES, MAX_CONCURRENT_UPLOADS,
      UPLOADS_PER_HOUR, LINK_TTL,
      SWEEP_EVERY, LINK_SECRET, S3_ENDPOINT, S3_BUCKET, S3_REGION, S3_ACCESS_KEY, S3_SECRET_KEY, S3_THREADS);

  private FileSettings() {
  }
}
