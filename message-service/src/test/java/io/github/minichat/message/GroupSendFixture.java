package io.github.minichat.message;

import static io.github.minichat.message.testing.StoreDatabase.await;

import io.github.minichat.message.testing.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

/**
 * For the group send tests: a fresh database with the schema, a pool tuned as the service's is (so that batches lock
 * in the same order), and groups made with plain SQL as the schema describes them: a groups row, member rows that
 * joined at seq 0 and have read nothing, and every member's inbox row.
 */
final class GroupSendFixture implements AutoCloseable {

  private final Vertx vertx;
  private final PgConnectOptions database;
  private final Pool pool;

  private GroupSendFixture(Vertx vertx, PgConnectOptions database, Pool pool) {
    this.vertx = vertx;
    this.database = database;
    this.pool = pool;
  }

  static GroupSendFixture create(String purpose, int poolSize) {
    Vertx vertx = Vertx.vertx();
    PgConnectOptions database = TestDatabase.create(purpose);
    await(Schema.migrate(vertx, database, null));
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(poolSize))
        .connectingTo(Postgres.tuned(database))
        .using(vertx)
        .build();
    return new GroupSendFixture(vertx, database, pool);
  }

  Pool pool() {
    return pool;
  }

  /** A group of {@code owner} and {@code members} (plain members), everyone with an inbox row. */
  long group(long owner, long... members) {
    long id = await(pool.preparedQuery("INSERT INTO groups (name, owner_id, created_by, member_count)"
        + " VALUES ($1, $2, $2, $3) RETURNING id").execute(Tuple.of("group of " + owner, owner, members.length + 1)))
        .iterator().next().getLong(0);
    Long[] users = LongStream.concat(LongStream.of(owner), LongStream.of(members)).boxed().toArray(Long[]::new);
    String[] roles = new String[users.length];
    for (int i = 0; i < users.length; i++) {
      roles[i] = i == 0 ? "owner" : "member";
    }
    execute("INSERT INTO group_members (group_id, user_id, role, joined_seq, read_seq)"
        + " SELECT $1, u, r, 0, 0 FROM unnest($2::int8[], $3::text[]) AS t(u, r)", id, users, roles);
    execute("INSERT INTO inboxes (user_id) SELECT unnest($1::int8[]) ON CONFLICT DO NOTHING", (Object) users);
    return id;
  }

  void role(long group, long user, String role) {
    execute("UPDATE group_members SET role = $3 WHERE group_id = $1 AND user_id = $2", group, user, role);
  }

  void mute(long group, long user) {
    execute("UPDATE group_members SET muted = true WHERE group_id = $1 AND user_id = $2", group, user);
  }

  void readUpTo(long group, long user, long seq) {
    execute("UPDATE group_members SET read_seq = $3 WHERE group_id = $1 AND user_id = $2", group, user, seq);
  }

  void dissolve(long group) {
    execute("DELETE FROM group_members WHERE group_id = $1", group);
    execute("UPDATE groups SET dissolved_at = now(), member_count = 0 WHERE id = $1", group);
  }

  /**
   * Removes a member as a membership change does, in the global lock order: the group row, then the member's inbox
   * row, whose total loses what the member had unread in the group (unless muted).
   */
  Future<Void> remove(long group, long user) {
    return pool.withTransaction(connection -> connection
        .preparedQuery("SELECT id FROM groups WHERE id = $1 FOR UPDATE").execute(Tuple.of(group))
        .compose(locked -> connection.preparedQuery("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2"
            + " RETURNING read_seq, muted").execute(Tuple.of(group, user)))
        .compose(deleted -> {
          Row member = deleted.iterator().next();
          return member.getBoolean(1) ? Future.succeededFuture() : connection.preparedQuery(
                  "UPDATE inboxes i SET unread = i.unread - u.n, unread_version = i.unread_version + 1"
                      + " FROM (SELECT count(*) AS n FROM group_inbox WHERE user_id = $1 AND group_id = $2"
                      + " AND seq > $3 AND counts) u WHERE i.user_id = $1 AND u.n > 0")
              .execute(Tuple.of(user, group, member.getLong(0)));
        })
        .mapEmpty());
  }

  void execute(String sql, Object... parameters) {
    await(pool.preparedQuery(sql).execute(Tuple.from(parameters)));
  }

  List<Row> rows(String sql, Object... parameters) {
    List<Row> rows = new ArrayList<>();
    await(pool.preparedQuery(sql).execute(Tuple.from(parameters))).forEach(rows::add);
    return rows;
  }

  long number(String sql, Object... parameters) {
    return rows(sql, parameters).get(0).getLong(0);
  }

  /**
   * The same pool, counting every statement sent over its connections into {@code statements}: what a test of
   * round trips and set-based statements needs, with the statements still run by the real database.
   */
  Pool countingStatements(AtomicInteger statements) {
    InvocationHandler connections = (proxy, method, args) -> {
      if (method.getName().equals("getConnection")) {
        return pool.getConnection().map(connection -> counting(connection, statements));
      }
      if (method.isDefault()) {
        return InvocationHandler.invokeDefault(proxy, method, args);
      }
      return invoke(pool, method, args);
    };
    return (Pool) Proxy.newProxyInstance(Pool.class.getClassLoader(), new Class<?>[] {Pool.class}, connections);
  }

  private static SqlConnection counting(SqlConnection connection, AtomicInteger statements) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getName().equals("query") || method.getName().equals("preparedQuery")) {
        statements.incrementAndGet();
      }
      return invoke(connection, method, args);
    };
    return (SqlConnection) Proxy.newProxyInstance(SqlConnection.class.getClassLoader(),
        new Class<?>[] {SqlConnection.class}, handler);
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public void close() {
    await(pool.close());
    await(vertx.close());
    TestDatabase.drop(database);
  }
}
