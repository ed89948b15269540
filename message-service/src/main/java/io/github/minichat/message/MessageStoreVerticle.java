package io.github.minichat.message;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.Delivery;
import io.github.minichat.common.HistoryPage;
import io.github.minichat.common.HistoryRequest;
import io.github.minichat.common.InboxRequest;
import io.github.minichat.common.InboxState;
import io.github.minichat.common.MarkRead;
import io.github.minichat.common.Replies;
import io.github.minichat.common.SendBatch;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.SendOutcomes;
import io.github.minichat.common.SendOutcomes.Outcome;
import io.github.minichat.common.SendResult;
import io.github.minichat.common.SyncPage;
import io.github.minichat.common.SyncRequest;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.common.UnreadRequest;
import io.github.minichat.common.UnreadSummary;
import io.github.minichat.presence.api.RouteTable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the message requests of the event bus: stores sends, one-to-one and to groups (then has them pushed),
 * changes groups, serves sync, history, unread counts, group lists and the conversation list, and marks messages
 * read (then has the counts and the group receipts pushed).
 */
public final class MessageStoreVerticle extends VerticleBase {

  static final int MAX_PAGE = 500;

  private static final Logger LOG = LoggerFactory.getLogger(MessageStoreVerticle.class);

  private final PgConnectOptions connectOptions;
  private final MessageServiceConfig config;
  private final RouteTable routes;
  private Pool pool;
  private ChatStore store;
  private BatchStore batchStore;
  private DeliveryRouter router;
  private GroupCommit<SendMessage, ChatStore.Stored> batches;
  private GroupRequests groupRequests;

  public MessageStoreVerticle(PgConnectOptions connectOptions, MessageServiceConfig config, RouteTable routes) {
    this.connectOptions = connectOptions;
    this.config = config;
    this.routes = routes;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.poolSize()).setMaxWaitQueueSize(config.poolWaitQueue()))
        .connectingTo(connectOptions)
        .using(vertx)
        .build();
    store = new ChatStore(pool);
    batchStore = new BatchStore(pool, config.pairWindow());
    EventBus eventBus = vertx.eventBus();
    router = new DeliveryRouter(eventBus, routes);
    batches = new GroupCommit<>(config.batchSize(), config.batchesInFlight(), config.sendQueue(),
        request -> new SenderCid(request.fromId(), request.cid()), this::storeBatch);
    groupRequests = new GroupRequests(vertx, pool, config, router, routes);
    return Future.all(List.of(
        eventBus.consumer(Addresses.MESSAGE_SEND, Replies.of(this::send)).completion(),
        eventBus.consumer(Addresses.MESSAGE_SEND_BATCH, Replies.of(this::sendAll)).completion(),
        eventBus.consumer(Addresses.MESSAGE_SYNC, Replies.of(this::sync)).completion(),
        eventBus.consumer(Addresses.MESSAGE_HISTORY, Replies.of(this::history)).completion(),
        eventBus.consumer(Addresses.MESSAGE_UNREAD, Replies.of(this::unread)).completion(),
        eventBus.consumer(Addresses.MESSAGE_INBOX, Replies.of(this::inbox)).completion(),
        eventBus.consumer(Addresses.MESSAGE_READ, Replies.of(this::markRead)).completion(),
        groupRequests.register(eventBus)));
  }

  @Override
  public Future<?> stop() {
    if (groupRequests != null) {
      groupRequests.close();
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  private Future<SendResult> send(SendMessage request) {
    if (request.fromId() == request.toId()) {
      return Future.failedFuture(new ChatException(ChatError.SELF_MESSAGE, "cannot send a message to yourself"));
    }
    if (request.text() == null) {
      return Future.failedFuture(new ChatException(ChatError.INVALID_FIELD, "text is required"));
    }
    return batches.submit(request).map(stored -> new SendResult(stored.message(), stored.duplicate()));
  }

  /** Each send as if it came alone; answered once every one has its outcome. */
  private Future<SendOutcomes> sendAll(SendBatch batch) {
    List<Future<SendResult>> results = batch.sends().stream().map(this::sendGuarded).toList();
    return Future.join(results).transform(ignored -> Future.succeededFuture(new SendOutcomes(results.stream()
        .map(result -> result.succeeded() ? Outcome.of(result.result()) : failed(result.cause()))
        .toList())));
  }

  private static Outcome failed(Throwable failure) {
    if (ChatError.of(failure) == ChatError.INTERNAL) {
      LOG.error("A send of a batch failed", failure); // as Replies logs a single request's
    }
    return Outcome.of(failure);
  }

  private Future<SendResult> sendGuarded(SendMessage request) {
    try {
      return send(request);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Sends with the same sender and cid never share a batch (the later one finds the earlier as a duplicate); nor do
   * a sender's sends without a cid (the later one may be the twin of the earlier).
   */
  record SenderCid(long fromId, String cid) {
  }

  /**
   * One batch of sends: one transaction (a message to a user who has the chat with its sender open is read on
   * arrival), then one push per gateway. Repeats are pushed too: a repeat is a client or gateway retrying a send
   * whose answer was lost, and the push of the first attempt may have been lost with it (a message service that
   * died between its commit and its push). Gateways drop what a connection already has.
   */
  private Future<List<Future<ChatStore.Stored>>> storeBatch(List<SendMessage> batch) {
    return batchStore.store(batch.stream()
            .map(request -> new BatchStore.Item(request, router.isViewing(request.toId(), request.fromId())))
            .toList())
        .onSuccess(outcomes -> pushStored(batch, outcomes));
  }

  private void pushStored(List<SendMessage> batch, List<Future<ChatStore.Stored>> outcomes) {
    List<Delivery> deliveries = new ArrayList<>();
    Map<Long, UnreadCount> newestUnread = new HashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      Future<ChatStore.Stored> outcome = outcomes.get(i);
      if (outcome == null || outcome.failed()) {
        continue;
      }
      ChatStore.Stored stored = outcome.result();
      deliveries.add(new Delivery(stored.message(), batch.get(i).originConnection()));
      if (stored.duplicate()) {
        continue;
      }
      MessageMetrics.messageStored();
      if (!stored.message().read()) {
        newestUnread.merge(stored.recipientUnread().userId(), stored.recipientUnread(),
            (a, b) -> a.version() >= b.version() ? a : b);
      }
    }
    router.deliverAll(deliveries, newestUnread);
  }

  private Future<SyncPage> sync(SyncRequest request) {
    return store.sync(new SyncRequest(request.userId(), Math.max(0, request.since()), clamp(request.limit())));
  }

  private Future<HistoryPage> history(HistoryRequest request) {
    HistoryRequest bounded = new HistoryRequest(request.userId(), request.peer(), request.before(),
        clamp(request.limit()), request.markRead());
    // read first, so the page shows what the user has now read
    Future<Void> read = bounded.markRead()
        ? markRead(new MarkRead(bounded.userId(), bounded.peer(), null)).mapEmpty()
        : Future.succeededFuture();
    return read.compose(ignored -> store.history(bounded));
  }

  private Future<UnreadSummary> unread(UnreadRequest request) {
    return store.unread(request.userId());
  }

  private Future<InboxState> inbox(InboxRequest request) {
    return store.inbox(request.userId());
  }

  private Future<UnreadCount> markRead(MarkRead request) {
    return store.markRead(request.userId(), request.peer(), request.upTo())
        .onSuccess(count -> {
          if (count.version() > 0) {
            router.pushUnread(count);
          }
        });
  }

  static int clamp(int limit) {
    return Math.max(1, Math.min(MAX_PAGE, limit));
  }
}
