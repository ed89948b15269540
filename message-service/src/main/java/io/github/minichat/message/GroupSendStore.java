package io.github.minichat.message;

import io.github.minichat.common.Attachment;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.GroupSend;
import io.github.minichat.common.Origin;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Stores group messages, a batch of sends in one transaction (group commit; a lone send is a batch of one), fanned
 * out on write: every member of the group at the commit takes the message at the next cursor of their inbox, the
 * sender included. The statements are set-based, whatever the number of members, and pipelined into three round
 * trips: lock-and-read (the groups, their members, the repeats), bump the inboxes, write-and-commit.
 *
 * <p>Guarantees, message by message:
 * <ul>
 *   <li>gapless {@code seq} per group and gapless cursors per inbox, in batch order; the members are read under the
 *       group's row lock, which every membership change takes first, so a message is held by exactly the members of
 *       that moment: a member removed before it holds nothing of it;</li>
 *   <li>idempotent by (sender, cid), checked under the group locks; a cid reused for another group or text fails
 *       that message only ({@code cid_conflict});</li>
 *   <li>an unknown or dissolved group fails with {@code not_found}, a sender who is not a member (or a plain member
 *       who mentions everyone) with {@code forbidden};</li>
 *   <li>a message counts toward every member's unread but the sender's, and toward the member's total (with one
 *       version step each) unless they muted the group, in the same transaction as the rows.</li>
 * </ul>
 * Locks follow the global order: group rows by id (the first statement, a nested loop over the sorted ids, see
 * {@link Postgres}), then inbox rows by user id. The caller passes each (sender, cid) at most once.
 *
 * <p>As in {@link BatchStore}, a message the database refuses never fails the others: a batch that fails for a
 * reason not worth a retry is split in halves until the failing message is alone.
 */
final class GroupSendStore {

  // Moves each group forward by its sends in the batch (set back below for the ones that fail or repeat); locks them.
  private static final String BUMP_GROUPS =
      "UPDATE groups g SET last_seq = g.last_seq + u.n FROM unnest($1::int8[], $2::int8[]) AS u(id, n)"
          + " WHERE g.id = u.id AND g.dissolved_at IS NULL RETURNING g.id, g.last_seq";
  private static final String FIND_MEMBERS =
      "SELECT group_id, user_id, role, muted FROM group_members WHERE group_id = ANY($1::int8[])";
  // The repeats, with the sender's own place of each in their inbox: what a repeated send is answered with.
  private static final String FIND_REPEATS =
      "SELECT m.group_id, m.seq, m.id, m.from_id, m.body, m.cid, m.created_at, i.cursor, m.attachment,"
          + " m.recalled_at IS NOT NULL"
          + " FROM unnest($1::int8[], $2::text[]) AS u(f, c)"
          + " JOIN group_messages m ON m.from_id = u.f AND m.cid = u.c AND m.cid IS NOT NULL"
          + " LEFT JOIN group_inbox i ON i.user_id = m.from_id AND i.group_id = m.group_id AND i.seq = m.seq";
  private static final String CREATE_INBOXES =
      "INSERT INTO inboxes (user_id) SELECT unnest($1::int8[]) ON CONFLICT DO NOTHING";
  private static final String BUMP_INBOXES =
      "UPDATE inboxes b SET last_cursor = b.last_cursor + u.c, unread = b.unread + u.n,"
          + " unread_version = b.unread_version + u.n FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS u(id, c, n)"
          + " WHERE b.user_id = u.id RETURNING b.user_id, b.last_cursor, b.unread, b.unread_version";
  private static final String MOVE_GROUPS =
      "UPDATE groups g SET last_seq = u.s FROM unnest($1::int8[], $2::int8[]) AS u(id, s) WHERE g.id = u.id";
  // mention ids travel as array literals ('{2,5}'): unnest cannot take an array of arrays of different lengths
  private static final String INSERT_MESSAGES =
      "INSERT INTO group_messages (group_id, seq, from_id, body, cid, origin, mention_ids, mention_all, file_id,"
          + " attachment)"
          + " SELECT g, s, f, b, c, o::\"char\", m::int8[], a, fi, at::jsonb FROM unnest($1::int8[], $2::int8[],"
          + " $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[], $9::text[], $10::text[])"
          + " AS u(g, s, f, b, c, o, m, a, fi, at)"
          + " RETURNING id, created_at, group_id, seq";
  private static final String INSERT_INBOX =
      "INSERT INTO group_inbox (user_id, cursor, group_id, seq, counts, mentioned)"
          + " SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::bool[], $6::bool[])";

  /** A batch met an inbox that does not exist yet (never leaves this class). */
  private static final VertxException ROWS_MISSING = new VertxException("inbox rows missing: create them first", true);

  /** A current member, as a send reads it under the group lock. */
  private record Member(GroupRole role, boolean muted) {
  }

  /** Where an inbox's counters stand: its cursor, its unread total and that total's version. */
  private record InboxCounters(long cursor, long unread, long version) {
    InboxCounters next(boolean counted) {
      return counted ? new InboxCounters(cursor + 1, unread + 1, version + 1)
          : new InboxCounters(cursor + 1, unread, version);
    }
  }

  /** How far a batch moves an inbox: the cursor by the messages it holds, the total by those that count there. */
  private record InboxStep(long cursor, long unread) {
    InboxStep plus(InboxStep other) {
      return new InboxStep(cursor + other.cursor, unread + other.unread);
    }
  }

  /**
   * A send that will be stored: its seq, its holders ascending (every member, the sender among them), and for each
   * holder whether it counts toward their total and whether it mentions them.
   */
  private record Fresh(int index, GroupSend send, long seq, List<Long> holders, boolean[] counted,
                       boolean[] mentioned, Set<Long> mentions) {
  }

  /**
   * What the batch will write once the inboxes are bumped, and the outcomes decided already (null: fresh);
   * {@code seqsSetBack}: some sends are not stored, so the groups' seqs go back to {@code lastSeqs}.
   */
  private record Plan(List<Future<GroupStored>> outcomes, List<Fresh> fresh, TreeMap<Long, InboxStep> inboxSteps,
                      TreeMap<Long, Long> lastSeqs, boolean seqsSetBack) {
  }

  private final Pool pool;

  GroupSendStore(Pool pool) {
    this.pool = pool;
  }

  /** The outcomes in the order of the sends; a send refused, or that the database refuses, fails alone. */
  Future<List<Future<GroupStored>>> store(List<GroupSend> sends) {
    return storeTogether(sends)
        .recover(ChatStore::translate)
        .recover(failure -> sends.size() > 1 && !ChatError.of(failure).retryable()
            ? storeInHalves(sends)
            : Future.failedFuture(failure));
  }

  private Future<List<Future<GroupStored>>> storeTogether(List<GroupSend> sends) {
    return pool.withConnection(connection -> write(connection, sends, false)
        .recover(failure -> failure == ROWS_MISSING
            ? write(connection, sends, true)
            : Future.failedFuture(failure)));
  }

  /** As {@link BatchStore}: the first half, then the second, each split again while it fails. */
  private Future<List<Future<GroupStored>>> storeInHalves(List<GroupSend> sends) {
    int middle = sends.size() / 2;
    return storeEachFailing(sends.subList(0, middle))
        .compose(first -> storeEachFailing(sends.subList(middle, sends.size())).map(second -> {
          List<Future<GroupStored>> outcomes = new ArrayList<>(sends.size());
          outcomes.addAll(first);
          outcomes.addAll(second);
          return outcomes;
        }));
  }

  private Future<List<Future<GroupStored>>> storeEachFailing(List<GroupSend> sends) {
    return store(sends).otherwise(failure -> Collections.nCopies(sends.size(), Future.failedFuture(failure)));
  }

  /**
   * One transaction for the batch. Members have inbox rows (membership changes create them), so the first attempt
   * does not create any; should one be missing it rolls back, and the second attempt creates them before the bump
   * (creating them after would lock inbox rows out of order).
   */
  private Future<List<Future<GroupStored>>> write(SqlConnection connection, List<GroupSend> sends,
                                                  boolean createInboxes) {
    TreeMap<Long, Long> seqSteps = new TreeMap<>();
    sends.forEach(send -> seqSteps.merge(send.groupId(), 1L, Long::sum));
    List<GroupSend> withCid = sends.stream().filter(send -> send.cid() != null).toList();
    Long[] groupIds = seqSteps.keySet().toArray(Long[]::new);
    // Round trip 1: lock the groups, then (under the locks, each statement seeing what committed before them) read
    // their members and the repeats.
    Future<RowSet<Row>> begun = connection.query("BEGIN").execute();
    Future<RowSet<Row>> groupsBumped = connection.preparedQuery(BUMP_GROUPS)
        .execute(arrays(groupIds, seqSteps.values().toArray(Long[]::new)));
    Future<RowSet<Row>> membersFound = connection.preparedQuery(FIND_MEMBERS).execute(arrays(groupIds));
    Future<RowSet<Row>> repeatsFound = withCid.isEmpty() ? Future.succeededFuture()
        : connection.preparedQuery(FIND_REPEATS).execute(arrays(
            withCid.stream().map(GroupSend::fromId).toArray(Long[]::new),
            withCid.stream().map(GroupSend::cid).toArray(String[]::new)));
    return Future.all(begun, groupsBumped, membersFound, repeatsFound)
        .compose(read -> {
          Plan plan = plan(sends, seqsBefore(groupsBumped.result(), seqSteps), members(membersFound.result()),
              repeats(repeatsFound.result()));
          if (plan.fresh().isEmpty()) {
            // nothing to store: the bumps are undone with the transaction
            return connection.query("ROLLBACK").execute().map(plan.outcomes());
          }
          return bumpInboxes(connection, plan, createInboxes)
              .compose(inboxes -> insertAndCommit(connection, plan, inboxes));
        })
        // the transaction may still be open (after a failure in round trip 3 this finds none and only warns)
        .recover(failure -> connection.query("ROLLBACK").execute()
            .transform(ignored -> Future.failedFuture(failure)));
  }

  /** Each group's last seq before the batch; a group missing here is unknown or dissolved. */
  private static TreeMap<Long, Long> seqsBefore(RowSet<Row> bumped, TreeMap<Long, Long> seqSteps) {
    TreeMap<Long, Long> before = new TreeMap<>();
    bumped.forEach(row -> before.put(row.getLong(0), row.getLong(1) - seqSteps.get(row.getLong(0))));
    return before;
  }

  private static Map<Long, TreeMap<Long, Member>> members(RowSet<Row> rows) {
    Map<Long, TreeMap<Long, Member>> byGroup = new HashMap<>();
    rows.forEach(row -> byGroup.computeIfAbsent(row.getLong(0), ignored -> new TreeMap<>())
        .put(row.getLong(1), new Member(GroupRole.of(row.getString(2)), row.getBoolean(3))));
    return byGroup;
  }

  /** Stored messages by (sender, cid): the sender's copy, at the sender's place. */
  private static Map<String, ChatMessage> repeats(RowSet<Row> rows) {
    Map<String, ChatMessage> byCid = new HashMap<>();
    if (rows != null) {
      rows.forEach(row -> {
        Long cursor = row.getLong(7);
        ChatMessage message = new ChatMessage(row.getLong(2), row.getLong(1), row.getLong(3), 0, row.getString(4),
            false, row.getOffsetDateTime(6).toInstant().toEpochMilli(), cursor == null ? 0 : cursor, 0,
            row.getString(5), row.getLong(0), false, false, Attachments.fromColumn(row.getValue(8)), row.getBoolean(9));
        byCid.put(key(message.fromId(), message.cid()), message);
      });
    }
    return byCid;
  }

  /**
   * Decides each send in batch order (refused, repeated or fresh), numbers the fresh ones in their groups and
   * totals how far each holder's inbox moves.
   */
  private static Plan plan(List<GroupSend> sends, TreeMap<Long, Long> seqsBefore,
                           Map<Long, TreeMap<Long, Member>> membersByGroup, Map<String, ChatMessage> repeats) {
    List<Future<GroupStored>> outcomes = new ArrayList<>(sends.size());
    List<Fresh> fresh = new ArrayList<>(sends.size());
    TreeMap<Long, InboxStep> inboxSteps = new TreeMap<>();
    TreeMap<Long, Long> lastSeqs = new TreeMap<>(seqsBefore);
    // one list per group, shared by its messages (a batch of a big group's messages holds it once)
    Map<Long, List<Long>> holdersByGroup = new HashMap<>();
    for (int i = 0; i < sends.size(); i++) {
      GroupSend send = sends.get(i);
      TreeMap<Long, Member> members = membersByGroup.getOrDefault(send.groupId(), new TreeMap<>());
      Member sender = members.get(send.fromId());
      ChatMessage repeat = send.cid() == null ? null : repeats.get(key(send.fromId(), send.cid()));
      if (!seqsBefore.containsKey(send.groupId())) {
        outcomes.add(refused(ChatError.NOT_FOUND, "no group " + send.groupId()));
      } else if (sender == null) {
        outcomes.add(refused(ChatError.FORBIDDEN, "you are not a member of group " + send.groupId()));
      } else if (send.mentionAll() && !sender.role().manages()) {
        outcomes.add(refused(ChatError.FORBIDDEN, "only owners and admins may mention everyone"));
      } else if (repeat != null) {
        outcomes.add(repeat.groupId() == send.groupId() && (repeat.recalled() || sameContent(repeat, send))
            ? Future.succeededFuture(new GroupStored(repeat, List.of(send.fromId()), List.of(repeat.senderCursor()),
                Set.of(), true, List.of()))
            : refused(ChatError.CID_CONFLICT, "cid " + send.cid() + " was already used for a different message"));
      } else {
        outcomes.add(null);
        List<Long> holders = holdersByGroup.computeIfAbsent(send.groupId(), id -> List.copyOf(members.keySet()));
        fresh.add(numbered(i, send, lastSeqs.merge(send.groupId(), 1L, Long::sum), members, holders, inboxSteps));
      }
    }
    return new Plan(outcomes, fresh, inboxSteps, lastSeqs, fresh.size() < sends.size());
  }

  /** A fresh send's holders and mentions, its steps added to {@code inboxSteps}. */
  private static Fresh numbered(int index, GroupSend send, long seq, TreeMap<Long, Member> members,
                                List<Long> holders, TreeMap<Long, InboxStep> inboxSteps) {
    Set<Long> mentions = send.mentionAll() ? new TreeSet<>(members.keySet())
        : send.mentions().stream().filter(members::containsKey).collect(Collectors.toCollection(TreeSet::new));
    mentions.remove(send.fromId());
    int size = members.size();
    boolean[] counted = new boolean[size];
    boolean[] mentioned = new boolean[size];
    int h = 0;
    for (Map.Entry<Long, Member> member : members.entrySet()) {
      long user = member.getKey();
      counted[h] = user != send.fromId() && !member.getValue().muted();
      mentioned[h] = mentions.contains(user);
      inboxSteps.merge(user, new InboxStep(1, counted[h] ? 1 : 0), InboxStep::plus);
      h++;
    }
    return new Fresh(index, send, seq, holders, counted, mentioned, mentions);
  }

  /** Round trip 2: (creates and) bumps every holder's inbox in one statement; each inbox's counters before it. */
  private static Future<TreeMap<Long, InboxCounters>> bumpInboxes(SqlConnection connection, Plan plan,
                                                                 boolean createInboxes) {
    TreeMap<Long, InboxStep> steps = plan.inboxSteps();
    Long[] users = steps.keySet().toArray(Long[]::new);
    Future<RowSet<Row>> created = createInboxes
        ? connection.preparedQuery(CREATE_INBOXES).execute(arrays(users))
        : Future.succeededFuture();
    Future<RowSet<Row>> bumped = connection.preparedQuery(BUMP_INBOXES).execute(arrays(users,
        steps.values().stream().map(InboxStep::cursor).toArray(Long[]::new),
        steps.values().stream().map(InboxStep::unread).toArray(Long[]::new)));
    return Future.all(created, bumped).compose(done -> {
      if (bumped.result().size() < steps.size()) {
        return Future.failedFuture(ROWS_MISSING);
      }
      TreeMap<Long, InboxCounters> before = new TreeMap<>();
      bumped.result().forEach(row -> {
        InboxStep step = steps.get(row.getLong(0));
        before.put(row.getLong(0), new InboxCounters(row.getLong(1) - step.cursor(),
            row.getLong(2) - step.unread(), row.getLong(3) - step.unread()));
      });
      return Future.succeededFuture(before);
    });
  }

  /**
   * Round trip 3: gives every holder of each fresh message (in batch order) the next place in their inbox, inserts
   * the messages and the inbox rows, sets the groups' seqs back for the sends that were not stored, and commits.
   * Should a statement fail, PostgreSQL rolls the transaction back at that COMMIT, so nothing counts as stored.
   */
  private static Future<List<Future<GroupStored>>> insertAndCommit(SqlConnection connection, Plan plan,
                                                                   TreeMap<Long, InboxCounters> inboxes) {
    List<Fresh> fresh = plan.fresh();
    int rows = fresh.stream().mapToInt(message -> message.holders().size()).sum();
    Long[] user = new Long[rows];
    Long[] cursor = new Long[rows];
    Long[] group = new Long[rows];
    Long[] seq = new Long[rows];
    Boolean[] counts = new Boolean[rows];
    Boolean[] mentioned = new Boolean[rows];
    List<GroupStored> drafts = new ArrayList<>(fresh.size());
    int r = 0;
    for (Fresh message : fresh) {
      long senderCursor = 0;
      List<Long> cursors = new ArrayList<>(message.holders().size());
      List<UnreadCount> unread = new ArrayList<>();
      for (int h = 0; h < message.holders().size(); h++) {
        long holder = message.holders().get(h);
        boolean counted = message.counted()[h];
        InboxCounters counters = inboxes.compute(holder, (id, current) -> current.next(counted));
        user[r] = holder;
        cursor[r] = counters.cursor();
        group[r] = message.send().groupId();
        seq[r] = message.seq();
        // a member's own message never counts toward their unread, muted or not
        counts[r] = holder != message.send().fromId();
        mentioned[r] = message.mentioned()[h];
        r++;
        cursors.add(counters.cursor());
        if (holder == message.send().fromId()) {
          senderCursor = counters.cursor();
        }
        if (counted) {
          unread.add(new UnreadCount(holder, counters.unread(), counters.version()));
        }
      }
      GroupSend send = message.send();
      ChatMessage senderCopy = new ChatMessage(0, message.seq(), send.fromId(), 0, send.text(), false, 0,
          senderCursor, 0, send.cid(), send.groupId(), false, false).withAttachment(send.attachment());
      drafts.add(new GroupStored(senderCopy, message.holders(), cursors, message.mentions(), false,
          unread));
    }
    Future<RowSet<Row>> seqsSetBack = !plan.seqsSetBack() ? Future.succeededFuture()
        : connection.preparedQuery(MOVE_GROUPS).execute(arrays(plan.lastSeqs().keySet().toArray(Long[]::new),
            plan.lastSeqs().values().toArray(Long[]::new)));
    Future<RowSet<Row>> inserted = connection.preparedQuery(INSERT_MESSAGES).execute(messageArguments(fresh));
    Future<RowSet<Row>> held = connection.preparedQuery(INSERT_INBOX)
        .execute(arrays(user, cursor, group, seq, counts, mentioned));
    String[] files = fresh.stream().map(f -> f.send().attachment()).filter(Objects::nonNull)
        .map(Attachment::fileId).distinct().toArray(String[]::new);
    Future<RowSet<Row>> filesKept = files.length == 0 ? Future.succeededFuture()
        : connection.preparedQuery(BatchStore.KEEP_FILES).execute(arrays(files));
    Future<RowSet<Row>> committed = connection.query("COMMIT").execute();
    return Future.all(List.of(seqsSetBack, inserted, held, filesKept, committed))
        .map(done -> stored(inserted.result(), plan, drafts));
  }

  /**
   * The outcomes once committed, the messages completed from the rows the insert returned, matched by their place
   * (group, seq): numbers come back exactly as they went, text may not (an unpaired surrogate is written as ?).
   */
  private static List<Future<GroupStored>> stored(RowSet<Row> rows, Plan plan, List<GroupStored> drafts) {
    Map<String, Integer> position = new HashMap<>();
    for (int k = 0; k < drafts.size(); k++) {
      position.put(drafts.get(k).message().groupId() + "/" + drafts.get(k).message().seq(), k);
    }
    List<Future<GroupStored>> outcomes = new ArrayList<>(plan.outcomes());
    for (Row row : rows) {
      int k = position.get(row.getLong(2) + "/" + row.getLong(3));
      GroupStored draft = drafts.get(k);
      ChatMessage d = draft.message();
      ChatMessage message = new ChatMessage(row.getLong(0), d.seq(), d.fromId(), 0, d.data(), false,
          row.getOffsetDateTime(1).toInstant().toEpochMilli(), d.senderCursor(), 0, d.cid(), d.groupId(), false,
          false).withAttachment(d.attachment());
      outcomes.set(plan.fresh().get(k).index(), Future.succeededFuture(new GroupStored(message, draft.holders(),
          draft.cursors(), draft.mentioned(), false, draft.unread())));
    }
    return outcomes;
  }

  private static Tuple messageArguments(List<Fresh> fresh) {
    int n = fresh.size();
    Long[] group = new Long[n];
    Long[] seq = new Long[n];
    Long[] from = new Long[n];
    String[] body = new String[n];
    String[] cid = new String[n];
    String[] origin = new String[n];
    String[] mentionIds = new String[n];
    Boolean[] mentionAll = new Boolean[n];
    String[] fileId = new String[n];
    String[] attachment = new String[n];
    for (int k = 0; k < n; k++) {
      GroupSend send = fresh.get(k).send();
      group[k] = send.groupId();
      seq[k] = fresh.get(k).seq();
      from[k] = send.fromId();
      body[k] = send.text();
      cid[k] = send.cid();
      origin[k] = send.origin() == Origin.HTTP ? "H" : "W";
      // with @all everyone is mentioned: the flag says it, the ids would only repeat the members
      mentionIds[k] = send.mentionAll() ? "{}" : fresh.get(k).mentions().stream().map(String::valueOf)
          .collect(Collectors.joining(",", "{", "}"));
      mentionAll[k] = send.mentionAll();
      fileId[k] = send.attachment() == null ? null : send.attachment().fileId();
      attachment[k] = Attachments.toColumn(send.attachment());
    }
    return arrays(group, seq, from, body, cid, origin, mentionIds, mentionAll, fileId, attachment);
  }

  /** The same text, and the same upload (or none). */
  private static boolean sameContent(ChatMessage repeat, GroupSend send) {
    String repeatFile = repeat.attachment() == null ? null : repeat.attachment().fileId();
    return repeat.data().equals(send.text()) && Objects.equals(repeatFile, send.fileId());
  }

  private static Future<GroupStored> refused(ChatError error, String message) {
    return Future.failedFuture(new ChatException(error, message));
  }

  /** One parameter per array (Tuple.of would spread a lone array over several parameters). */
  private static Tuple arrays(Object[]... arrays) {
    return Tuple.from((Object[]) arrays);
  }

  private static String key(long fromId, String cid) {
    return fromId + "/" + cid;
  }
}
