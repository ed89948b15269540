package io.github.minichat.message;

import static io.github.minichat.message.testing.StoreDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.GroupAction;
import io.github.minichat.common.GroupCommand;
import io.github.minichat.common.GroupHistoryRequest;
import io.github.minichat.common.GroupInfo;
import io.github.minichat.common.GroupMember;
import io.github.minichat.common.GroupRead;
import io.github.minichat.common.GroupReceipts;
import io.github.minichat.common.HistoryPage;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.message.testing.StoreDatabase;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The group store on a real PostgreSQL: every membership rule and its refusal, what each change writes (its system
 * message in every holder's inbox), what members see and read, and the row invariants under concurrent changes,
 * sends and read marks. Each test has a block of user ids of its own, so the per-user limits do not meet.
 */
class GroupStoreTest {

  private static final GroupLimits ROOMY = new GroupLimits(20, 50, 1000, Duration.ofMillis(500));

  private static StoreDatabase database;
  private static Pool pool;
  private static GroupStore store;
  private static GroupTraffic traffic;
  private static GroupRowChecks rows;

  @BeforeAll
  static void start() {
    database = StoreDatabase.create("group_store", 8);
    pool = database.pool();
    store = new GroupStore(pool, ROOMY);
    traffic = new GroupTraffic(pool);
    rows = new GroupRowChecks(pool);
  }

  @AfterAll
  static void stop() {
    database.close();
  }

  @Test
  @DisplayName("a created group has its creator as owner, the listed users as members, and its notice in every inbox")
  void create() {
    long owner = 1001;
    long first = 1002;
    long second = 1003;
    // a one-to-one message first: group messages take the next cursors of the same inboxes
    await(new BatchStore(pool, Duration.ofSeconds(1)).store(List.of(new BatchStore.Item(
        new SendMessage(first, second, "before", "c-1", Origin.WS, null), false))));

    GroupStore.Changed created = await(store.change(new GroupCommand(owner, 0, GroupAction.CREATE, "  Team \t",
        List.of(first, second, first, owner), null)));

    GroupInfo group = created.group();
    long id = group.groupId();
    assertThat(group).isEqualTo(new GroupInfo(id, "Team", owner, 3, "owner", 1, group.createdAt(), false));
    assertThat(roles(id)).isEqualTo(Map.of(owner, "owner", first, "member", second, "member"));
    assertThat(rows.number("SELECT count(*) FROM group_members WHERE group_id = $1 AND joined_seq = 1"
        + " AND read_seq = 1", id)).isEqualTo(3);
    Row message = rows.rows("SELECT * FROM group_messages WHERE group_id = $1", Tuple.of(id)).get(0);
    assertThat(message.getLong("seq")).isEqualTo(1);
    assertThat(message.getLong("from_id")).isEqualTo(owner);
    assertThat(message.getBoolean("system")).isTrue();
    assertThat(String.valueOf(message.getValue("origin"))).isEqualTo("S");
    assertThat(message.getString("cid")).isNull();
    assertThat(new JsonObject(message.getString("body"))).isEqualTo(new JsonObject().put("event", "created")
        .put("by", owner).put("users", new JsonArray(List.of(owner, first, second))).put("name", "Team"));

    GroupStored notice = created.notice();
    assertThat(notice.holders()).containsExactly(owner, first, second);
    assertThat(notice.cursors()).containsExactly(1L, 2L, 2L);
    assertThat(heldAt(id, 1)).isEqualTo(Map.of(owner, 1L, first, 2L, second, 2L));
    assertThat(rows.number("SELECT count(*) FROM group_inbox WHERE group_id = $1 AND (counts OR mentioned)", id))
        .isZero();
    assertThat(notice.message()).isEqualTo(new ChatMessage(message.getLong("id"), 1, owner, 0,
        message.getString("body"), false, notice.message().createdAt(), 1, 0, null, id, true, false));
    assertThat(notice.duplicate()).isFalse();
    assertThat(notice.mentioned()).isEmpty();
    assertThat(notice.unread()).isEmpty();
    assertInvariants(List.of(id), owner, first, second);
  }

  @Test
  @DisplayName("bad names, ids and roles are refused before anything is written; 64 characters of any width fit")
  void badFields() {
    long owner = 2001;
    String tooLong = "x".repeat(65);
    for (String name : new String[] {null, "", "   ", tooLong, "a\u0000b", "line\nbreak", "half \uD800 pair"}) {
      assertThat(refusal(store.change(createCommand(owner, name, 2002))).error()).as("name %s", name)
          .isEqualTo(ChatError.INVALID_FIELD);
    }
    for (long user : new long[] {0, -5}) {
      assertThat(refusal(store.change(createCommand(owner, "ok", user))).error()).isEqualTo(ChatError.INVALID_FIELD);
    }
    assertThat(rows.number("SELECT count(*) FROM groups WHERE created_by = $1", owner)).isZero();

    String wide = "\uD83D\uDE00".repeat(64);
    long id = create(owner, " " + wide + " ", 2002);
    assertThat(rows.rows("SELECT name FROM groups WHERE id = $1", Tuple.of(id)).get(0).getString(0)).isEqualTo(wide);
    refusedWithoutTrace(id, new GroupCommand(owner, id, GroupAction.RENAME, tooLong, List.of(), null),
        ChatError.INVALID_FIELD);
    refusedWithoutTrace(id, new GroupCommand(owner, id, GroupAction.RENAME, " \u0007 ", List.of(), null),
        ChatError.INVALID_FIELD);
    for (String role : new String[] {null, "owner", "boss", "ADMIN"}) {
      refusedWithoutTrace(id, new GroupCommand(owner, id, GroupAction.SET_ROLE, null, List.of(2002L), role),
          ChatError.INVALID_FIELD);
    }
    refusedWithoutTrace(id, add(owner, id, -1L), ChatError.INVALID_FIELD);
    assertThat(refusal(store.change(new GroupCommand(owner, id, null, null, List.of(), null))).error())
        .isEqualTo(ChatError.INVALID_FIELD);
  }

  @Test
  @DisplayName("members cannot manage, admins manage plain members only, outsiders and unknown groups are refused")
  void whoMayDoWhat() {
    long owner = 3001;
    long admin = 3002;
    long otherAdmin = 3003;
    long member = 3004;
    long otherMember = 3005;
    long outsider = 3009;
    long id = create(owner, "rules", admin, otherAdmin, member, otherMember);
    change(setRole(owner, id, "admin", admin, otherAdmin));

    for (GroupCommand command : List.of(rename(member, id, "mine"), add(member, id, outsider),
        remove(member, id, otherMember), setRole(member, id, "admin", otherMember), dissolve(member, id))) {
      refusedWithoutTrace(id, command, ChatError.FORBIDDEN);
    }
    for (GroupCommand command : List.of(remove(admin, id, otherAdmin), remove(admin, id, owner),
        remove(admin, id, member, otherAdmin), setRole(admin, id, "member", member), dissolve(admin, id))) {
      refusedWithoutTrace(id, command, ChatError.FORBIDDEN);
    }
    for (GroupCommand command : List.of(rename(outsider, id, "x"), add(outsider, id, outsider),
        remove(outsider, id, member), leave(outsider, id), dissolve(outsider, id),
        setRole(outsider, id, "admin", member))) {
      refusedWithoutTrace(id, command, ChatError.FORBIDDEN);
    }
    assertRefusedReads(outsider, id, ChatError.FORBIDDEN);
    // removing oneself along with others is not a leave
    refusedWithoutTrace(id, remove(owner, id, owner, member), ChatError.INVALID_FIELD);

    for (long unknown : new long[] {987_654_321L, 0, -1}) {
      for (GroupCommand command : List.of(rename(owner, unknown, "x"), add(owner, unknown, outsider),
          remove(owner, unknown, member), leave(owner, unknown), dissolve(owner, unknown),
          setRole(owner, unknown, "admin", member))) {
        assertThat(refusal(store.change(command)).error()).as("%s", command).isEqualTo(ChatError.NOT_FOUND);
      }
      assertRefusedReads(owner, unknown, ChatError.NOT_FOUND);
    }

    // what each may do
    assertThat(change(rename(admin, id, "renamed")).group().myRole()).isEqualTo("admin");
    assertThat(change(add(admin, id, outsider)).group().memberCount()).isEqualTo(6);
    GroupInfo afterRemoval = change(remove(admin, id, member)).group();
    assertThat(afterRemoval.memberCount()).isEqualTo(5);
    assertThat(change(remove(owner, id, otherAdmin)).group().memberCount()).isEqualTo(4);
    assertThat(roles(id)).isEqualTo(Map.of(owner, "owner", admin, "admin", otherMember, "member",
        outsider, "member"));
    assertThat(rows.rows("SELECT name FROM groups WHERE id = $1", Tuple.of(id)).get(0).getString(0))
        .isEqualTo("renamed");
    assertInvariants(List.of(id), owner, admin, otherAdmin, member, otherMember, outsider);
  }

  @Test
  @DisplayName("setting roles skips the owner, non-members and members who have the role; none left is no change")
  void setRoles() {
    long owner = 4001;
    long member = 4002;
    long other = 4003;
    long id = create(owner, "roles", member, other);
    GroupStore.Changed changed = change(setRole(owner, id, "admin", owner, 4999, member, member));
    assertThat(data(changed)).isEqualTo(new JsonObject().put("event", "role").put("by", owner)
        .put("users", new JsonArray(List.of(member))).put("role", "admin"));
    assertThat(roles(id)).isEqualTo(Map.of(owner, "owner", member, "admin", other, "member"));

    long lastSeq = lastSeq(id);
    GroupStore.Changed again = change(setRole(owner, id, "admin", member, owner));
    assertThat(again.notice()).isNull();
    assertThat(again.group().lastSeq()).isEqualTo(lastSeq);
    assertThat(lastSeq(id)).isEqualTo(lastSeq);

    change(setRole(owner, id, "member", member));
    assertThat(roles(id)).isEqualTo(Map.of(owner, "owner", member, "member", other, "member"));
    assertInvariants(List.of(id), owner, member, other);
  }

  @Test
  @DisplayName("added members start at the join notice, already-members are skipped, none left is no change")
  void add() {
    long owner = 5001;
    long member = 5002;
    long newcomer = 5003;
    long id = create(owner, "add", member);
    await(traffic.send(id, owner, "before you came", List.of()));
    change(rename(owner, id, "still before"));

    GroupStore.Changed added = change(add(owner, id, member, newcomer));
    long joinSeq = added.notice().message().seq();
    assertThat(joinSeq).isEqualTo(4);
    assertThat(data(added)).isEqualTo(new JsonObject().put("event", "joined").put("by", owner)
        .put("users", new JsonArray(List.of(newcomer))));
    assertThat(added.notice().holders()).containsExactly(owner, member, newcomer);
    assertThat(rows.rows("SELECT role, joined_seq, read_seq FROM group_members WHERE group_id = $1 AND user_id = $2",
        Tuple.of(id, newcomer)).get(0).deepToString()).isEqualTo("[member,4,4]");
    assertThat(rows.number("SELECT min(seq) FROM group_inbox WHERE group_id = $1 AND user_id = $2", id, newcomer))
        .isEqualTo(joinSeq);
    HistoryPage history = await(store.history(new GroupHistoryRequest(newcomer, id, null, 50, false)));
    assertThat(history.hasMore()).isFalse();
    assertThat(history.messages()).extracting(ChatMessage::seq).containsExactly(joinSeq);
    assertThat(new JsonObject(history.messages().get(0).data()).getString("event")).isEqualTo("joined");

    long holdings = rows.number("SELECT count(*) FROM group_inbox WHERE group_id = $1", id);
    GroupStore.Changed again = change(add(owner, id, newcomer, member, owner));
    assertThat(again.notice()).isNull();
    assertThat(again.group()).isEqualTo(new GroupInfo(id, "still before", owner, 3, "owner", joinSeq,
        added.group().createdAt(), false));
    assertThat(rows.number("SELECT count(*) FROM group_inbox WHERE group_id = $1", id)).isEqualTo(holdings);
    assertInvariants(List.of(id), owner, member, newcomer);
  }

  @Test
  @DisplayName("a removed member holds the removal last, nothing after, and their unread leaves their total unless muted")
  void remove() {
    long owner = 6001;
    long member = 6002;
    long muted = 6003;
    long peer = 6009;
    await(new BatchStore(pool, Duration.ofSeconds(1)).store(List.of(new BatchStore.Item(
        new SendMessage(peer, member, "one to one", "c-6", Origin.WS, null), false))));
    long id = create(owner, "remove", member, muted);
    await(traffic.mute(id, muted));
    for (int i = 0; i < 3; i++) {
      await(traffic.send(id, owner, "message " + i, List.of()));
    }
    await(store.markRead(new GroupRead(member, id, 2L)));
    assertThat(total(member)).isEqualTo(1 + 2);
    assertThat(total(muted)).isZero();
    assertThat(rows.groupUnread(id, muted)).isEqualTo(3);
    long mutedVersion = version(muted);

    GroupStore.Changed removed = change(remove(owner, id, member, muted, 6999));
    long removal = removed.notice().message().seq();
    assertThat(data(removed)).isEqualTo(new JsonObject().put("event", "removed").put("by", owner)
        .put("users", new JsonArray(List.of(member, muted))));
    assertThat(removed.group().memberCount()).isEqualTo(1);
    assertThat(removed.notice().holders()).containsExactly(owner, member, muted);
    assertThat(removed.notice().unread()).containsExactly(new UnreadCount(member, 1, version(member)));
    assertThat(total(member)).as("only the one-to-one message is left").isEqualTo(1);
    assertThat(total(muted)).isZero();
    assertThat(version(muted)).isEqualTo(mutedVersion);
    for (long gone : new long[] {member, muted}) {
      assertThat(rows.number("SELECT max(seq) FROM group_inbox WHERE group_id = $1 AND user_id = $2", id, gone))
          .isEqualTo(removal);
      assertThat(rows.number("SELECT cursor FROM group_inbox WHERE group_id = $1 AND user_id = $2 AND seq = $3",
          id, gone, removal)).isEqualTo(rows.number("SELECT last_cursor FROM inboxes WHERE user_id = $1", gone));
    }

    change(rename(owner, id, "after"));
    change(rename(owner, id, "after again"));
    await(traffic.send(id, owner, "after", List.of()));
    assertThat(rows.number("SELECT count(*) FROM group_inbox WHERE group_id = $1 AND user_id = ANY($2)"
        + " AND seq > $3", id, new Long[] {member, muted}, removal)).isZero();
    for (long gone : new long[] {member, muted}) {
      assertRefusedReads(gone, id, ChatError.FORBIDDEN);
      assertThat(refusal(store.change(leave(gone, id))).error()).isEqualTo(ChatError.FORBIDDEN);
      assertThat(await(store.groups(gone)).groups()).isEmpty();
    }
    assertInvariants(List.of(id), owner, member, muted, peer);
  }

  @Test
  @DisplayName("an owner who leaves hands over to the earliest admin, else the earliest member; the last one dissolves")
  void leave() {
    long owner = 7001;
    long id = create(owner, "leave", 7050);
    change(add(owner, id, 7020));
    change(add(owner, id, 7010));
    change(setRole(owner, id, "admin", 7010, 7020));

    GroupStore.Changed left = change(leave(owner, id));
    assertThat(left.group()).isEqualTo(new GroupInfo(id, "leave", 7020, 3, null, 5, left.group().createdAt(), false));
    assertThat(data(left)).isEqualTo(new JsonObject().put("event", "left").put("by", owner)
        .put("users", new JsonArray(List.of(owner))).put("owner", 7020L));
    assertThat(left.notice().holders()).containsExactly(owner, 7010L, 7020L, 7050L);
    assertOwner(id, 7020);
    // the admin who joined at seq 3 comes before the member of seq 1
    assertOwner(id, change(leave(7020, id)).group().ownerId());
    assertOwner(id, 7010);
    assertThat(data(change(leave(7010, id))).getLong("owner")).isEqualTo(7050);
    assertOwner(id, 7050);
    // a plain member's leaving names no owner
    long other = create(7101, "plain", 7103, 7102, 7104);
    assertThat(data(change(leave(7104, other))).containsKey("owner")).isFalse();
    // joined together: the lower id
    assertThat(change(leave(7101, other)).group().ownerId()).isEqualTo(7102);

    GroupStore.Changed last = change(leave(7050, id));
    assertThat(data(last).getString("event")).isEqualTo("dissolved");
    assertThat(data(last).getJsonArray("users")).isEqualTo(new JsonArray(List.of(7050L)));
    assertThat(last.group().dissolved()).isTrue();
    assertThat(last.group().memberCount()).isZero();
    assertThat(last.group().myRole()).isNull();
    assertDissolved(id, 7050);
    assertInvariants(List.of(id, other), owner, 7010, 7020, 7050, 7101, 7102, 7103, 7104);
  }

  @Test
  @DisplayName("only the owner dissolves; every member's unread of it leaves their total, and then it is not found")
  void dissolve() {
    long owner = 8001;
    long admin = 8002;
    long member = 8003;
    long id = create(owner, "dissolve", admin, member);
    change(setRole(owner, id, "admin", admin));
    await(traffic.send(id, owner, "one", List.of()));
    await(traffic.send(id, admin, "two", List.of()));
    assertThat(total(member)).isEqualTo(2);
    refusedWithoutTrace(id, dissolve(admin, id), ChatError.FORBIDDEN);
    refusedWithoutTrace(id, dissolve(member, id), ChatError.FORBIDDEN);

    GroupStore.Changed dissolved = change(dissolve(owner, id));
    long seq = dissolved.notice().message().seq();
    assertThat(data(dissolved)).isEqualTo(new JsonObject().put("event", "dissolved").put("by", owner)
        .put("users", new JsonArray(List.of(owner, admin, member))));
    assertThat(dissolved.group()).isEqualTo(new GroupInfo(id, "dissolve", owner, 0, null, seq,
        dissolved.group().createdAt(), true));
    assertThat(dissolved.notice().unread()).containsExactly(new UnreadCount(owner, 0, version(owner)),
        new UnreadCount(admin, 0, version(admin)), new UnreadCount(member, 0, version(member)));
    assertThat(heldAt(id, seq).keySet()).containsExactlyInAnyOrder(owner, admin, member);
    assertThat(rows.number("SELECT count(*) FROM group_inbox WHERE group_id = $1 AND seq > $2", id, seq)).isZero();
    assertDissolved(id, owner);
    assertDissolved(id, member);
    assertInvariants(List.of(id), owner, admin, member);
  }

  @Test
  @DisplayName("a group holds at most maxMembers, in a creation and in additions")
  void membersPerGroup() {
    GroupStore small = new GroupStore(pool, new GroupLimits(4, 50, 1000, Duration.ofMillis(500)));
    long owner = 9001;
    assertThat(refusal(small.change(createCommand(owner, "big", 9002, 9003, 9004, 9005))).error())
        .isEqualTo(ChatError.LIMIT_REACHED);
    assertThat(rows.number("SELECT count(*) FROM groups WHERE created_by = $1", owner)).isZero();
    long id = await(small.change(createCommand(owner, "full", 9002, 9003, 9004))).group().groupId();
    assertThat(refusal(small.change(add(owner, id, 9005))).error()).isEqualTo(ChatError.LIMIT_REACHED);
    assertThat(await(small.change(add(owner, id, 9002))).notice()).isNull();
    await(small.change(remove(owner, id, 9004)));
    assertThat(refusal(small.change(add(owner, id, 9005, 9006))).error()).isEqualTo(ChatError.LIMIT_REACHED);
    assertThat(await(small.change(add(owner, id, 9005))).group().memberCount()).isEqualTo(4);
    assertThat(rows.number("SELECT count(*) FROM group_members WHERE group_id = $1", id)).isEqualTo(4);
    assertInvariants(List.of(id), owner, 9002, 9003, 9004, 9005, 9006);
  }

  @Test
  @DisplayName("a user is in at most maxGroupsPerUser groups, even when concurrent additions race for the last places")
  void groupsPerUser() {
    GroupStore narrow = new GroupStore(pool, new GroupLimits(20, 3, 1000, Duration.ofMillis(500)));
    long user = 10_001;
    List<Long> groups = new ArrayList<>();
    for (long creator = 10_011; creator <= 10_013; creator++) {
      groups.add(await(narrow.change(createCommand(creator, "g" + creator, user))).group().groupId());
    }
    ChatException full = refusal(narrow.change(createCommand(10_014, "one more", 10_020, user)));
    assertThat(full.error()).isEqualTo(ChatError.LIMIT_REACHED);
    assertThat(full.getMessage()).contains("user " + user).doesNotContain("10020");
    assertThat(rows.number("SELECT count(*) FROM group_members WHERE user_id = 10020")).isZero();
    assertThat(refusal(narrow.change(createCommand(user, "mine"))).error()).isEqualTo(ChatError.LIMIT_REACHED);

    long fourth = await(narrow.change(createCommand(10_014, "fourth", 10_020))).group().groupId();
    assertThat(refusal(narrow.change(add(10_014, fourth, user))).error()).isEqualTo(ChatError.LIMIT_REACHED);
    await(narrow.change(leave(user, groups.get(0))));
    assertThat(await(narrow.change(add(10_014, fourth, user))).group().memberCount()).isEqualTo(3);

    long racer = 10_002;
    List<Long> racedGroups = new ArrayList<>();
    for (long creator = 10_030; creator < 10_038; creator++) {
      racedGroups.add(await(narrow.change(createCommand(creator, "race"))).group().groupId());
    }
    List<AsyncResult<GroupStore.Changed>> outcomes = all(racedGroups.stream()
        .map(id -> (Supplier<Future<GroupStore.Changed>>) () -> narrow.change(add(creatorOf(id), id, racer)))
        .toList());
    assertThat(outcomes.stream().filter(AsyncResult::succeeded)).hasSize(3);
    assertThat(outcomes.stream().filter(AsyncResult::failed))
        .allSatisfy(outcome -> assertThat(ChatError.of(outcome.cause())).isEqualTo(ChatError.LIMIT_REACHED));
    assertThat(rows.number("SELECT count(*) FROM group_members WHERE user_id = $1", racer)).isEqualTo(3);
    List<Long> touched = new ArrayList<>(racedGroups);
    touched.addAll(groups);
    touched.add(fourth);
    assertInvariants(touched, user, racer, 10_020, 10_030);
  }

  @Test
  @DisplayName("a user creates at most createsPerHour groups an hour, told when to retry, even when creating at once")
  void creationsPerHour() {
    GroupStore slow = new GroupStore(pool, new GroupLimits(20, 50, 2, Duration.ofMillis(500)));
    long creator = 11_001;
    long first = await(slow.change(createCommand(creator, "one"))).group().groupId();
    await(slow.change(createCommand(creator, "two")));
    ChatException limited = refusal(slow.change(createCommand(creator, "three")));
    assertThat(limited.error()).isEqualTo(ChatError.RATE_LIMITED);
    assertThat(limited.retryAfterMillis()).isBetween(3_500_000L, 3_600_000L);
    assertThat(rows.number("SELECT count(*) FROM groups WHERE created_by = $1", creator)).isEqualTo(2);

    rows.rows("UPDATE groups SET created_at = clock_timestamp() - interval '59 minutes' WHERE id = $1",
        Tuple.of(first));
    assertThat(refusal(slow.change(createCommand(creator, "three"))).retryAfterMillis())
        .isBetween(50_000L, 60_000L);
    rows.rows("UPDATE groups SET created_at = clock_timestamp() - interval '61 minutes' WHERE id = $1",
        Tuple.of(first));
    assertThat(await(slow.change(createCommand(creator, "three"))).group().name()).isEqualTo("three");

    long eager = 11_002;
    List<AsyncResult<GroupStore.Changed>> outcomes = all(LongStream.range(0, 6)
        .mapToObj(i -> (Supplier<Future<GroupStore.Changed>>) () -> slow.change(createCommand(eager, "at once " + i)))
        .toList());
    assertThat(outcomes.stream().filter(AsyncResult::succeeded)).hasSize(2);
    assertThat(outcomes.stream().filter(AsyncResult::failed)).hasSize(4).allSatisfy(outcome -> {
      assertThat(ChatError.of(outcome.cause())).isEqualTo(ChatError.RATE_LIMITED);
      assertThat(((ChatException) outcome.cause()).retryAfterMillis()).isPositive();
    });
    assertThat(rows.number("SELECT count(*) FROM groups WHERE created_by = $1", eager)).isEqualTo(2);
  }

  @Test
  @DisplayName("a user's groups come newest activity first, each with their role; left and dissolved ones are gone")
  void groupsList() {
    long user = 12_001;
    long owned = create(user, "owned", 12_009);
    long joined = create(12_002, "joined", user);
    long promoted = create(12_003, "promoted", user);
    change(setRole(12_003, promoted, "admin", user));
    long left = create(12_004, "left", user);
    change(leave(user, left));
    long dissolved = create(12_005, "dissolved", user);
    change(dissolve(12_005, dissolved));
    await(traffic.send(owned, 12_009, "news", List.of()));

    List<GroupInfo> groups = await(store.groups(user)).groups();
    assertThat(groups).extracting(GroupInfo::groupId).containsExactly(owned, promoted, joined);
    assertThat(groups).extracting(GroupInfo::myRole).containsExactly("owner", "admin", "member");
    assertThat(groups.get(0)).isEqualTo(new GroupInfo(owned, "owned", user, 2, "owner", 2,
        groups.get(0).createdAt(), false));
    assertThat(groups.get(1).lastSeq()).isEqualTo(2);
    assertThat(groups.get(2).memberCount()).isEqualTo(2);
    assertThat(await(store.groups(12_999)).groups()).isEmpty();
  }

  @Test
  @DisplayName("members come owner first, then admins, then members, each by joining, with who is online")
  void members() {
    long owner = 13_001;
    long id = create(owner, "members", 13_050, 13_040);
    change(add(owner, id, 13_030));
    change(add(owner, id, 13_020));
    change(setRole(owner, id, "admin", 13_030, 13_050));
    List<GroupMember> members = await(store.members(13_020, id, user -> user % 20 == 0)).members();
    assertThat(members).extracting(GroupMember::userId).containsExactly(13_001L, 13_050L, 13_030L, 13_040L, 13_020L);
    assertThat(members).extracting(GroupMember::role).containsExactly("owner", "admin", "admin", "member", "member");
    assertThat(members).extracting(GroupMember::online).containsExactly(false, false, false, true, true);
    assertThat(members).allSatisfy(member -> assertThat(member.joinedAt()).isPositive());
  }

  @Test
  @DisplayName("history pages through the asker's own copies, oldest first, read up to their mark, and can mark all read")
  void history() {
    long owner = 14_001;
    long talker = 14_002;
    long reader = 14_003;
    long id = create(owner, "history", talker, reader);
    await(traffic.send(id, owner, "a", List.of()));
    await(traffic.send(id, talker, "b @reader", List.of(reader)));
    change(rename(owner, id, "renamed"));
    await(traffic.send(id, reader, "c", List.of()));
    await(traffic.send(id, owner, "d @reader", List.of(reader)));
    await(store.markRead(new GroupRead(reader, id, 3L)));

    List<ChatMessage> seen = new ArrayList<>();
    Long before = null;
    List<Boolean> more = new ArrayList<>();
    do {
      HistoryPage page = await(store.history(new GroupHistoryRequest(reader, id, before, 2, false)));
      assertThat(page.messages()).hasSize(2);
      seen.addAll(0, page.messages());
      more.add(page.hasMore());
      before = page.messages().get(0).seq();
    } while (more.get(more.size() - 1));
    assertThat(more).containsExactly(true, true, false);
    assertThat(seen).extracting(ChatMessage::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    Map<Long, Long> readerCursors = cursors(reader, id);
    for (ChatMessage message : seen) {
      assertThat(message.groupId()).isEqualTo(id);
      assertThat(message.system()).as("seq %d", message.seq()).isEqualTo(message.seq() == 1 || message.seq() == 4);
      assertThat(message.mentioned()).as("seq %d", message.seq()).isEqualTo(message.seq() == 3 || message.seq() == 6);
      long held = readerCursors.get(message.seq());
      if (message.fromId() == reader) {
        assertThat(message).isEqualTo(new ChatMessage(message.id(), 5, reader, 0, "c", false, message.createdAt(),
            held, 0, null, id, false, false));
      } else {
        assertThat(message.toId()).isEqualTo(reader);
        assertThat(message.recipientCursor()).isEqualTo(held);
        assertThat(message.senderCursor()).isEqualTo(cursors(message.fromId(), id).get(message.seq()));
        assertThat(message.read()).as("seq %d", message.seq()).isEqualTo(message.seq() <= 3);
      }
    }
    assertThat(seen.get(1).data()).isEqualTo("a");
    assertThat(new JsonObject(seen.get(3).data()).getString("name")).isEqualTo("renamed");

    HistoryPage marked = await(store.history(new GroupHistoryRequest(reader, id, null, 50, true)));
    assertThat(marked.hasMore()).isFalse();
    assertThat(marked.messages().stream().filter(message -> message.fromId() != reader))
        .allSatisfy(message -> assertThat(message.read()).isTrue());
    assertThat(rows.groupUnread(id, reader)).isZero();
    assertThat(refusal(store.history(new GroupHistoryRequest(reader, id, null, 0, false))).error())
        .isEqualTo(ChatError.INVALID_FIELD);
    assertInvariants(List.of(id), owner, talker, reader);
  }

  @Test
  @DisplayName("a read mark lowers the total by the counting rows it covers, bounded by the newest message")
  void markRead() {
    long owner = 15_001;
    long reader = 15_002;
    long id = create(owner, "read", reader);
    await(traffic.send(id, owner, "2", List.of()));
    await(traffic.send(id, owner, "3", List.of()));
    change(rename(owner, id, "a system message at 4 does not count"));
    await(traffic.send(id, owner, "5", List.of()));
    await(traffic.send(id, owner, "6", List.of()));
    assertThat(total(reader)).isEqualTo(4);
    long version = version(reader);

    assertThat(mark(reader, id, 3L)).isEqualTo(new GroupStore.Marked(new UnreadCount(reader, 2, version + 1), 1, 3));
    assertThat(rows.groupUnread(id, reader)).isEqualTo(2);
    assertThat(mark(reader, id, 3L)).isEqualTo(new GroupStore.Marked(new UnreadCount(reader, 2, 0), 3, 3));
    assertThat(mark(reader, id, 2L)).isEqualTo(new GroupStore.Marked(new UnreadCount(reader, 2, 0), 3, 3));
    assertThat(mark(reader, id, 5L)).isEqualTo(new GroupStore.Marked(new UnreadCount(reader, 1, version + 2), 3, 5));
    assertThat(mark(reader, id, 1000L)).isEqualTo(new GroupStore.Marked(new UnreadCount(reader, 0, version + 3), 5, 6));
    assertThat(mark(reader, id, null)).isEqualTo(new GroupStore.Marked(new UnreadCount(reader, 0, 0), 6, 6));
    assertThat(rows.number("SELECT read_seq FROM group_members WHERE group_id = $1 AND user_id = $2", id, reader))
        .isEqualTo(6);

    // muted: the mark moves, the total (which never held the group's unread) does not
    long muted = 15_003;
    change(add(owner, id, muted));
    await(traffic.mute(id, muted));
    await(traffic.send(id, owner, "8", List.of()));
    await(traffic.send(id, owner, "9", List.of()));
    long mutedVersion = version(muted);
    assertThat(rows.groupUnread(id, muted)).isEqualTo(2);
    assertThat(mark(muted, id, null)).isEqualTo(new GroupStore.Marked(new UnreadCount(muted, 0, 0), 7, 9));
    assertThat(rows.groupUnread(id, muted)).isZero();
    assertThat(version(muted)).isEqualTo(mutedVersion);
    // the sender's own rows do not count: the mark moves, the total stays
    assertThat(mark(owner, id, null)).isEqualTo(new GroupStore.Marked(new UnreadCount(owner, 0, 0), 1, 9));
    assertInvariants(List.of(id), owner, reader, muted);
  }

  @Test
  @DisplayName("concurrent read marks of one reader's devices mark each seq once and keep the total true")
  void concurrentReadMarks() {
    long owner = 16_001;
    long reader = 16_002;
    long id = create(owner, "devices", reader);
    Future<Long> sent = Future.succeededFuture(0L);
    for (int i = 0; i < 30; i++) {
      String text = "message " + i;
      sent = sent.compose(ignored -> traffic.send(id, owner, text, List.of()));
    }
    long last = await(sent);
    assertThat(last).isEqualTo(31);
    Random random = new Random(16);
    List<Long> upTos = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      upTos.add(random.nextInt(6) == 0 ? null : 2L + random.nextInt(30));
    }
    List<AsyncResult<GroupStore.Marked>> outcomes = all(upTos.stream()
        .map(upTo -> (Supplier<Future<GroupStore.Marked>>) () -> store.markRead(new GroupRead(reader, id, upTo)))
        .toList());

    assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.succeeded()).as("%s", outcome.cause()).isTrue());
    List<GroupStore.Marked> marks = outcomes.stream().map(AsyncResult::result).toList();
    List<GroupStore.Marked> moved = marks.stream().filter(mark -> mark.upTo() > mark.after())
        .sorted(Comparator.comparingLong(GroupStore.Marked::after)).toList();
    long expectedEnd = upTos.contains(null) ? last : upTos.stream().mapToLong(Long::longValue).max().orElseThrow();
    // each seq marked once: the ranges chain from the join to the furthest mark
    long previous = 1;
    for (GroupStore.Marked mark : moved) {
      assertThat(mark.after()).as("%s", mark).isEqualTo(previous);
      // every message after the reader's join counts but the join notice, so the total left is last - upTo
      assertThat(mark.unread().countNum()).as("%s", mark).isEqualTo(last - mark.upTo());
      previous = mark.upTo();
    }
    assertThat(previous).isEqualTo(expectedEnd);
    assertThat(moved).extracting(mark -> mark.unread().version()).isSorted().doesNotHaveDuplicates();
    assertThat(marks.stream().filter(mark -> mark.upTo() <= mark.after()))
        .allSatisfy(mark -> assertThat(mark.unread().version()).isZero());
    assertThat(total(reader)).isEqualTo(last - expectedEnd);
    assertInvariants(List.of(id), owner, reader);
  }

  @Test
  @DisplayName("concurrent changes, sends, mutes and read marks of two overlapping groups keep every invariant")
  void concurrentChanges() {
    long[] owners = {17_001, 17_002};
    List<Long> people = LongStream.rangeClosed(17_010, 17_021).boxed().toList();
    long[] groups = {create(owners[0], "one", people.subList(0, 6).stream().mapToLong(Long::longValue).toArray()),
        create(owners[1], "two", people.subList(3, 9).stream().mapToLong(Long::longValue).toArray())};
    Random random = new Random(17);
    List<Supplier<Future<?>>> operations = new ArrayList<>();
    int renames = 0;
    for (int i = 0; i < 90; i++) {
      int which = random.nextInt(2);
      long id = groups[which];
      long owner = owners[which];
      long someone = people.get(random.nextInt(people.size()));
      long other = people.get(random.nextInt(people.size()));
      int upTo = 1 + random.nextInt(40);
      int kind = random.nextInt(10);
      renames += kind == 0 ? 1 : 0;
      operations.add(switch (kind) {
        case 0 -> () -> store.change(rename(owner, id, "name " + upTo));
        case 1 -> () -> store.change(add(owner, id, someone, other));
        case 2 -> () -> store.change(remove(owner, id, someone));
        case 3 -> () -> store.change(leave(someone, id));
        case 4 -> () -> store.change(setRole(owner, id, upTo % 2 == 0 ? "admin" : "member", someone));
        case 5 -> () -> store.change(remove(someone, id, other));
        case 6 -> () -> traffic.mute(id, someone);
        case 7 -> () -> store.markRead(new GroupRead(someone, id, upTo % 3 == 0 ? null : (long) upTo));
        default -> () -> traffic.send(id, random.nextBoolean() ? owner : someone, "say " + upTo, List.of(other));
      });
    }
    List<AsyncResult<Object>> outcomes = all(operations.stream()
        .map(operation -> (Supplier<Future<Object>>) () -> operation.get().map(result -> (Object) result))
        .toList());

    // refusals a member or an outsider earns (and the test's own SQL refusing non-members), nothing else
    assertThat(outcomes.stream().filter(AsyncResult::failed)).allSatisfy(outcome -> assertThat(
        outcome.cause() instanceof IllegalStateException || ChatError.of(outcome.cause()) == ChatError.FORBIDDEN)
        .as("%s", outcome.cause()).isTrue());
    List<GroupStored> notices = outcomes.stream().filter(AsyncResult::succeeded).map(AsyncResult::result)
        .filter(result -> result instanceof GroupStore.Changed changed && changed.notice() != null)
        .map(result -> ((GroupStore.Changed) result).notice()).toList();
    // an owner's rename always succeeds, whatever ran before it
    assertThat(renames).isPositive();
    assertThat(notices.stream().filter(notice -> notice.message().data().contains("\"renamed\"")))
        .as("renames stored").hasSize(renames);
    assertThat(outcomes.stream().filter(AsyncResult::failed)).as("refusals").isNotEmpty();
    for (GroupStored notice : notices) {
      Map<Long, Long> expected = new HashMap<>();
      for (int i = 0; i < notice.holders().size(); i++) {
        expected.put(notice.holders().get(i), notice.cursors().get(i));
      }
      assertThat(heldAt(notice.message().groupId(), notice.message().seq())).isEqualTo(expected);
    }
    assertThat(notices.stream().map(notice -> notice.message().groupId() + "/" + notice.message().seq()))
        .doesNotHaveDuplicates();
    List<Long> everyone = new ArrayList<>(people);
    everyone.add(owners[0]);
    everyone.add(owners[1]);
    assertInvariants(List.of(groups[0], groups[1]), everyone.stream().mapToLong(Long::longValue).toArray());
  }

  @Test
  @DisplayName("receipts count the current members, the sender not counted, who joined before and read up to each message")
  void receipts() {
    long owner = 18_001;
    long first = 18_002;
    long second = 18_003;
    long third = 18_004;
    long late = 18_005;
    long id = create(owner, "receipts", first, second, third);
    await(traffic.send(id, owner, "2", List.of()));
    await(traffic.send(id, first, "3", List.of()));
    change(rename(owner, id, "4"));
    await(traffic.send(id, owner, "5", List.of()));
    change(add(owner, id, late));
    await(traffic.send(id, owner, "7", List.of()));
    mark(first, id, 5L);
    mark(second, id, null);
    mark(third, id, 2L);
    mark(late, id, null);
    mark(owner, id, 3L);

    assertThat(await(store.receipts(id, 0, 7, 10))).containsExactly(
        new GroupReceipts(id, owner, List.of(2L, 5L, 7L), List.of(3L, 2L, 2L)),
        new GroupReceipts(id, first, List.of(3L), List.of(2L)));
    assertThat(await(store.receipts(id, 0, 7, 2)))
        .containsExactly(new GroupReceipts(id, owner, List.of(5L, 7L), List.of(2L, 2L)));
    assertThat(await(store.receipts(id, 2, 3, 10)))
        .containsExactly(new GroupReceipts(id, first, List.of(3L), List.of(2L)));
    assertThat(await(store.receipts(id, 7, 7, 10))).isEmpty();
    change(remove(owner, id, second));
    assertThat(await(store.receipts(id, 0, 2, 10)))
        .containsExactly(new GroupReceipts(id, owner, List.of(2L), List.of(2L)));
  }

  // --- commands

  private static GroupCommand createCommand(long actor, String name, long... members) {
    return new GroupCommand(actor, 0, GroupAction.CREATE, name, LongStream.of(members).boxed().toList(), null);
  }

  private static GroupCommand rename(long actor, long id, String name) {
    return new GroupCommand(actor, id, GroupAction.RENAME, name, List.of(), null);
  }

  private static GroupCommand add(long actor, long id, long... users) {
    return new GroupCommand(actor, id, GroupAction.ADD, null, LongStream.of(users).boxed().toList(), null);
  }

  private static GroupCommand remove(long actor, long id, long... users) {
    return new GroupCommand(actor, id, GroupAction.REMOVE, null, LongStream.of(users).boxed().toList(), null);
  }

  private static GroupCommand leave(long actor, long id) {
    return new GroupCommand(actor, id, GroupAction.LEAVE, null, List.of(), null);
  }

  private static GroupCommand dissolve(long actor, long id) {
    return new GroupCommand(actor, id, GroupAction.DISSOLVE, null, List.of(), null);
  }

  private static GroupCommand setRole(long actor, long id, String role, long... users) {
    return new GroupCommand(actor, id, GroupAction.SET_ROLE, null, LongStream.of(users).boxed().toList(), role);
  }

  private static long create(long owner, String name, long... members) {
    return change(createCommand(owner, name, members)).group().groupId();
  }

  private static GroupStore.Changed change(GroupCommand command) {
    return await(store.change(command));
  }

  private static GroupStore.Marked mark(long user, long id, Long upTo) {
    return await(store.markRead(new GroupRead(user, id, upTo)));
  }

  // --- outcomes

  /** The refusal the future fails with; a success fails the test. */
  private static <T> ChatException refusal(Future<T> future) {
    Throwable failure = await(future.transform(outcome -> outcome.succeeded()
        ? Future.failedFuture(new AssertionError("expected a refusal, got " + outcome.result()))
        : Future.succeededFuture(outcome.cause())));
    assertThat(failure).isInstanceOf(ChatException.class);
    return (ChatException) failure;
  }

  /** Refused with {@code error}, and nothing of the group changed: no message, no held row, the same members. */
  private static void refusedWithoutTrace(long id, GroupCommand command, ChatError error) {
    long lastSeq = lastSeq(id);
    long held = rows.number("SELECT count(*) FROM group_inbox WHERE group_id = $1", id);
    Map<Long, String> roles = roles(id);
    assertThat(refusal(store.change(command)).error()).as("%s", command).isEqualTo(error);
    assertThat(lastSeq(id)).isEqualTo(lastSeq);
    assertThat(rows.number("SELECT count(*) FROM group_inbox WHERE group_id = $1", id)).isEqualTo(held);
    assertThat(roles(id)).isEqualTo(roles);
  }

  private static void assertRefusedReads(long user, long id, ChatError error) {
    assertThat(refusal(store.members(user, id, ignored -> true)).error()).isEqualTo(error);
    assertThat(refusal(store.history(new GroupHistoryRequest(user, id, null, 10, false))).error()).isEqualTo(error);
    assertThat(refusal(store.history(new GroupHistoryRequest(user, id, null, 10, true))).error()).isEqualTo(error);
    assertThat(refusal(store.markRead(new GroupRead(user, id, null))).error()).isEqualTo(error);
  }

  private static void assertDissolved(long id, long formerMember) {
    assertThat(rows.number("SELECT count(*) FROM groups WHERE id = $1 AND dissolved_at IS NOT NULL"
        + " AND member_count = 0", id)).isEqualTo(1);
    assertThat(rows.number("SELECT count(*) FROM group_members WHERE group_id = $1", id)).isZero();
    for (GroupCommand command : List.of(rename(formerMember, id, "x"), add(formerMember, id, 1L),
        leave(formerMember, id), dissolve(formerMember, id))) {
      assertThat(refusal(store.change(command)).error()).as("%s", command).isEqualTo(ChatError.NOT_FOUND);
    }
    assertRefusedReads(formerMember, id, ChatError.NOT_FOUND);
    assertThat(await(store.groups(formerMember)).groups()).extracting(GroupInfo::groupId).doesNotContain(id);
  }

  private static void assertOwner(long id, long owner) {
    assertThat(rows.number("SELECT owner_id FROM groups WHERE id = $1", id)).isEqualTo(owner);
    assertThat(roles(id)).containsEntry(owner, "owner");
    assertThat(roles(id).values().stream().filter("owner"::equals)).hasSize(1);
  }

  private static void assertInvariants(List<Long> groups, long... users) {
    groups.forEach(rows::assertGapless);
    groups.forEach(rows::assertMembersHoldEverySinceJoining);
    rows.assertDenseCursors(users);
    rows.assertUnreadTotals(users);
  }

  /** Runs every task at once, each started by its supplier; the outcomes in task order. */
  private static <T> List<AsyncResult<T>> all(List<Supplier<Future<T>>> tasks) {
    List<Future<AsyncResult<T>>> outcomes = tasks.stream()
        .map(task -> task.get().transform(Future::succeededFuture))
        .toList();
    await(Future.all(outcomes));
    return outcomes.stream().map(Future::result).toList();
  }

  // --- rows

  private static Map<Long, String> roles(long id) {
    return rows.rows("SELECT user_id, role FROM group_members WHERE group_id = $1", Tuple.of(id)).stream()
        .collect(Collectors.toMap(row -> row.getLong(0), row -> row.getString(1)));
  }

  /** Who holds the message, and at which cursor. */
  private static Map<Long, Long> heldAt(long id, long seq) {
    return rows.rows("SELECT user_id, cursor FROM group_inbox WHERE group_id = $1 AND seq = $2", Tuple.of(id, seq))
        .stream().collect(Collectors.toMap(row -> row.getLong(0), row -> row.getLong(1)));
  }

  /** A user's cursors of a group's messages, by seq. */
  private static Map<Long, Long> cursors(long user, long id) {
    return rows.rows("SELECT seq, cursor FROM group_inbox WHERE group_id = $1 AND user_id = $2", Tuple.of(id, user))
        .stream().collect(Collectors.toMap(row -> row.getLong(0), row -> row.getLong(1)));
  }

  private static long creatorOf(long id) {
    return rows.number("SELECT created_by FROM groups WHERE id = $1", id);
  }

  private static long lastSeq(long id) {
    return rows.number("SELECT last_seq FROM groups WHERE id = $1", id);
  }

  private static long total(long user) {
    return rows.number("SELECT unread FROM inboxes WHERE user_id = $1", user);
  }

  private static long version(long user) {
    return rows.number("SELECT unread_version FROM inboxes WHERE user_id = $1", user);
  }

  private static JsonObject data(GroupStore.Changed changed) {
    return new JsonObject(changed.notice().message().data());
  }
}
