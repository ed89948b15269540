package io.github.minichat.message;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.Delivery;
import io.github.minichat.common.HistoryPage;
import io.github.minichat.common.HistoryRequest;
import io.github.minichat.common.InboxRequest;
import io.github.minichat.common.InboxState;
import io.github.minichat.common.MarkRead;
import io.github.minichat.common.MessageChange;
import io.github.minichat.common.MessageChanged;
import io.github.minichat.common.Notice;
import io.github.minichat.common.Replies;
import io.github.minichat.common.SendBatch;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.SendOutcomes;
import io.github.minichat.common.SendOutcomes.Outcome;
import io.github.minichat.common.SendResult;
import io.github.minichat.common.SyncPage;
import io.github.minichat.common.SyncRequest;
import io.github.minichat.common.Typing;
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
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the message requests of the event bus: stores sends, one-to-one and to groups (then has them pushed),
 * changes groups, serves sync, history, unread counts, group lists and the conversation list, marks messages read
 * (then has the counts and the receipts pushed), recalls and hides messages, forwards typing, and keeps the
 * records of uploads.
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
  private FileRecords files;
  private MessageChanges changes;

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
    files = new FileRecords(pool, config.uploadTtl());
    changes = new MessageChanges(pool, config.recallWindow());
    groupRequests = new GroupRequests(vertx, pool, config, router, routes, files);
    return Future.all(List.of(
        eventBus.consumer(Addresses.MESSAGE_SEND, Replies.of(this::send)).completion(),
        eventBus.consumer(Addresses.MESSAGE_SEND_BATCH, Replies.of(this::sendAll)).completion(),
        eventBus.consumer(Addresses.MESSAGE_SEND_RUN, Replies.of(this::sendRun)).completion(),
        eventBus.consumer(Addresses.MESSAGE_SYNC, Replies.of(this::sync)).completion(),
        eventBus.consumer(Addresses.MESSAGE_HISTORY, Replies.of(this::history)).completion(),
        eventBus.consumer(Addresses.MESSAGE_UNREAD, Replies.of(this::unread)).completion(),
        eventBus.consumer(Addresses.MESSAGE_INBOX, Replies.of(this::inbox)).completion(),
        eventBus.consumer(Addresses.MESSAGE_READ, Replies.of(this::markRead)).completion(),
        eventBus.consumer(Addresses.MESSAGE_CHANGE, Replies.of(this::change)).completion(),
        eventBus.<Typing>consumer(Addresses.MESSAGE_TYPING, message -> typing(message.body())).completion(),
        eventBus.consumer(Addresses.FILE_REGISTER, Replies.of(files::register)).completion(),
        eventBus.consumer(Addresses.FILE_ACCESS, Replies.of(files::readable)).completion(),
        eventBus.consumer(Addresses.FILE_SWEEP, Replies.of(files::claimExpired)).completion(),
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
    return storable(request).compose(batches::submit).map(MessageStoreVerticle::result);
  }

  /** The send as it will be stored (its attachment checked and described), or why it cannot be. */
  private Future<SendMessage> storable(SendMessage request) {
    if (request.fromId() == request.toId()) {
      return Future.failedFuture(new ChatException(ChatError.SELF_MESSAGE, "cannot send a message to yourself"));
    }
    if (request.text() == null) {
      return Future.failedFuture(new ChatException(ChatError.INVALID_FIELD, "text is required"));
    }
    return request.fileId() == null ? Future.succeededFuture(request)
        : files.sendable(request.fromId(), request.fileId()).map(request::withAttachment);
  }

  private static SendResult result(ChatStore.Stored stored) {
    return new SendResult(stored.message(), stored.duplicate());
  }

  /**
   * One connection's sends, stored in their order in one batch ({@link GroupCommit#submitRun}): a send refused on
   * its own (a bad attachment) is left out, the others keep their order. A send whose cid an earlier one of the run
   * has is a repeat or a conflict, never a new message: it follows the run, answered as if it had come alone.
   */
  private Future<SendOutcomes> sendRun(SendBatch run) {
    List<Future<SendMessage>> checked = run.sends().stream().map(this::storableGuarded).toList();
    return Future.join(checked).transform(ignored -> {
      List<SendMessage> inRun = new ArrayList<>();
      Set<SenderCid> keys = new HashSet<>();
      for (Future<SendMessage> each : checked) {
        if (each.succeeded() && keys.add(new SenderCid(each.result().fromId(), each.result().cid()))) {
          inRun.add(each.result());
        }
      }
      Iterator<Future<ChatStore.Stored>> stored = batches.submitRun(inRun).iterator();
      List<Future<SendResult>> results = new ArrayList<>(checked.size());
      keys.clear();
      for (Future<SendMessage> each : checked) {
        if (each.failed()) {
          results.add(Future.failedFuture(each.cause()));
        } else if (keys.add(new SenderCid(each.result().fromId(), each.result().cid()))) {
          results.add(stored.next().map(MessageStoreVerticle::result));
        } else {
          results.add(batches.submit(each.result()).map(MessageStoreVerticle::result));
        }
      }
      return Future.join(results).transform(done -> Future.succeededFuture(new SendOutcomes(results.stream()
          .map(result -> result.succeeded() ? Outcome.of(result.result()) : failed(result.cause()))
          .toList())));
    });
  }

  private Future<SendMessage> storableGuarded(SendMessage request) {
    try {
      return storable(request);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
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
    List<Notice> readOnArrival = new ArrayList<>();
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
      ChatMessage message = stored.message();
      if (!message.read()) {
        newestUnread.merge(stored.recipientUnread().userId(), stored.recipientUnread(),
            (a, b) -> a.version() >= b.version() ? a : b);
      } else {
        // arrived in the recipient's open chat: its sender is told it was read
        readOnArrival.add(new Notice(Notice.Kind.READ, message.fromId(), message.toId(), message.id(),
            message.seq(), message.toId()));
      }
    }
    router.deliverAll(deliveries, newestUnread, readOnArrival);
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

  /** Marks read; the reader's devices get the new count, the sender's the highest message read. */
  private Future<UnreadCount> markRead(MarkRead request) {
    return store.markRead(request.userId(), request.peer(), request.upTo())
        .onSuccess(mark -> {
          List<Notice> receipt = mark.maxId() == 0 ? List.of()
              : List.of(new Notice(Notice.Kind.READ, request.peer(), request.userId(), mark.maxId(), mark.maxSeq(),
                  request.userId()));
          if (mark.count().version() > 0 || !receipt.isEmpty()) {
            router.pushNotices(receipt, mark.count().version() > 0 ? List.of(mark.count()) : List.of());
          }
        })
        .map(ChatStore.ReadMark::count);
  }

  private Future<MessageChanged> change(MessageChange change) {
    return changes.apply(change).onSuccess(outcome -> router.pushNotices(outcome.notices(),
            outcome.unread().version() > 0 ? List.of(outcome.unread()) : List.of()))
        .map(MessageChanges.Outcome::changed);
  }

  /** Typing is forwarded only to a recipient who has the typist's chat open, and only as a hint: never stored. */
  private void typing(Typing typing) {
    if (typing.fromId() != typing.toId() && router.isViewing(typing.toId(), typing.fromId())) {
      router.pushTyping(new Notice(Notice.Kind.TYPING, typing.toId(), typing.fromId(), 0, 0, typing.fromId()));
    }
  }

  static int clamp(int limit) {
    return Math.max(1, Math.min(MAX_PAGE, limit));
  }
}
