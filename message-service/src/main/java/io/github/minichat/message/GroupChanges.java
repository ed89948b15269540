package io.github.minichat.message;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.GroupAction;
import io.github.minichat.common.GroupCommand;
import io.github.minichat.common.GroupInfo;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Stores the changes of groups, each in one transaction with its system message, in three round trips of pipelined
 * statements: lock the group and read its members; write the member rows, lock the holders' inboxes, count what the
 * limits count and write the message and the group row; move the inbox counters, place the message in every
 * holder's inbox and commit. Every statement is set-based, so a change of 500 members is as many statements as one
 * of a single member.
 *
 * <p>Locks follow the global order: the group row, then member rows, then inbox rows in ascending user id (taken by
 * one {@code SELECT … ORDER BY user_id FOR UPDATE}, which locks in its output order whatever the plan). The member
 * counts that the limits bound are read once the inboxes of the joining users are locked: every joining locks
 * them, so two transactions that add one user to two groups count one after the other, never past the limit.
 */
final class GroupChanges {

  // Outside the transaction: a row it creates is committed at once rather than held locked out of order.
  private static final String CREATE_INBOXES =
      "INSERT INTO inboxes (user_id) SELECT unnest($1::int8[]) ON CONFLICT DO NOTHING";
  private static final String INSERT_GROUP =
      "INSERT INTO groups (name, owner_id, created_by, member_count) VALUES ($1, $2, $2, $3) RETURNING id, created_at";
  private static final String LOCK_GROUP =
      "SELECT name, owner_id, last_seq, created_at, dissolved_at FROM groups WHERE id = $1 FOR UPDATE";
  // No lock needed: membership changes only under the group lock, which is held.
  private static final String MEMBERS =
      "SELECT user_id, role, joined_seq FROM group_members WHERE group_id = $1";
  private static final String INSERT_MEMBERS =
      "INSERT INTO group_members (group_id, user_id, role, joined_seq, read_seq)"
          + " SELECT $1, m.user_id, m.role, $4, $4 FROM unnest($2::int8[], $3::text[]) AS m(user_id, role)";
  private static final String SET_ROLES =
      "UPDATE group_members m SET role = r.role FROM unnest($2::int8[], $3::text[]) AS r(user_id, role)"
          + " WHERE m.group_id = $1 AND m.user_id = r.user_id";
  // The deleted rows' read_seq is what a concurrent read mark committed: the delete waits for its row lock.
  private static final String DELETE_MEMBERS =
      "WITH gone AS (DELETE FROM group_members WHERE group_id = $1 AND user_id = ANY($2::int8[])"
          + " RETURNING user_id, read_seq, muted)"
          + " SELECT g.user_id, g.muted, (SELECT count(*) FROM group_inbox i WHERE i.user_id = g.user_id"
          + " AND i.group_id = $1 AND i.seq > g.read_seq AND i.counts) AS unread FROM gone g";
  private static final String LOCK_INBOXES =
      "SELECT user_id, last_cursor, unread, unread_version FROM inboxes WHERE user_id = ANY($1::int8[])"
          + " ORDER BY user_id FOR UPDATE";
  private static final String OVER_GROUP_LIMIT =
      "SELECT user_id FROM group_members WHERE user_id = ANY($1::int8[]) GROUP BY user_id HAVING count(*) > $2"
          + " ORDER BY user_id";
  // The new group among them; a refusal names when the oldest of the hour leaves the window.
  private static final String RECENT_CREATIONS =
      "SELECT count(*) AS created,"
          + " ceil(extract(epoch FROM min(created_at) + interval '1 hour' - clock_timestamp()) * 1000)::int8 AS wait"
          + " FROM groups WHERE created_by = $1 AND created_at > clock_timestamp() - interval '1 hour'";
  private static final String INSERT_NOTICE =
      "INSERT INTO group_messages (group_id, seq, from_id, body, origin, system) VALUES ($1, $2, $3, $4, 'S', true)"
          + " RETURNING id, created_at";
  private static final String UPDATE_GROUP =
      "UPDATE groups SET name = $2, owner_id = $3, last_seq = $4, member_count = $5,"
          + " dissolved_at = CASE WHEN $6 THEN clock_timestamp() END WHERE id = $1";
  private static final String MOVE_INBOXES =
      "UPDATE inboxes b SET last_cursor = u.c, unread = u.n, unread_version = u.v"
          + " FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[]) AS u(id, c, n, v) WHERE b.user_id = u.id";
  private static final String HOLD_NOTICE =
      "INSERT INTO group_inbox (user_id, cursor, group_id, seq, counts, mentioned)"
          + " SELECT h.user_id, h.cursor, $3, $4, false, false FROM unnest($1::int8[], $2::int8[]) AS h(user_id, cursor)";

  /** Where a change's system message goes: its group, its seq, and the group's creation time. */
  private record Slot(long groupId, long seq, long groupCreatedAt) {
  }

  /** A removed member's unread of the group, and whether it was in their total (not muted). */
  private record Leaving(long unread, boolean muted) {
  }

  private final Pool pool;
  private final GroupLimits limits;

  GroupChanges(Pool pool, GroupLimits limits) {
    this.pool = pool;
    this.limits = limits;
  }

  Future<GroupStore.Changed> change(GroupCommand command) {
    return Future.succeededFuture(command)
        .map(request -> GroupRules.validated(request, limits))
        .compose(valid -> pool.withConnection(connection ->
            (valid.action() == GroupAction.CREATE ? create(connection, valid) : edit(connection, valid))
                // the transaction may still be open: it must end before the connection goes back to the pool
                .recover(failure -> connection.query("ROLLBACK").execute()
                    .transform(ignored -> Future.failedFuture(failure)))))
        .recover(ChatStore::translate);
  }

  private Future<GroupStore.Changed> create(SqlConnection connection, GroupCommand command) {
    GroupRules.Plan plan = GroupRules.create(command, limits);
    Future<RowSet<Row>> inboxes = createInboxes(connection, plan.holders());
    Future<RowSet<Row>> begun = connection.query("BEGIN").execute();
    Future<RowSet<Row>> inserted = connection.preparedQuery(INSERT_GROUP)
        .execute(Tuple.of(plan.name(), command.actor(), plan.memberCount()));
    return Future.all(inboxes, begun, inserted).compose(ignored -> {
      Row group = inserted.result().iterator().next();
      return write(connection, command, new Slot(group.getLong("id"), 1, millis(group, "created_at")), plan);
    });
  }

  private Future<GroupStore.Changed> edit(SqlConnection connection, GroupCommand command) {
    Future<RowSet<Row>> inboxes = command.action() == GroupAction.ADD
        ? createInboxes(connection, command.userIds()) : Future.succeededFuture();
    Future<RowSet<Row>> begun = connection.query("BEGIN").execute();
    Future<RowSet<Row>> locked = connection.preparedQuery(LOCK_GROUP).execute(Tuple.of(command.groupId()));
    Future<RowSet<Row>> members = connection.preparedQuery(MEMBERS).execute(Tuple.of(command.groupId()));
    return Future.all(inboxes, begun, locked, members).compose(ignored -> {
      GroupRules.State group = state(command.groupId(), locked.result(), members.result());
      Optional<GroupRules.Plan> plan = GroupRules.change(command, group, limits);
      if (plan.isEmpty()) {
        return connection.query("ROLLBACK").execute()
            .map(done -> new GroupStore.Changed(group.seenBy(command.actor()), null));
      }
      return write(connection, command, new Slot(group.groupId(), group.lastSeq() + 1, group.createdAt()),
          plan.get());
    });
  }

  /** Round trips 2 and 3: everything the plan writes, and COMMIT. */
  private Future<GroupStore.Changed> write(SqlConnection connection, GroupCommand command, Slot slot,
                                           GroupRules.Plan plan) {
    long groupId = slot.groupId();
    Long[] holders = plan.holders().toArray(Long[]::new);
    Long[] joining = plan.joins().keySet().toArray(Long[]::new);
    // member rows before inbox rows, as the lock order wants
    Future<RowSet<Row>> left = plan.leaves().isEmpty() ? Future.succeededFuture()
        // built value by value: Tuple.of(id, array) would spread the array over the parameters
        : connection.preparedQuery(DELETE_MEMBERS).execute(Tuple.tuple().addLong(groupId)
            .addArrayOfLong(plan.leaves().toArray(Long[]::new)));
    Future<RowSet<Row>> promoted = plan.roles().isEmpty() ? Future.succeededFuture()
        : connection.preparedQuery(SET_ROLES).execute(Tuple.of(groupId, plan.roles().keySet().toArray(Long[]::new),
            roleNames(plan.roles())));
    Future<RowSet<Row>> joined = joining.length == 0 ? Future.succeededFuture()
        : connection.preparedQuery(INSERT_MEMBERS).execute(Tuple.of(groupId, joining, roleNames(plan.joins()),
            slot.seq()));
    Future<RowSet<Row>> inboxes = connection.preparedQuery(LOCK_INBOXES).execute(Tuple.of(holders));
    Future<RowSet<Row>> crowded = joining.length == 0 ? Future.succeededFuture()
        : connection.preparedQuery(OVER_GROUP_LIMIT).execute(Tuple.of(joining, limits.maxGroupsPerUser()));
    Future<RowSet<Row>> created = plan.action() != GroupAction.CREATE ? Future.succeededFuture()
        : connection.preparedQuery(RECENT_CREATIONS).execute(Tuple.of(command.actor()));
    String body = plan.notice().encode();
    Future<RowSet<Row>> notice = connection.preparedQuery(INSERT_NOTICE)
        .execute(Tuple.of(groupId, slot.seq(), command.actor(), body));
    Future<RowSet<Row>> group = connection.preparedQuery(UPDATE_GROUP).execute(Tuple.of(groupId, plan.name(),
        plan.ownerId(), slot.seq(), plan.memberCount(), plan.dissolves()));
    return Future.all(List.of(left, promoted, joined, inboxes, crowded, created, notice, group)).compose(ignored -> {
      checkGroupsPerUser(crowded.result());
      checkCreationRate(created.result());
      if (inboxes.result().size() != holders.length) {
        throw new IllegalStateException("a holder of group " + groupId + " has no inbox row");
      }
      Map<Long, Leaving> leaving = leaving(left.result());
      Long[] cursors = new Long[holders.length];
      Long[] unread = new Long[holders.length];
      Long[] versions = new Long[holders.length];
      List<UnreadCount> changedTotals = new ArrayList<>();
      int i = 0;
      for (Row inbox : inboxes.result()) {
        long user = inbox.getLong("user_id");
        Leaving gone = leaving.get(user);
        boolean lowered = gone != null && !gone.muted() && gone.unread() > 0;
        cursors[i] = inbox.getLong("last_cursor") + 1;
        unread[i] = inbox.getLong("unread") - (lowered ? gone.unread() : 0);
        versions[i] = inbox.getLong("unread_version") + (lowered ? 1 : 0);
        if (lowered) {
          changedTotals.add(new UnreadCount(user, unread[i], versions[i]));
        }
        i++;
      }
      // Round trip 3
      Future<RowSet<Row>> moved = connection.preparedQuery(MOVE_INBOXES)
          .execute(Tuple.of(holders, cursors, unread, versions));
      Future<RowSet<Row>> held = connection.preparedQuery(HOLD_NOTICE)
          .execute(Tuple.of(holders, cursors, groupId, slot.seq()));
      Future<RowSet<Row>> committed = connection.query("COMMIT").execute();
      return Future.all(moved, held, committed).map(done -> {
        Row stored = notice.result().iterator().next();
        long actorCursor = cursors[plan.holders().indexOf(command.actor())];
        ChatMessage message = new ChatMessage(stored.getLong("id"), slot.seq(), command.actor(), 0, body, false,
            millis(stored, "created_at"), actorCursor, 0, null, groupId, true, false);
        GroupInfo info = new GroupInfo(groupId, plan.name(), plan.ownerId(), plan.memberCount(),
            plan.actorRole() == null ? null : plan.actorRole().wire(), slot.seq(), slot.groupCreatedAt(),
            plan.dissolves());
        return new GroupStore.Changed(info, new GroupStored(message, plan.holders(), List.of(cursors), Set.of(),
            false, changedTotals));
      });
    });
  }

  private static Future<RowSet<Row>> createInboxes(SqlConnection connection, List<Long> users) {
    return connection.preparedQuery(CREATE_INBOXES).execute(Tuple.of(users.stream().sorted().toArray(Long[]::new)));
  }

  private static GroupRules.State state(long groupId, RowSet<Row> groups, RowSet<Row> members) {
    if (groups.size() == 0) {
      throw GroupRules.notFound(groupId);
    }
    Row group = groups.iterator().next();
    if (group.getValue("dissolved_at") != null) {
      throw GroupRules.notFound(groupId);
    }
    Map<Long, GroupRules.Member> byUser = new HashMap<>();
    for (Row row : members) {
      GroupRules.Member member = new GroupRules.Member(row.getLong("user_id"), GroupRole.of(row.getString("role")),
          row.getLong("joined_seq"));
      byUser.put(member.userId(), member);
    }
    return new GroupRules.State(groupId, group.getString("name"), group.getLong("owner_id"),
        group.getLong("last_seq"), millis(group, "created_at"), byUser);
  }

  private void checkGroupsPerUser(RowSet<Row> crowded) {
    if (crowded == null || crowded.size() == 0) {
      return;
    }
    List<Long> users = new ArrayList<>();
    crowded.forEach(row -> users.add(row.getLong("user_id")));
    throw new ChatException(ChatError.LIMIT_REACHED, "already in " + limits.maxGroupsPerUser() + " groups: user "
        + users.stream().map(String::valueOf).collect(Collectors.joining(", ")));
  }

  private void checkCreationRate(RowSet<Row> created) {
    if (created == null) {
      return;
    }
    Row row = created.iterator().next();
    if (row.getLong("created") > limits.createsPerHour()) {
      throw new ChatException(ChatError.RATE_LIMITED, "at most " + limits.createsPerHour()
          + " groups may be created in an hour", Math.max(1, row.getLong("wait")));
    }
  }

  private static Map<Long, Leaving> leaving(RowSet<Row> rows) {
    Map<Long, Leaving> leaving = new HashMap<>();
    if (rows != null) {
      rows.forEach(row -> leaving.put(row.getLong("user_id"),
          new Leaving(row.getLong("unread"), row.getBoolean("muted"))));
    }
    return leaving;
  }

  private static String[] roleNames(Map<Long, GroupRole> roles) {
    return roles.values().stream().map(GroupRole::wire).toArray(String[]::new);
  }

  static long millis(Row row, String column) {
    return row.getOffsetDateTime(column).toInstant().toEpochMilli();
  }
}
