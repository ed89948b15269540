package io.github.minichat.gateway;

import io.github.minichat.common.Addresses;
import io.github.minichat.common.Attachment;
import io.github.minichat.common.FileAccess;
import io.github.minichat.common.FileRegistration;
import io.github.minichat.common.FileSweep;
import io.github.minichat.common.MessageChange;
import io.github.minichat.common.MessageChanged;
import io.github.minichat.common.Typing;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ConnectionEvent;
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
import io.github.minichat.common.HistoryRequest;
import io.github.minichat.common.InboxRequest;
import io.github.minichat.common.InboxState;
import io.github.minichat.common.MarkRead;
import io.github.minichat.common.PresenceQuery;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.common.SendBatch;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.SendOutcomes;
import io.github.minichat.common.SendResult;
import io.github.minichat.common.SyncPage;
import io.github.minichat.common.SyncRequest;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.common.UnreadRequest;
import io.github.minichat.common.UnreadSummary;
import io.github.minichat.common.ViewingChanged;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The gateway's typed view of the message and presence services, each request with the configured timeout. One
 * per socket verticle, used on its event loop only.
 *
 * <p>Client requests are shed, not queued, once this event loop has its share of
 * {@link GatewayLimits#maxPendingRequests()} waiting for an answer: when the database or the bus falls behind the
 * arrival rate, clients get an immediate retryable {@code overloaded} instead of the gateway's heap filling with
 * requests that would time out anyway. Bookkeeping of closed connections is never shed.
 */
final class ServiceClient implements Services, FileRegistry {

  /** How long a closed connection's report to presence is retried before it is given up (and logged). */
  static final long DISCONNECT_REPORT_DEADLINE_MS = 300_000;

  /** Suggested wait before retrying a shed request. */
  static final long OVERLOAD_RETRY_MILLIS = 1_000;

  private final Vertx vertx;
  private final Context context;
  private final EventBus eventBus;
  private final DeliveryOptions options;
  private final int sendAttempts;
  private final int maxPending;
  private int pending;
  /** Sends taken in during this turn of the event loop, to leave together when it ends; null when none. */
  private List<PendingSend> turnSends;

  /** Made on the event loop it serves. */
  ServiceClient(Vertx vertx, GatewayConfig config) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.eventBus = vertx.eventBus();
    this.options = new DeliveryOptions().setSendTimeout(config.requestTimeout().toMillis());
    this.sendAttempts = config.sendAttempts();
    this.maxPending = Math.max(1, ceilDiv(config.limits().maxPendingRequests(), config.instances()));
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / Math.max(1, b);
  }

  /** Client requests of this event loop waiting for an answer. */
  int pending() {
    return pending;
  }

  /**
   * Reserves room for one client request, or refuses it with a retryable {@code overloaded}; the caller gives the
   * room back with {@link #release()} once the request is answered.
   */
  @Override
  public void reserve() {
    if (pending >= maxPending) {
      throw new ChatException(ChatError.OVERLOADED, "the server is busy; retry shortly", OVERLOAD_RETRY_MILLIS);
    }
    pending++;
  }

  @Override
  public void release() {
    pending--;
  }

  private <T> Future<T> admitted(Supplier<Future<T>> request) {
    try {
      reserve();
    } catch (ChatException e) {
      return Future.failedFuture(e);
    }
    return request.get().andThen(ignored -> release());
  }

  /**
   * Stores a message. A send with a cid is idempotent, so when its answer is lost or the store is briefly
   * unavailable (a message-service node died, the database restarts) it is sent again, with backoff, a bounded
   * number of times; the retry finds the message if the first attempt stored it.
   */
  @Override
  public Future<SendResult> send(SendMessage request) {
    return admitted(() -> sendReserved(request));
  }

  /** {@link #send} for a caller that has already {@link #reserve reserved} room (a socket queueing its sends). */
  @Override
  public Future<SendResult> sendReserved(SendMessage request) {
    return request.cid() == null ? sendOnce(request) : retrying(() -> sendOnce(request), 1);
  }

  /**
   * One attempt at a send. The sends of one event-loop turn (every socket read in it) leave together as one request,
   * answered send by send: one reply registration, timer and (in a cluster) encoded message per turn instead of per
   * send. A turn adds no wait: the batch leaves as soon as the loop has finished reading. Its size is bounded by
   * this loop's share of the pending requests, which every send holds from the moment it is accepted.
   */
  private Future<SendResult> sendOnce(SendMessage request) {
    if (turnSends == null) {
      turnSends = new ArrayList<>();
      context.runOnContext(ignored -> flushTurnSends());
    }
    Promise<SendResult> result = Promise.promise();
    turnSends.add(new PendingSend(request, result));
    return result.future();
  }

  private void flushTurnSends() {
    List<PendingSend> sends = turnSends;
    turnSends = null;
    if (sends.size() == 1) {
      this.<SendResult>request(Addresses.MESSAGE_SEND, sends.get(0).request()).onComplete(sends.get(0).result());
      return;
    }
    SendBatch batch = new SendBatch(sends.stream().map(PendingSend::request).toList());
    this.<SendOutcomes>request(Addresses.MESSAGE_SEND_BATCH, batch).onComplete(answer -> {
      for (int i = 0; i < sends.size(); i++) {
        Promise<SendResult> result = sends.get(i).result();
        if (answer.failed()) {
          result.fail(answer.cause()); // each is retried on its own, if it may be
        } else {
          SendOutcomes.Outcome outcome = answer.result().outcomes().get(i);
          if (outcome.result() != null) {
            result.complete(outcome.result());
          } else {
            result.fail(outcome.failure());
          }
        }
      }
    });
  }

  private record PendingSend(SendMessage request, Promise<SendResult> result) {
  }

  /** A request that may be applied twice, made again with backoff after a retryable failure, a bounded number of times. */
  private <T> Future<T> retrying(Supplier<Future<T>> request, int attempt) {
    return request.get().recover(failure -> {
      if (!ChatError.of(failure).retryable() || attempt >= sendAttempts) {
        return Future.failedFuture(failure);
      }
      return vertx.timer(100L << Math.min(attempt - 1, 4)).compose(ignored -> retrying(request, attempt + 1));
    });
  }

  @Override
  public Future<SendResult> sendToGroup(GroupSend request) {
    return admitted(() -> sendToGroupReserved(request));
  }

  @Override
  public Future<SendResult> sendToGroupReserved(GroupSend request) {
    return retrying(() -> request(Addresses.GROUP_SEND, request), 1);
  }

  /** Not retried: a second CREATE after a lost answer would make a second group. */
  @Override
  public Future<GroupInfo> changeGroup(GroupCommand command) {
    return admitted(() -> request(Addresses.GROUP_COMMAND, command));
  }

  @Override
  public Future<GroupList> groups(long userId) {
    return admitted(() -> request(Addresses.GROUP_LIST, new GroupListRequest(userId)));
  }

  @Override
  public Future<GroupMembers> groupMembers(GroupMembersRequest request) {
    return admitted(() -> request(Addresses.GROUP_MEMBERS, request));
  }

  @Override
  public Future<HistoryPage> groupHistory(GroupHistoryRequest request) {
    return admitted(() -> request(Addresses.GROUP_HISTORY, request));
  }

  @Override
  public Future<UnreadCount> readGroup(GroupRead request) {
    return admitted(() -> request(Addresses.GROUP_READ, request));
  }

  @Override
  public Future<ConversationPage> conversations(ConversationsRequest request) {
    return admitted(() -> request(Addresses.CONVERSATIONS, request));
  }

  @Override
  public Future<UnreadCount> conversationPrefs(ConversationPrefs request) {
    return admitted(() -> request(Addresses.CONVERSATION_PREFS, request));
  }

  @Override
  public Future<SyncPage> sync(SyncRequest request) {
    return admitted(() -> request(Addresses.MESSAGE_SYNC, request));
  }

  @Override
  public Future<HistoryPage> history(HistoryRequest request) {
    return admitted(() -> request(Addresses.MESSAGE_HISTORY, request));
  }

  @Override
  public Future<UnreadSummary> unread(long userId) {
    return admitted(() -> request(Addresses.MESSAGE_UNREAD, new UnreadRequest(userId)));
  }

  /** Where the user's inbox stands (read when a connection is bound). */
  @Override
  public Future<InboxState> inbox(long userId) {
    return admitted(() -> request(Addresses.MESSAGE_INBOX, new InboxRequest(userId)));
  }

  @Override
  public Future<UnreadCount> markRead(MarkRead request) {
    return admitted(() -> request(Addresses.MESSAGE_READ, request));
  }

  @Override
  public Future<PresenceStatus> presence(long userId) {
    return admitted(() -> request(Addresses.PRESENCE_QUERY, new PresenceQuery(userId)));
  }

  @Override
  public Future<PresenceStatus> connected(ConnectionEvent event) {
    return admitted(() -> request(Addresses.PRESENCE_CONNECTED, event));
  }

  /**
   * Reports a closed connection. Answered and retried, not sent one-way: a one-way send to a presence node that has
   * just died is dropped without a word, and the user would then stay online for good. For the same reason it is
   * retried for up to {@link #DISCONNECT_REPORT_DEADLINE_MS}, not a few times: when tens of thousands of clients
   * leave at once, presence may take longer than a few request timeouts to catch up. Pauses double up to about 13 s,
   * jittered so that the retries of a storm do not arrive together. Applying it twice is harmless (the second
   * finds the connection gone).
   */
  @Override
  public Future<Boolean> disconnected(ConnectionEvent event) {
    return reportDisconnect(event, 1, System.nanoTime() + DISCONNECT_REPORT_DEADLINE_MS * 1_000_000);
  }

  private Future<Boolean> reportDisconnect(ConnectionEvent event, int attempt, long deadlineNanos) {
    return this.<Boolean>request(Addresses.PRESENCE_DISCONNECTED, event).recover(failure -> {
      long pauseMillis = 100 + ThreadLocalRandom.current().nextLong(100L << Math.min(attempt, 7));
      if (!ChatError.of(failure).retryable() || System.nanoTime() + pauseMillis * 1_000_000 > deadlineNanos) {
        return Future.failedFuture(failure);
      }
      return vertx.timer(pauseMillis).compose(ignored -> reportDisconnect(event, attempt + 1, deadlineNanos));
    });
  }

  /** Which chat a connection has open; answered and retried like a disconnect (changes are numbered). */
  @Override
  public Future<Boolean> viewing(ViewingChanged change) {
    return retrying(() -> request(Addresses.PRESENCE_VIEWING, change), 1);
  }

  @Override
  public Future<MessageChanged> change(MessageChange change) {
    return admitted(() -> request(Addresses.MESSAGE_CHANGE, change));
  }

  /** A hint, sent once: a lost one only means an indicator not shown. */
  @Override
  public void typing(Typing typing) {
    eventBus.send(Addresses.MESSAGE_TYPING, typing);
  }

  @Override
  public Future<Void> register(FileRegistration registration) {
    return admitted(() -> this.<FileRegistration>request(Addresses.FILE_REGISTER, registration)).mapEmpty();
  }

  @Override
  public Future<Attachment> readable(long userId, String fileId) {
    return admitted(() -> request(Addresses.FILE_ACCESS, new FileAccess(userId, fileId)));
  }

  @Override
  public Future<List<String>> claimExpired(int limit) {
    return this.<FileSweep>request(Addresses.FILE_SWEEP, FileSweep.ask(limit)).map(FileSweep::fileIds);
  }

  private <T> Future<T> request(String address, Object body) {
    return eventBus.<T>request(address, body, options).map(Message::body);
  }
}
