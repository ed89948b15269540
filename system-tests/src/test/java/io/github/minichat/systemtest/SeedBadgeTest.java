package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The seed client never syncs and shows its badge from {@code letters} pushes alone, so a badge that changed while
 * its socket was down must be pushed when it binds again: a non-zero unread count comes as a {@code letters} frame
 * before the answer to its first {@code heart}. A user with nothing unread gets none.
 */
class SeedBadgeTest {

  private static ChatSystem system;
  private static MessagingTestSupport support;

  @BeforeAll
  static void start() {
    system = ChatSystem.start("seedbadge");
    support = new MessagingTestSupport(system);
  }

  @AfterAll
  static void stop() {
    system.close();
  }

  @Test
  @DisplayName("messages that arrive while a seed client is away: on its return it gets letters before its heart")
  void badgeAfterReconnect() {
    long reader = 9_101;
    long peer = 9_102;
    try (TestClient seed = system.connect(reader); TestClient sender = system.connect(peer)) {
      // the seed's say: no cid, so no ack; the push to the reader shows it stored
      sender.send(MessagingTestSupport.say(peer, reader, "while here"));
      assertThat(MessagingTestSupport.expectText(seed).getString("data")).isEqualTo("while here");
      assertThat(seed.expect("letters").getLong("countNum")).isEqualTo(1);
    }
    // the socket is gone; two more arrive over HTTP, the seed's other way of sending
    support.post(peer, reader, "while away 1");
    support.post(peer, reader, "while away 2");
    // no late push of those two may reach the new socket and stand in for the one under test
    JsonObject unread = system.call(HttpMethod.GET, "/api/messages/unread", reader, null).json();
    assertThat(unread.getLong("countNum")).isEqualTo(3);

    try (TestClient back = system.open(reader)) {
      List<JsonObject> beforeHeart = bindAndHeart(back, reader);
      List<JsonObject> letters = beforeHeart.stream().filter(frame -> "letters".equals(frame.getString("type")))
          .toList();
      assertThat(letters).as("letters frames before the heart answer, among %s", beforeHeart).hasSize(1);
      assertThat(letters.get(0).getLong("countNum")).as("count in %s", letters.get(0)).isEqualTo(3);
      assertThat(letters.get(0).getLong("version")).as("version in %s", letters.get(0))
          .isEqualTo(unread.getLong("version"));
      assertThat(beforeHeart).as("frames before the heart answer: no sync, so no texts")
          .noneMatch(frame -> "text".equals(frame.getString("type")));
    }
  }

  @Test
  @DisplayName("a user with nothing unread, never sent anything or all read, gets no letters on bind")
  void noBadgeWhenNothingIsUnread() {
    long newcomer = 9_201;
    long readAll = 9_202;
    long peer = 9_203;
    support.post(peer, readAll, "read before the bind");
    ChatSystem.HttpResult read = system.call(HttpMethod.POST, "/api/messages/read", readAll,
        new JsonObject().put("peer", peer));
    assertThat(read.json().getLong("countNum")).isZero();

    for (long user : new long[] {newcomer, readAll}) {
      try (TestClient client = system.open(user)) {
        assertThat(bindAndHeart(client, user)).as("frames before the heart answer of user %d", user)
            .noneMatch(frame -> "letters".equals(frame.getString("type")));
        // and none after it: the next heart's answer is the very next frame
        RaceFreeSockets.assertAlive(client, user);
      }
    }
  }

  /** Binds a freshly opened socket and sends heart; returns the frames that came before the heart answer. */
  private static List<JsonObject> bindAndHeart(TestClient client, long userId) {
    client.expect("init");
    client.send(new JsonObject().put("type", "bind").put("fromId", userId));
    client.send(RaceFreeSockets.heart(userId));
    List<JsonObject> before = new ArrayList<>();
    for (JsonObject frame = RaceFreeSockets.next(client); !"heart".equals(frame.getString("type"));
         frame = RaceFreeSockets.next(client)) {
      before.add(frame);
    }
    return before;
  }
}
