package io.github.minichat.message;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ConversationPage;
import io.github.minichat.common.ConversationPrefs;
import io.github.minichat.common.ConversationsRequest;
import io.github.minichat.common.GroupCommand;
import io.github.minichat.common.GroupHistoryRequest;
import io.github.minichat.common.GroupInfo;
import io.github.minichat.common.GroupList;
import io.github.minichat.common.GroupListRequest;
import io.github.minichat.common.GroupMembers;
import io.github.minichat.common.GroupMembersRequest;
import io.github.minichat.common.GroupRead;
import io.github.minichat.common.GroupSend;
import io.github.minichat.common.HistoryPage;
import io.github.minichat.common.Replies;
import io.github.minichat.common.SendResult;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.presence.api.RouteTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;

/**
 * The group and conversation-list requests of the event bus: group sends (batched like one-to-one ones, then
 * pushed), membership changes (their notices pushed), the lists, group history and read marks (counts and
 * receipts pushed), pin and mute. Runs on its message-service verticle's event loop.
 */
final class GroupRequests {

  private final GroupSendStore sendStore;
  private final GroupCommit<GroupSend, GroupStored> batches;
  private final GroupStore groups;
  private final ReceiptFlusher receipts;
  private final ConversationStore conversations;
  private final DeliveryRouter router;
  private final RouteTable routes;
  private final FileRecords files;

  GroupRequests(Vertx vertx, Pool pool, MessageServiceConfig config, DeliveryRouter router, RouteTable routes,
                FileRecords files) {
    this.router = router;
    this.files = files;
    this.routes = routes;
    this.sendStore = new GroupSendStore(pool);
    this.batches = new GroupCommit<>(config.batchSize(), config.batchesInFlight(), config.sendQueue(),
        request -> new MessageStoreVerticle.SenderCid(request.fromId(), request.cid()), this::storeBatch);
    this.groups = new GroupStore(pool, config.groups());
    this.receipts = new ReceiptFlusher(vertx, config.groups().receiptFlush(), groups::receipts,
        router::pushReceipts);
    this.conversations = new ConversationStore(pool);
  }

  Future<?> register(EventBus eventBus) {
    return Future.all(List.of(
        eventBus.consumer(Addresses.GROUP_SEND, Replies.of(this::send)).completion(),
        eventBus.consumer(Addresses.GROUP_COMMAND, Replies.of(this::change)).completion(),
        eventBus.consumer(Addresses.GROUP_LIST, Replies.of(this::list)).completion(),
        eventBus.consumer(Addresses.GROUP_MEMBERS, Replies.of(this::members)).completion(),
        eventBus.consumer(Addresses.GROUP_HISTORY, Replies.of(this::history)).completion(),
        eventBus.consumer(Addresses.GROUP_READ, Replies.of(this::markRead)).completion(),
        eventBus.consumer(Addresses.CONVERSATIONS, Replies.of(this::conversations)).completion(),
        eventBus.consumer(Addresses.CONVERSATION_PREFS, Replies.of(this::prefs)).completion()));
  }

  void close() {
    receipts.close();
  }

  private Future<SendResult> send(GroupSend request) {
    if (request.text() == null) {
      return Future.failedFuture(new ChatException(ChatError.INVALID_FIELD, "text is required"));
    }
    Future<GroupSend> complete = request.fileId() == null ? Future.succeededFuture(request)
        : files.sendable(request.fromId(), request.fileId()).map(request::withAttachment);
    return complete.compose(batches::submit).map(stored -> new SendResult(stored.message(), stored.duplicate()));
  }

  /**
   * One batch of group sends: one transaction, then one push per gateway. Repeats are pushed again to every current
   * member, as one-to-one repeats are: the first attempt's push may have been lost with a message service that died
   * after its commit; gateways drop what a connection already has.
   */
  private Future<List<Future<GroupStored>>> storeBatch(List<GroupSend> batch) {
    return sendStore.store(batch).onSuccess(outcomes -> {
      List<DeliveryRouter.GroupPush> pushes = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        Future<GroupStored> outcome = outcomes.get(i);
        if (outcome.failed()) {
          continue;
        }
        String origin = batch.get(i).originConnection();
        if (outcome.result().duplicate()) {
          groups.holders(outcome.result())
              .onSuccess(holders -> router.deliverGroups(List.of(new DeliveryRouter.GroupPush(holders, origin))))
              .onFailure(failure -> router.deliverGroups(List.of(new DeliveryRouter.GroupPush(outcome.result(),
                  origin))));
        } else {
          MessageMetrics.messageStored();
          pushes.add(new DeliveryRouter.GroupPush(outcome.result(), origin));
        }
      }
      router.deliverGroups(pushes);
    });
  }

  /** A change's system message is pushed to its holders like any group message. */
  private Future<GroupInfo> change(GroupCommand command) {
    return groups.change(command)
        .onSuccess(changed -> {
          if (changed.notice() != null) {
            router.deliverGroups(List.of(new DeliveryRouter.GroupPush(changed.notice(), null)));
          }
        })
        .map(GroupStore.Changed::group);
  }

  private Future<GroupList> list(GroupListRequest request) {
    return groups.groups(request.userId());
  }

  private Future<GroupMembers> members(GroupMembersRequest request) {
    return groups.members(request.userId(), request.groupId(), user -> !routes.gatewaysOf(user).isEmpty());
  }

  private Future<HistoryPage> history(GroupHistoryRequest request) {
    GroupHistoryRequest bounded = new GroupHistoryRequest(request.userId(), request.groupId(), request.before(),
        MessageStoreVerticle.clamp(request.limit()), false);
    // read first, as one-to-one history does, and through the same path, so that counts and receipts are pushed
    Future<Void> read = request.markRead()
        ? markRead(new GroupRead(request.userId(), request.groupId(), null)).mapEmpty()
        : Future.succeededFuture();
    return read.compose(ignored -> groups.history(bounded));
  }

  private Future<UnreadCount> markRead(GroupRead request) {
    return groups.markRead(request)
        .onSuccess(marked -> {
          if (marked.unread().version() > 0) {
            router.pushUnread(marked.unread());
          }
          receipts.marked(request.groupId(), marked.after(), marked.upTo());
        })
        .map(GroupStore.Marked::unread);
  }

  private Future<ConversationPage> conversations(ConversationsRequest request) {
    return conversations.list(request);
  }

  private Future<UnreadCount> prefs(ConversationPrefs request) {
    return conversations.prefs(request).onSuccess(count -> {
      if (count.version() > 0) {
        router.pushUnread(count);
      }
    });
  }
}
