package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.platform.Env;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One connection's pipeline and state machine, driven frame by frame against in-memory services and a recording
 * client end, on a real event loop but without a server: what it answers before and after bind, in which order it
 * stores and acknowledges, how it holds pushes back until it is bound, and how it pushes back on a client.
 */
class ChatConnectionTest {

  private static final long USER = 7;
  private static final long PEER = 8;

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final FakeServices services = new FakeServices();
  private final RecordingLink link = new RecordingLink();
  private final LocalConnections connections = new LocalConnections();
  private ChatConnection connection;

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void open(Map<String, String> settings) {
    Map<String, String> env = new HashMap<>(Map.of("CHAT_PUSH_GAP_MS", "100"));
    env.putAll(settings);
    GatewayConfig config = GatewayConfig.from(new Env(env), "gw-test", 1);
    RateLimits rateLimits = new RateLimits(config.limits());
    ClientFrames frames = new ClientFrames(new JsonFrames(config.limits(), config.maxFrameBytes()),
        config.maxTextLength(), config.limits().maxSyncPage());
    on(() -> {
      connection = new ChatConnection(new Session(USER, "gw-test-1", "gw-test", (id, thumb) -> "/api/files/" + id), link, context, config, frames,
          services, connections, rateLimits, new SendRules(rateLimits), new SettleReads(2));
      connection.start();
    });
  }

  private void open() {
    open(Map.of());
  }

  /** Runs an action on the connection's event loop and waits for it. */
  private void on(Runnable action) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(ignored -> {
      try {
        action.run();
        done.complete(null);
      } catch (Throwable failure) {
        done.completeExceptionally(failure);
      }
    });
    done.orTimeout(5, TimeUnit.SECONDS).join();
  }

  private void client(String frame) {
    on(() -> connection.text(frame));
  }

  private void bound() {
    client("{\"type\":\"bind\",\"fromId\":" + USER + "}");
    on(() -> services.connectAnswer.complete(new PresenceStatus(USER, true, null)));
    client("{\"type\":\"heart\"}");
    await().atMost(Duration.ofSeconds(5)).until(() -> link.frames("heart").size() == 1);
  }

  private InboxDelivery inbox() {
    AtomicReference<InboxDelivery> found = new AtomicReference<>();
    connections.forEachInboxOf(USER, found::set);
    assertThat(found.get()).as("the bound connection's inbox is known to the node").isNotNull();
    return found.get();
  }

  private static ChatMessage fromPeer(long cursor) {
    return new ChatMessage(100 + cursor, cursor, PEER, USER, "m" + cursor, false, 0, 50 + cursor, cursor, null);
  }

  private static List<Long> cursors(List<JsonObject> texts) {
    return texts.stream().map(text -> text.getLong("cursor")).toList();
  }

  @Test
  @DisplayName("before bind: a heart is answered, anything the protocol knows is not_bound (naming its cid), nothing is stored")
  void beforeBind() {
    open();
    client("{\"type\":\"say\",\"to_id\":8,\"data\":\"hi\",\"cid\":\"c-1\"}");
    client("{\"type\":\"say\",\"to_id\":\"not an id\"}");
    client("{\"type\":\"heart\"}");
    client("{\"type\":\"teleport\"}");

    assertThat(link.frames().get(0).getString("type")).isEqualTo("init");
    List<JsonObject> errors = link.frames("error");
    assertThat(errors).extracting(error -> error.getString("code"))
        .containsExactly(ChatError.NOT_BOUND.code(), ChatError.NOT_BOUND.code(), ChatError.UNKNOWN_TYPE.code());
    assertThat(errors.get(0).getString("ref")).isEqualTo("c-1");
    assertThat(link.frames("heart")).hasSize(1);
    assertThat(services.sendsReceived).isEmpty();
  }

  @Test
  @DisplayName("the heart after bind is answered only once presence has recorded the connection")
  void heartWaitsForPresence() {
    open();
    client("{\"type\":\"bind\",\"fromId\":" + USER + "}");
    client("{\"type\":\"heart\"}");
    assertThat(link.frames("heart")).as("not routable yet").isEmpty();

    on(() -> services.connectAnswer.complete(new PresenceStatus(USER, true, null)));
    await().atMost(Duration.ofSeconds(5)).until(() -> link.frames("heart").size() == 1);
  }

  @Test
  @DisplayName("a bind as somebody else is refused and the connection closed with 1008")
  void bindAsSomebodyElse() {
    open();
    client("{\"type\":\"bind\",\"fromId\":" + PEER + "}");
    assertThat(link.frames("error")).extracting(error -> error.getString("code"))
        .containsExactly(ChatError.FORBIDDEN.code());
    assertThat(link.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
    assertThat(connections.userCount()).isZero();
  }

  @Test
  @DisplayName("a bind that presence cannot take is answered with a retryable error and a 1013 close")
  void bindRefusedByPresence() {
    open();
    client("{\"type\":\"bind\",\"fromId\":" + USER + "}");
    on(() -> services.connectAnswer.fail(new io.github.minichat.common.ChatException(ChatError.UNAVAILABLE, "down")));
    JsonObject error = link.frames("error").get(0);
    assertThat(error.getString("ref")).isEqualTo("bind");
    assertThat(error.getBoolean("retryable")).isTrue();
    assertThat(link.closeCode()).isEqualTo(CloseCodes.TRY_AGAIN_LATER);
  }

  @Test
  @DisplayName("pushes are written in cursor order, each once: early ones wait, repeats are dropped")
  void pushesInOrderOnce() {
    open();
    bound();
    InboxDelivery inbox = inbox();
    on(() -> inbox.deliver(fromPeer(2)));
    assertThat(link.frames("text")).as("cursor 1 is missing: 2 waits").isEmpty();
    on(() -> {
      inbox.deliver(fromPeer(1));
      inbox.deliver(fromPeer(2));
      inbox.deliver(fromPeer(1));
      inbox.deliver(fromPeer(3));
    });
    assertThat(cursors(link.frames("text"))).containsExactly(1L, 2L, 3L);
  }

  @Test
  @DisplayName("a push lost on the way is read back from the store after the gap bound")
  void lostPushReadBack() {
    open();
    bound();
    synchronized (services) {
      services.inbox.add(fromPeer(1));
      services.inbox.add(fromPeer(2));
    }
    InboxDelivery inbox = inbox();
    on(() -> inbox.deliver(fromPeer(2)));
    await().atMost(Duration.ofSeconds(5)).until(() -> link.frames("text").size() == 2);
    assertThat(cursors(link.frames("text"))).containsExactly(1L, 2L);
  }

  @Test
  @DisplayName("sends are stored one at a time in the client's order, each acked after it is stored")
  void sendsInOrder() {
    open();
    bound();
    for (int i = 1; i <= 3; i++) {
      client("{\"type\":\"say\",\"to_id\":8,\"data\":\"m" + i + "\",\"cid\":\"c-" + i + "\"}");
    }
    assertThat(services.sendsReceived).as("the second waits for the first").hasSize(1);
    for (int i = 1; i <= 3; i++) {
      long cursor = i;
      on(() -> services.storeNext(cursor));
    }
    assertThat(services.sendsReceived).extracting(send -> send.cid()).containsExactly("c-1", "c-2", "c-3");
    assertThat(link.frames("ack")).extracting(ack -> ack.getString("cid")).containsExactly("c-1", "c-2", "c-3");
    assertThat(services.pending).isZero();
  }

  @Test
  @DisplayName("a full send queue pauses reading the socket, which resumes once half the queue is answered")
  void backPressure() {
    open(Map.of("CHAT_MAX_QUEUED_SENDS", "4"));
    bound();
    for (int i = 1; i <= 4; i++) {
      client("{\"type\":\"say\",\"to_id\":8,\"data\":\"m\",\"cid\":\"c-" + i + "\"}");
    }
    assertThat(link.paused()).isTrue();
    on(() -> services.storeNext(1));
    assertThat(link.paused()).as("3 queued of 4").isTrue();
    on(() -> services.storeNext(2));
    assertThat(link.paused()).as("2 queued of 4").isFalse();
    assertThat(link.frames("error")).as("nothing refused").isEmpty();
  }

  @Test
  @DisplayName("a send to oneself or as somebody else is refused, naming its cid, and never stored")
  void sendRules() {
    open();
    bound();
    client("{\"type\":\"say\",\"to_id\":7,\"data\":\"me\",\"cid\":\"self\"}");
    client("{\"type\":\"say\",\"from_id\":9,\"to_id\":8,\"data\":\"spoof\",\"cid\":\"spoof\"}");
    assertThat(link.frames("error")).extracting(error -> error.getString("code") + "/" + error.getString("ref"))
        .containsExactly(ChatError.SELF_MESSAGE.code() + "/self", ChatError.FORBIDDEN.code() + "/spoof");
    assertThat(services.sendsReceived).isEmpty();
  }

  @Test
  @DisplayName("a client that keeps sending into the frame rate limit is closed with 1008 after its strikes")
  void rateStrikes() {
    open(Map.of("CHAT_FRAMES_PER_SECOND", "1", "CHAT_FRAME_BURST", "1", "CHAT_RATE_STRIKES", "3"));
    for (int i = 0; i < 4; i++) {
      client("{\"type\":\"heart\"}");
    }
    assertThat(link.frames("error")).hasSize(3)
        .allSatisfy(error -> assertThat(error.getString("code")).isEqualTo(ChatError.RATE_LIMITED.code()));
    assertThat(link.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
  }

  @Test
  @DisplayName("a client that stops reading is closed with 1013, and cut off if it does not read the close either")
  void slowConsumer() {
    open();
    bound();
    link.fillQueue();
    InboxDelivery inbox = inbox();
    on(() -> inbox.deliver(fromPeer(1)));
    assertThat(link.closeCode()).isEqualTo(CloseCodes.TRY_AGAIN_LATER);
    on(() -> inbox.deliver(fromPeer(2)));
    assertThat(link.frames("text")).as("nothing written once closing").hasSize(1);
    await().atMost(Duration.ofSeconds(5)).until(link::wasCut);
  }

  @Test
  @DisplayName("a close before presence has answered the connect is reported after that answer, once")
  void closeBeforeConnectAnswered() {
    open();
    client("{\"type\":\"bind\",\"fromId\":" + USER + "}");
    on(connection::closed);
    assertThat(services.disconnects).isEmpty();
    assertThat(connections.userCount()).isZero();
    on(() -> services.connectAnswer.complete(new PresenceStatus(USER, true, null)));
    await().atMost(Duration.ofSeconds(5)).until(() -> services.disconnects.size() == 1);
  }

  @Test
  @DisplayName("a sync page and the pushes around it give each message once")
  void syncAndPushes() {
    open();
    bound();
    synchronized (services) {
      for (long cursor = 1; cursor <= 3; cursor++) {
        services.inbox.add(fromPeer(cursor));
      }
    }
    InboxDelivery inbox = inbox();
    on(() -> inbox.deliver(fromPeer(1)));
    client("{\"type\":\"sync\",\"since\":0}");
    on(() -> {
      inbox.deliver(fromPeer(2));
      inbox.deliver(fromPeer(3));
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> link.frames("sync").size() == 1);
    List<Long> synced = cursors(link.frames("sync").get(0).getJsonArray("messages").stream()
        .map(JsonObject.class::cast).toList());
    List<Long> pushed = cursors(link.frames("text"));
    assertThat(synced).doesNotContainAnyElementsOf(pushed);
    assertThat(new java.util.TreeSet<>(java.util.stream.Stream.concat(synced.stream(), pushed.stream()).toList()))
        .containsExactly(1L, 2L, 3L);
  }

  private static ChatMessage groupMessage(long cursor) {
    return new ChatMessage(500 + cursor, cursor, PEER, 0, "g" + cursor, false, 0, 60 + cursor, 0, null, 42, false,
        false).forMember(USER, cursor, cursor == 2);
  }

  @Test
  @DisplayName("group messages share the inbox order with one-to-one ones and are written as group_text frames")
  void groupMessagesInInboxOrder() {
    open();
    bound();
    InboxDelivery inbox = inbox();
    on(() -> {
      inbox.deliver(groupMessage(2));
      inbox.deliver(fromPeer(1));
      inbox.deliver(fromPeer(3));
      inbox.deliver(groupMessage(2));
    });
    assertThat(link.frames()).extracting(frame -> frame.getString("type") + "@" + frame.getLong("cursor"))
        .containsSubsequence("text@1", "group_text@2", "text@3");
    JsonObject group = link.frames("group_text").get(0);
    assertThat(link.frames("group_text")).as("the repeat is dropped").hasSize(1);
    assertThat(group.getLong("group_id")).isEqualTo(42);
    assertThat(group.getLong("from_id")).isEqualTo(PEER);
    assertThat(group.getBoolean("mentioned")).isTrue();
    assertThat(group.getString("kind")).isEqualTo("text");
    assertThat(group.containsKey("to_id")).as("a seed client's text fields are not imitated").isFalse();
  }

  @Test
  @DisplayName("a group say is stored in the connection's send order and acked with its group; without a cid it is refused")
  void groupSay() {
    open();
    bound();
    client("{\"type\":\"say\",\"group_id\":42,\"data\":\"no cid\"}");
    client("{\"type\":\"say\",\"group_id\":42,\"data\":\"hi @8\",\"cid\":\"g-1\",\"mentions\":[8,\"8\"]}");
    client("{\"type\":\"say\",\"group_id\":42,\"data\":\"x\",\"cid\":\"g-2\",\"mentions\":\"8\"}");
    client("{\"type\":\"say\",\"group_id\":42,\"data\":\"x\",\"cid\":\"g-3\",\"mention_all\":\"yes\"}");
    client("{\"type\":\"say\",\"group_id\":42,\"from_id\":9,\"data\":\"spoof\",\"cid\":\"g-4\"}");
    client("{\"type\":\"say\",\"group_id\":-1,\"data\":\"x\",\"cid\":\"g-5\"}");
    await().atMost(Duration.ofSeconds(5)).until(() -> link.frames("ack").size() == 1);
    assertThat(link.frames("error")).extracting(error -> error.getString("code") + "/" + error.getString("ref"))
        .containsExactly(ChatError.INVALID_FIELD.code() + "/say", ChatError.INVALID_FIELD.code() + "/g-2",
            ChatError.INVALID_FIELD.code() + "/g-3", ChatError.FORBIDDEN.code() + "/g-4",
            ChatError.INVALID_FIELD.code() + "/g-5");
    synchronized (services) {
      assertThat(services.groupSendsReceived).hasSize(1);
      assertThat(services.groupSendsReceived.get(0).mentions()).as("each mention once").containsExactly(8L);
      assertThat(services.groupSendsReceived.get(0).fromId()).isEqualTo(USER);
    }
    JsonObject ack = link.frames("ack").get(0);
    assertThat(ack.getString("cid")).isEqualTo("g-1");
    assertThat(ack.getLong("group_id")).isEqualTo(42);
    assertThat(services.pending).isZero();
  }

  @Test
  @DisplayName("read and online with a group_id go to the group: answered for members, refused for others")
  void groupReadAndOnline() {
    open();
    bound();
    client("{\"type\":\"read\",\"group_id\":42,\"up_to\":5}");
    client("{\"type\":\"online\",\"group_id\":42}");
    client("{\"type\":\"online\",\"group_id\":13}");
    await().atMost(Duration.ofSeconds(5)).until(() -> link.frames("online").size() == 1
        && link.frames("error").size() == 1);
    assertThat(link.frames("read").get(0).getLong("group_id")).isEqualTo(42);
    synchronized (services) {
      assertThat(services.groupReads).extracting(read -> read.upTo()).containsExactly(5L);
    }
    assertThat(link.frames("online").get(0).getJsonArray("members")).hasSize(2);
    assertThat(link.frames("error").get(0).getString("code")).isEqualTo(ChatError.FORBIDDEN.code());
  }

  @Test
  @DisplayName("a read-back that brings the connection's own send before its ack writes no copy of it: the ack follows")
  void ownSendReadBackBeforeAck() {
    open();
    bound();
    client("{\"type\":\"say\",\"to_id\":8,\"data\":\"mine\",\"cid\":\"own-1\"}");
    ChatMessage own = new ChatMessage(1, 1, USER, PEER, "mine", false, 0, 1, 40, "own-1");
    synchronized (services) {
      services.inbox.add(own);
      services.inbox.add(fromPeer(2));
    }
    InboxDelivery inbox = inbox();
    on(() -> inbox.deliver(fromPeer(2))); // ahead of cursor 1: read back after the gap bound
    await().atMost(Duration.ofSeconds(5)).until(() -> link.frames("text").size() == 1);
    on(() -> services.storeNext(1));
    await().atMost(Duration.ofSeconds(5)).until(() -> link.frames("ack").size() == 1);
    assertThat(link.frames("text")).extracting(text -> text.getLong("cursor")).containsExactly(2L);
    assertThat(link.frames("text")).noneMatch(text -> "own-1".equals(text.getString("cid")));
  }
}
