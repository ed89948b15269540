package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.Codecs;
import io.github.minichat.common.MessageServiceBeacon;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendBatch;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.SendOutcomes;
import io.github.minichat.common.SendResult;
import io.github.minichat.platform.Env;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The gateway's sends over a real event bus, to two stand-in message services: where each conversation's sends go,
 * and what happens to them when the service they are routed to has gone or does not answer.
 */
class ServiceClientRoutingTest {

  private static final String ANY = "any service";
  private static final int CONVERSATIONS = 200;

  private final Vertx vertx = Vertx.vertx();
  private final Context loop = vertx.getOrCreateContext();
  private final MessageServiceRing ring = new MessageServiceRing(System::nanoTime);
  /** Each send as a stand-in service took it: which service, and the send. */
  private final List<Taken> taken = new CopyOnWriteArrayList<>();
  private final Map<String, MessageConsumer<?>> services = new ConcurrentHashMap<>();
  private ServiceClient client;

  private record Taken(String service, SendMessage send) {
    long conversation() {
      return Math.min(send.fromId(), send.toId()) * 1_000_000 + Math.max(send.fromId(), send.toId());
    }
  }

  @BeforeEach
  void start() throws Exception {
    Codecs.register(vertx);
    answering("ms-1", Addresses.messageServiceSends("ms-1"));
    answering("ms-2", Addresses.messageServiceSends("ms-2"));
    answering(ANY, Addresses.MESSAGE_SEND_BATCH);
    services.put("single", vertx.eventBus().<SendMessage>consumer(Addresses.MESSAGE_SEND, message -> {
      taken.add(new Taken(ANY, message.body()));
      message.reply(stored(message.body()));
    }));
    ring.heard(new MessageServiceBeacon("ms-1", 60_000));
    ring.heard(new MessageServiceBeacon("ms-2", 60_000));
    GatewayConfig config = GatewayConfig.from(new Env(Map.of("CHAT_BUS_TIMEOUT_MS", "300")), "routing-test");
    client = onLoop(() -> Future.succeededFuture(new ServiceClient(vertx, config, ring)));
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  @DisplayName("every send of a conversation, whoever sends it, goes to the conversation's service; both services take some")
  void aConversationsSendsGoToOneService() throws Exception {
    List<SendMessage> sends = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (long user = 1; user <= 2 * CONVERSATIONS; user += 2) {
        boolean back = (round + user / 2) % 2 == 1;
        sends.add(send(back ? user + 1 : user, back ? user : user + 1, round == 1 ? null : "c" + round));
      }
    }

    List<SendResult> results = sendInOneTurn(sends);

    assertThat(results).hasSize(sends.size());
    assertThat(taken).hasSize(sends.size());
    Map<Long, Set<String>> servicesOf = new ConcurrentHashMap<>();
    taken.forEach(each -> servicesOf.computeIfAbsent(each.conversation(), key -> ConcurrentHashMap.newKeySet())
        .add(each.service()));
    assertThat(servicesOf).hasSize(CONVERSATIONS);
    assertThat(servicesOf.values()).allSatisfy(chosen -> assertThat(chosen).hasSize(1));
    assertThat(taken).allSatisfy(each -> assertThat(each.service())
        .isEqualTo(ring.serviceFor(each.send().fromId(), each.send().toId())));
    assertThat(taken.stream().map(Taken::service).distinct()).containsExactlyInAnyOrder("ms-1", "ms-2");
  }

  @Test
  @DisplayName("a service gone from the bus: its conversations' sends go to any service at once, cid or not, none lost")
  void aServiceGoneFromTheBus() throws Exception {
    services.get("ms-1").unregister().await(10, TimeUnit.SECONDS);
    List<SendMessage> sends = new ArrayList<>();
    for (long user = 1; user <= 2 * CONVERSATIONS; user += 2) {
      sends.add(send(user, user + 1, user % 4 == 1 ? null : "c" + user));
    }

    List<SendResult> results = sendInOneTurn(sends);

    assertThat(results).extracting(result -> result.message().data())
        .containsExactlyElementsOf(sends.stream().map(SendMessage::text).toList());
    assertThat(taken).hasSize(sends.size());
    assertThat(taken).extracting(Taken::service).doesNotContain("ms-1").contains(ANY, "ms-2");
    assertThat(ring.serviceFor(1, 2)).isEqualTo("ms-2"); // forgotten: every conversation now goes to ms-2
    assertThat(taken.stream().filter(each -> each.service().equals(ANY)).count()).isPositive();
  }

  @Test
  @DisplayName("a service that does not answer: the send times out, the retry goes to any service and is answered")
  void aServiceThatDoesNotAnswer() throws Exception {
    services.get("ms-2").unregister().await(10, TimeUnit.SECONDS);
    services.put("ms-2", vertx.eventBus().<SendBatch>consumer(Addresses.messageServiceSends("ms-2"),
        message -> message.body().sends().forEach(send -> taken.add(new Taken("ms-2", send))))); // never answers
    long from = 1;
    while (!"ms-2".equals(ring.serviceFor(from, from + 1))) {
      from += 2;
    }
    long user = from;

    SendResult result = onLoop(() -> client.send(send(user, user + 1, "slow")));

    assertThat(result.message().cid()).isEqualTo("slow");
    assertThat(taken).extracting(Taken::service).containsExactly("ms-2", ANY);
    assertThat(ring.serviceFor(user, user + 1)).isEqualTo("ms-1");
  }

  /** Sends all of {@code sends} in one turn of the client's event loop, as a busy loop does, and waits for each. */
  private List<SendResult> sendInOneTurn(List<SendMessage> sends) throws Exception {
    return onLoop(() -> {
      List<Future<SendResult>> results = sends.stream().map(client::send).toList();
      return Future.all(results).map(all -> results.stream().map(Future::result).toList());
    });
  }

  private void answering(String service, String address) {
    services.put(service, vertx.eventBus().<SendBatch>consumer(address, message -> {
      message.body().sends().forEach(send -> taken.add(new Taken(service, send)));
      message.reply(new SendOutcomes(message.body().sends().stream()
          .map(send -> SendOutcomes.Outcome.of(stored(send))).toList()));
    }));
  }

  private static SendResult stored(SendMessage send) {
    return new SendResult(new ChatMessage(1, 1, send.fromId(), send.toId(), send.text(), false, 0, 1, 1, send.cid(),
        0, false, false, null, false), false);
  }

  private static SendMessage send(long from, long to, String cid) {
    return new SendMessage(from, to, from + ">" + to + ":" + cid, cid, Origin.WS, null);
  }

  /** Runs {@code action} on the client's event loop and waits for what it answers. */
  private <T> T onLoop(Supplier<Future<T>> action) throws Exception {
    Promise<T> answer = Promise.promise();
    loop.runOnContext(ignored -> action.get().onComplete(answer));
    return answer.future().await(10, TimeUnit.SECONDS);
  }
}
