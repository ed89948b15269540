package io.github.minichat.systemtest;

import static io.github.minichat.systemtest.GroupTestSupport.assertRefused;
import static io.github.minichat.systemtest.GroupTestSupport.expectAck;
import static io.github.minichat.systemtest.GroupTestSupport.expectGroupMessage;
import static io.github.minichat.systemtest.GroupTestSupport.framesBeforeHeart;
import static io.github.minichat.systemtest.GroupTestSupport.framesUntil;
import static io.github.minichat.systemtest.GroupTestSupport.groupTexts;
import static io.github.minichat.systemtest.GroupTestSupport.isGroupText;
import static io.github.minichat.systemtest.GroupTestSupport.online;
import static io.github.minichat.systemtest.GroupTestSupport.read;
import static io.github.minichat.systemtest.GroupTestSupport.say;
import static io.github.minichat.systemtest.GroupTestSupport.systemEvent;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Who may do what in a group, over HTTP and the socket: Mallory, who is no member, is refused every capability;
 * plain members and admins are refused what is above their role; unknown groups are not found; and a member removed
 * while two of their devices are connected stops getting the group on both, at once.
 */
class GroupAuthorizationTest {

  private static final long OWNER = 8601;
  private static final long ADMIN = 8602;
  private static final long OTHER_ADMIN = 8603;
  private static final long MEMBER = 8604;
  private static final long EXTRA = 8605;
  private static final long MALLORY = 8609;
  private static final long UNKNOWN_GROUP = 987_654_321L;
  private static final String CLUB = "the club";

  private static ChatSystem system;
  private static GroupTestSupport groups;
  private static long club;
  private static long clubSystemMessages;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("group_authorization", GroupTestSupport.MANY_GROUPS);
    groups = new GroupTestSupport(system);
    club = groups.create(OWNER, CLUB, ADMIN, OTHER_ADMIN, MEMBER, EXTRA).getLong("group_id");
    groups.setRole(OWNER, club, ADMIN, "admin");
    groups.setRole(OWNER, club, OTHER_ADMIN, "admin");
    groups.post(OWNER, club, "members only", "club-1");
    groups.post(ADMIN, club, "still members only", "club-2");
    clubSystemMessages = system.count("SELECT count(*) FROM group_messages WHERE system AND group_id = " + club);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  /** Nothing a refused request could have changed did: name, owner, members and roles, membership history. */
  private static void assertClubUntouched() {
    assertThat(system.count("SELECT count(*) FROM groups WHERE id = " + club + " AND name = '" + CLUB
        + "' AND owner_id = " + OWNER + " AND member_count = 5 AND dissolved_at IS NULL")).as("the club's row")
        .isEqualTo(1);
    assertThat(system.count("SELECT count(*) FROM group_members WHERE group_id = " + club)).isEqualTo(5);
    assertThat(system.count("SELECT count(*) FROM group_members WHERE group_id = " + club + " AND ("
        + "(user_id = " + OWNER + " AND role = 'owner') OR (user_id IN (" + ADMIN + ", " + OTHER_ADMIN
        + ") AND role = 'admin') OR (user_id IN (" + MEMBER + ", " + EXTRA + ") AND role = 'member'))"))
        .as("members with their roles").isEqualTo(5);
    assertThat(system.count("SELECT count(*) FROM group_messages WHERE system AND group_id = " + club))
        .as("membership changes of the club").isEqualTo(clubSystemMessages);
    assertThat(system.count("SELECT count(*) FROM group_messages WHERE from_id = " + MALLORY)).isZero();
    assertThat(system.count("SELECT count(*) FROM group_inbox WHERE user_id = " + MALLORY)).isZero();
  }

  private record Request(String method, String uri, JsonObject body) {
    ChatSystem.HttpResult as(long user) {
      return groups.call(method, uri, user, body);
    }

    @Override
    public String toString() {
      return method + " " + uri;
    }
  }

  /** Every group route, each naming the group; bodies that would succeed for someone allowed. */
  private static List<Request> everyGroupRoute(long group) {
    String base = "/api/groups/" + group;
    return List.of(
        new Request("POST", base + "/messages", new JsonObject().put("message", "let me in").put("cid", "m-1")),
        new Request("GET", base + "/messages", null),
        new Request("GET", base + "/messages?before=3&limit=1&mark_read=true", null),
        new Request("GET", base + "/members", null),
        new Request("POST", base + "/read", new JsonObject()),
        new Request("POST", base + "/read", new JsonObject().put("up_to", 2)),
        new Request("PATCH", base, new JsonObject().put("name", "mallory's now")),
        new Request("POST", base + "/members", new JsonObject().put("user_ids", new JsonArray().add(MALLORY))),
        new Request("DELETE", base + "/members/" + MEMBER, null),
        new Request("DELETE", base + "/members/" + MALLORY, null),
        new Request("PUT", base + "/members/" + MALLORY + "/role", new JsonObject().put("role", "admin")),
        new Request("PUT", base + "/members/" + MEMBER + "/role", new JsonObject().put("role", "admin")),
        new Request("POST", base + "/leave", null),
        new Request("DELETE", base, null),
        new Request("PUT", "/api/conversations/group/" + group, new JsonObject().put("muted", true)));
  }

  // ---- a non-member ----

  @Test
  @DisplayName("a non-member is refused 403 forbidden on every group route, and the group stays exactly as it was")
  void nonMemberOverHttp() {
    for (Request request : everyGroupRoute(club)) {
      assertRefused(request.as(MALLORY), 403, "forbidden", request + " as a non-member");
    }
    assertThat(groups.ok(200, "GET", "/api/groups", MALLORY, null).getJsonArray("groups")).isEmpty();
    assertThat(groups.conversations(MALLORY, 100)).noneMatch(c -> "group".equals(c.getString("kind")));
    assertClubUntouched();
  }

  @Test
  @DisplayName("a non-member's group say, read and online frames are refused forbidden, and her socket carries on")
  void nonMemberOverTheSocket() {
    try (TestClient mallory = system.connect(MALLORY)) {
      mallory.send(say(club, "let me in", "m-say"));
      mallory.expectError("forbidden", "m-say");
      mallory.send(say(club, "@all of you", "m-all").put("mention_all", true).put("mentions",
          new JsonArray().add(OWNER)));
      mallory.expectError("forbidden", "m-all");
      mallory.send(read(club, null));
      mallory.expectError("forbidden", "read");
      mallory.send(read(club, 2L));
      mallory.expectError("forbidden", "read");
      mallory.send(online(club));
      mallory.expectError("forbidden", "online");
      RaceFreeSockets.assertAlive(mallory, MALLORY);
    }
    assertClubUntouched();
  }

  @Test
  @DisplayName("a connected non-member gets no group message pushed, and her sync holds none")
  void nonMemberGetsNoGroupMessage() {
    try (TestClient mallory = system.connect(MALLORY); TestClient member = system.connect(MEMBER)) {
      JsonObject posted = groups.post(OWNER, club, "while Mallory is connected", "club-live");
      assertThat(expectGroupMessage(member, club).getLong("id")).isEqualTo(posted.getLong("id"));
      // the member got it: had Mallory's connection been sent it too, it would be there before her heart answer
      assertThat(framesBeforeHeart(mallory, MALLORY)).noneMatch(frame -> "group_text".equals(frame.getString("type"))
          || "receipts".equals(frame.getString("type")));
      assertThat(GroupTestSupport.syncAll(mallory, 0)).isEmpty();
    }
  }

  @Test
  @DisplayName("a member's online with group_id lists the members and who is online")
  void memberSeesWhoIsOnline() {
    try (TestClient member = system.connect(MEMBER); TestClient admin = system.connect(ADMIN)) {
      member.send(online(club));
      JsonObject answer = member.expect(frame -> "online".equals(frame.getString("type"))
          && frame.containsKey("group_id"), "the group's online answer");
      assertThat(answer.getLong("group_id")).isEqualTo(club);
      List<JsonObject> members = answer.getJsonArray("members").stream().map(JsonObject.class::cast).toList();
      assertThat(members).extracting(m -> m.getLong("user_id"))
          .containsExactlyInAnyOrder(OWNER, ADMIN, OTHER_ADMIN, MEMBER, EXTRA);
      assertThat(members).filteredOn(m -> m.getBoolean("online")).extracting(m -> m.getLong("user_id"))
          .containsExactlyInAnyOrder(MEMBER, ADMIN);
    }
  }

  // ---- unknown and dissolved groups ----

  @Test
  @DisplayName("every route and frame naming a group that does not exist is answered 404 not_found")
  void unknownGroup() {
    for (Request request : everyGroupRoute(UNKNOWN_GROUP)) {
      assertRefused(request.as(MEMBER), 404, "not_found", request + " of an unknown group");
    }
    try (TestClient member = system.connect(MEMBER)) {
      member.send(say(UNKNOWN_GROUP, "anyone?", "u-say"));
      member.expectError("not_found", "u-say");
      member.send(read(UNKNOWN_GROUP, null));
      member.expectError("not_found", "read");
      member.send(online(UNKNOWN_GROUP));
      member.expectError("not_found", "online");
      RaceFreeSockets.assertAlive(member, MEMBER);
    }
  }

  @Test
  @DisplayName("a dissolved group takes no more messages: say is not_found; only its owner may dissolve it")
  void dissolvedGroup() {
    long shortLived = groups.create(OWNER, "short-lived", ADMIN, MEMBER).getLong("group_id");
    groups.setRole(OWNER, shortLived, ADMIN, "admin");
    assertRefused(groups.call("DELETE", "/api/groups/" + shortLived, ADMIN, null), 403, "forbidden",
        "an admin's dissolve");
    assertRefused(groups.call("DELETE", "/api/groups/" + shortLived, MEMBER, null), 403, "forbidden",
        "a member's dissolve");
    JsonObject dissolved = groups.ok(200, "DELETE", "/api/groups/" + shortLived, OWNER, null);
    assertThat(dissolved.getBoolean("dissolved")).isTrue();
    try (TestClient member = system.connect(MEMBER)) {
      member.send(say(shortLived, "hello?", "d-say"));
      member.expectError("not_found", "d-say");
    }
    assertThat(system.count("SELECT count(*) FROM group_messages WHERE NOT system AND group_id = " + shortLived))
        .isZero();
    assertThat(system.count("SELECT count(*) FROM group_members WHERE group_id = " + shortLived)).isZero();
  }

  // ---- roles ----

  @Test
  @DisplayName("a plain member cannot add, remove, rename, set roles, dissolve or mention everyone")
  void plainMember() {
    String base = "/api/groups/" + club;
    List<Request> aboveAMember = List.of(
        new Request("POST", base + "/members", new JsonObject().put("user_ids", new JsonArray().add(MALLORY))),
        new Request("DELETE", base + "/members/" + EXTRA, null),
        new Request("DELETE", base + "/members/" + ADMIN, null),
        new Request("DELETE", base + "/members/" + OWNER, null),
        new Request("PATCH", base, new JsonObject().put("name", "renamed by a member")),
        new Request("PUT", base + "/members/" + MEMBER + "/role", new JsonObject().put("role", "admin")),
        new Request("PUT", base + "/members/" + EXTRA + "/role", new JsonObject().put("role", "admin")),
        new Request("PUT", base + "/members/" + ADMIN + "/role", new JsonObject().put("role", "member")),
        new Request("DELETE", base, null),
        new Request("POST", base + "/messages", new JsonObject().put("message", "@all listen").put("cid", "p-all-h")
            .put("mention_all", true)));
    for (Request request : aboveAMember) {
      assertRefused(request.as(MEMBER), 403, "forbidden", request + " as a plain member");
    }
    try (TestClient member = system.connect(MEMBER)) {
      member.send(say(club, "@all listen", "p-all").put("mention_all", true));
      member.expectError("forbidden", "p-all");
      // mentioning someone by id is a member's right: the refusal above was about @all only
      member.send(say(club, "@owner a question", "p-one").put("mentions", new JsonArray().add(OWNER)));
      assertThat(expectAck(member).getString("cid")).isEqualTo("p-one");
    }
    assertThat(system.count("SELECT count(*) FROM group_messages WHERE cid IN ('p-all', 'p-all-h')")).isZero();
    assertThat(system.count("SELECT count(*) FROM group_messages WHERE mention_all")).isZero();
    assertClubUntouched();
  }

  @Test
  @DisplayName("an admin cannot remove the owner or another admin, set roles or dissolve, yet manages members")
  void admin() {
    String base = "/api/groups/" + club;
    List<Request> aboveAnAdmin = List.of(
        new Request("DELETE", base + "/members/" + OWNER, null),
        new Request("DELETE", base + "/members/" + OTHER_ADMIN, null),
        new Request("PUT", base + "/members/" + OTHER_ADMIN + "/role", new JsonObject().put("role", "member")),
        new Request("PUT", base + "/members/" + MEMBER + "/role", new JsonObject().put("role", "admin")),
        new Request("PUT", base + "/members/" + OWNER + "/role", new JsonObject().put("role", "member")),
        new Request("DELETE", base, null));
    for (Request request : aboveAnAdmin) {
      assertRefused(request.as(ADMIN), 403, "forbidden", request + " as an admin");
    }
    assertClubUntouched();

    // the same admin may rename, add and remove plain members (in a group of its own, so the club stays as it is)
    long side = groups.create(OWNER, "side room", ADMIN, MEMBER).getLong("group_id");
    groups.setRole(OWNER, side, ADMIN, "admin");
    assertThat(groups.ok(200, "PATCH", "/api/groups/" + side, ADMIN, new JsonObject().put("name", "the side room"))
        .getString("name")).isEqualTo("the side room");
    assertThat(groups.ok(200, "POST", "/api/groups/" + side + "/members", ADMIN,
        new JsonObject().put("user_ids", new JsonArray().add(EXTRA))).getInteger("member_count")).isEqualTo(4);
    assertThat(groups.ok(200, "DELETE", "/api/groups/" + side + "/members/" + MEMBER, ADMIN, null)
        .getInteger("member_count")).isEqualTo(3);
  }

  // ---- removal with two devices connected ----

  private static final long OWNER_2 = 8611;
  private static final long EVE = 8612;
  private static final long FRED = 8613;
  private static final long GINA = 8614;
  private static final int FLOOD = 120;
  private static final int AFTER = 20;

  @Test
  @DisplayName("a member removed mid-flood with two devices connected gets the removal notice last on both, then "
      + "nothing more of the group, and is refused its history and its sends")
  void removedMemberWithTwoDevices() throws Exception {
    long group = groups.create(OWNER_2, "two devices", EVE, FRED, GINA).getLong("group_id");
    try (TestClient evePhone = system.connect(EVE); TestClient eveLaptop = system.connect(EVE);
         TestClient fred = system.connect(FRED); TestClient gina = system.connect(GINA);
         TestClient owner = system.connect(OWNER_2)) {
      fred.send(say(group, "before", "before"));
      long beforeSeq = expectAck(fred).getLong("seq");
      for (TestClient device : List.of(evePhone, eveLaptop)) {
        assertThat(expectGroupMessage(device, group).getLong("seq")).isEqualTo(beforeSeq);
      }

      // Fred floods the group from another thread while the owner removes Eve a third of the way in
      CountDownLatch aThirdIn = new CountDownLatch(1);
      CompletableFuture<List<JsonObject>> flood = CompletableFuture.supplyAsync(() ->
          GroupTestSupport.sendPipelined(fred, group, MessagingTestSupport.texts("flood", FLOOD), "flood-", 8,
              acked -> {
                if (acked == FLOOD / 3) {
                  aThirdIn.countDown();
                }
              }));
      assertThat(aThirdIn.await(ChatSystem.AWAIT.toMillis(), TimeUnit.MILLISECONDS)).as("flood under way").isTrue();
      JsonObject afterRemoval = groups.ok(200, "DELETE", "/api/groups/" + group + "/members/" + EVE, OWNER_2, null);
      assertThat(afterRemoval.getInteger("member_count")).isEqualTo(3);
      flood.get(ChatSystem.AWAIT.toMillis(), TimeUnit.MILLISECONDS);

      // both devices get the removal notice; what came before it is gapless and ends with it
      List<Long> noticeSeqs = new ArrayList<>();
      for (TestClient device : List.of(evePhone, eveLaptop)) {
        List<JsonObject> untilNotice = groupTexts(framesUntil(device, systemEvent(group, "removed", EVE),
            "the removal notice"));
        long noticeSeq = untilNotice.get(untilNotice.size() - 1).getLong("seq");
        assertThat(untilNotice).allSatisfy(frame -> assertThat(frame.getLong("group_id")).isEqualTo(group));
        assertGapless(untilNotice, beforeSeq + 1, noticeSeq);
        noticeSeqs.add(noticeSeq);
      }
      long removalSeq = noticeSeqs.get(0);
      assertThat(noticeSeqs).as("the notice on both devices").containsOnly(removalSeq);

      // more messages once the notice is there: the remaining members get every one of them, Eve's devices none
      List<JsonObject> later = GroupTestSupport.sendPipelined(fred, group, MessagingTestSupport.texts("later", AFTER),
          "later-", 4, acked -> { });
      JsonObject lastPost = groups.post(OWNER_2, group, "and one over HTTP", "later-http");
      long lastSeq = lastPost.getLong("seq");
      long fredsLastSeq = later.get(AFTER - 1).getLong("seq");
      assertThat(lastSeq).isGreaterThan(fredsLastSeq);
      List<JsonObject> ginaGot = groupTexts(framesUntil(gina, frame -> isGroupText(frame, group)
          && frame.getLong("seq") == lastSeq, "the last message, on a remaining member"));
      assertGapless(ginaGot, beforeSeq, lastSeq);
      List<JsonObject> ownerGot = groupTexts(framesUntil(owner, frame -> isGroupText(frame, group)
          && frame.getLong("seq") == fredsLastSeq, "Fred's last message, on the owner"));
      assertThat(ownerGot).filteredOn(frame -> frame.getLong("seq") > removalSeq).hasSizeGreaterThanOrEqualTo(AFTER);
      for (TestClient device : List.of(evePhone, eveLaptop)) {
        assertThat(groupTexts(framesBeforeHeart(device, EVE))).as("group messages after the removal notice")
            .isEmpty();
      }

      // what Eve holds of the group ends with the notice, and she may neither read nor write it any more
      assertThat(system.count("SELECT max(seq) FROM group_inbox WHERE user_id = " + EVE + " AND group_id = " + group))
          .isEqualTo(removalSeq);
      assertThat(system.count("SELECT count(*) FROM group_inbox WHERE user_id = " + EVE + " AND group_id = " + group))
          .isEqualTo(removalSeq);
      assertRefused(groups.call("GET", "/api/groups/" + group + "/messages", EVE, null), 403, "forbidden",
          "history after the removal");
      assertRefused(groups.call("POST", "/api/groups/" + group + "/messages", EVE,
          new JsonObject().put("message", "still here?").put("cid", "eve-h")), 403, "forbidden", "a send");
      assertRefused(groups.call("GET", "/api/groups/" + group + "/members", EVE, null), 403, "forbidden", "members");
      evePhone.send(say(group, "still here?", "eve-w"));
      evePhone.expectError("forbidden", "eve-w");
      eveLaptop.send(read(group, null));
      eveLaptop.expectError("forbidden", "read");
      eveLaptop.send(online(group));
      eveLaptop.expectError("forbidden", "online");
      assertThat(system.count("SELECT count(*) FROM group_messages WHERE from_id = " + EVE)).isZero();
      assertThat(groups.ok(200, "GET", "/api/groups", EVE, null).getJsonArray("groups").stream()
          .map(JsonObject.class::cast).map(g -> g.getLong("group_id"))).doesNotContain(group);
    }

    // a fresh device of Eve's syncs what she held: the group up to the notice, not a message more
    try (TestClient eveTablet = system.connect(EVE)) {
      List<JsonObject> synced = GroupTestSupport.syncAll(eveTablet, 0).stream()
          .filter(message -> isGroupText(message, group)).toList();
      assertThat(synced).isNotEmpty();
      JsonObject last = synced.get(synced.size() - 1);
      assertThat(systemEvent(group, "removed", EVE).test(last)).as("last synced: %s", last).isTrue();
      assertGapless(synced, 1, last.getLong("seq"));
    }
  }

  /** The group messages hold exactly the seqs {@code from..to}, in order. */
  private static void assertGapless(List<JsonObject> messages, long from, long to) {
    List<Long> seqs = new ArrayList<>(messages.stream().map(m -> m.getLong("seq")).toList());
    List<Long> expected = new ArrayList<>();
    for (long seq = from; seq <= to; seq++) {
      expected.add(seq);
    }
    assertThat(seqs).as("seqs %d..%d", from, to).containsExactlyElementsOf(expected);
  }
}
