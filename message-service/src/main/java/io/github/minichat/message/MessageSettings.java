package io.github.minichat.message;

import io.github.minichat.platform.Setting;
import java.time.Duration;
import java.util.List;

/** The message service's settings: its database, its pool and how it batches sends. */
public final class MessageSettings {

  public static final Setting<String> PG_URL = Setting.optional("PG_URL",
      "`postgresql://user:password@host:port/db` of the database (a `jdbc:` prefix is accepted)");
  public static final Setting<String> PGHOST = Setting.optional("PGHOST",
      "the standard libpq variables, read when `PG_URL` is unset: the database's host");
  public static final Setting<String> PGPORT = Setting.optional("PGPORT", "libpq: the database's port");
  public static final Setting<String> PGDATABASE = Setting.optional("PGDATABASE", "libpq: the database's name");
  public static final Setting<String> PGUSER = Setting.optional("PGUSER", "libpq: the user");
  public static final Setting<String> PGPASSWORD = Setting.optional("PGPASSWORD", "libpq: the password");
  public static final Setting<String> PG_PASSWORD = Setting.secret("PG_PASSWORD",
      "database password on its own, or from a mounted secret file; overrides the one in `PG_URL`");
  public static final Setting<String> PG_SSL_MODE = Setting.optional("PG_SSL_MODE",
          "TLS to PostgreSQL, as libpq's `sslmode`: `disable`, `allow`, `prefer`, `require` (encrypted, certificate"
              + " not checked), `verify-ca` (signed by a trusted CA), `verify-full` (and naming `PG_URL`'s host,"
              + " which must then be the server's real name, not an alias); used by the pool and the migrations")
      .defaultsTo(env -> null, "the URL's `sslmode`, else `disable`");
  public static final Setting<String> PG_SSL_ROOT_CERT = Setting.optional("PG_SSL_ROOT_CERT",
      "PEM file of the certificate authorities to trust; required by `verify-ca` and `verify-full`");

  public static final Setting<Integer> PG_POOL_SIZE = Setting.positive("PG_POOL_SIZE", 8,
      "connections in the message service's pool");
  public static final Setting<Integer> PG_POOL_WAIT_QUEUE = Setting.positive("PG_POOL_WAIT_QUEUE", 2_000,
      "requests that may wait for a connection; beyond it requests fail fast with `unavailable`");
  public static final Setting<Integer> STORE_BATCH_SIZE = Setting.positive("CHAT_STORE_BATCH_SIZE", 256,
      "most sends stored in one transaction (group commit)");
  public static final Setting<Integer> STORE_BATCHES_IN_FLIGHT = Setting.positive("CHAT_STORE_BATCHES_IN_FLIGHT", 1,
      "batches of sends being written at once by one message-service verticle (each holds a pool connection; batches"
          + " in a row share hot inbox rows, so a second mostly waits on locks)");
  public static final Setting<Integer> STORE_QUEUE = Setting.positive("CHAT_STORE_QUEUE", 20_000,
      "sends waiting for a batch before new ones fail fast with `unavailable`");
  public static final Setting<Duration> PAIR_WINDOW = Setting.millis("CHAT_PAIR_WINDOW_MS", 10_000,
      "how close a seed client's HTTP send and `say` must be to count as one message");

  public static final Setting<Integer> GROUP_MAX_MEMBERS = Setting.positive("CHAT_GROUP_MAX_MEMBERS", 500,
      "members of one group, its owner included");
  public static final Setting<Integer> GROUP_MAX_PER_USER = Setting.positive("CHAT_GROUP_MAX_PER_USER", 500,
      "groups one user may be a member of");
  public static final Setting<Integer> GROUP_CREATES_PER_HOUR = Setting.positive("CHAT_GROUP_CREATES_PER_HOUR", 20,
      "groups one user may create in any hour; beyond, creation is refused `rate_limited`");
  public static final Setting<Duration> RECEIPT_FLUSH = Setting.millis("CHAT_RECEIPT_FLUSH_MS", 500,
      "how often a group's read receipts are pushed to its senders: reads in between are coalesced into one frame");

  public static final Setting<Duration> RECALL_WINDOW = Setting.seconds("CHAT_RECALL_WINDOW_S", 120,
      "how long after sending a message its sender may recall it (for both sides); later, `recall_expired`");
  public static final Setting<Duration> UPLOAD_TTL = Setting.seconds("CHAT_UPLOAD_TTL_S", 86_400,
      "an upload no message has sent within this time is deleted (its row and its stored objects)");

  public static final Setting<String> MIGRATE = Setting.oneOf("CHAT_MIGRATE",
      List.of(Schema.START, Schema.CHECK, Schema.ONLY), Schema.START,
      "`start`: the service brings the schema up to date as it starts; `check`: it waits for the schema its code"
          + " expects (a migration job makes it) and never changes it; `only`: migrate, then exit (the job)");
  public static final Setting<Duration> MIGRATE_WAIT = Setting.seconds("CHAT_MIGRATE_WAIT_S", 600,
      "with `check`: how long a starting service waits for the migration job before it fails");
  public static final Setting<String> DB_RUNTIME_ROLE = Setting.optional("CHAT_DB_RUNTIME_ROLE",
      "with `only`: the service's own database role, granted DML (select, insert, update, delete) on every table"
          + " after the migrations, and no DDL");

  public static final List<Setting<?>> ALL = List.of(PG_URL, PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD,
      PG_PASSWORD, PG_SSL_MODE, PG_SSL_ROOT_CERT, PG_POOL_SIZE, PG_POOL_WAIT_QUEUE, STORE_BATCH_SIZE,
      STORE_BATCHES_IN_FLIGHT, STORE_QUEUE, PAIR_WINDOW, GROUP_MAX_MEMBERS, GROUP_MAX_PER_USER,
      GROUP_CREATES_PER_HOUR, RECEIPT_FLUSH, RECALL_WINDOW, UPLOAD_TTL, MIGRATE, MIGRATE_WAIT, DB_RUNTIME_ROLE);

  private MessageSettings() {
  }
}
