package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.MessageChange;
import io.github.minichat.common.MessageChanged;
import io.github.minichat.common.Typing;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.ConnectionEvent;
import io.github.minichat.common.ConversationPage;
import io.github.minichat.common.ConversationPrefs;
import io.github.minichat.common.ConversationsRequest;
import io.github.minichat.common.GroupCommand;
import io.github.minichat.common.GroupHistoryRequest;
import io.github.minichat.common.GroupInfo;
import io.github.minichat.common.GroupList;
import io.github.minichat.common.GroupMember;
import io.github.minichat.common.GroupMembers;
import io.github.minichat.common.GroupMembersRequest;
import io.github.minichat.common.GroupRead;
import io.github.minichat.common.GroupSend;
import io.github.minichat.common.HistoryPage;
import io.github.minichat.common.HistoryRequest;
import io.github.minichat.common.InboxState;
import io.github.minichat.common.MarkRead;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.SendResult;
import io.github.minichat.common.SyncPage;
import io.github.minichat.common.SyncRequest;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.common.UnreadSummary;
import io.github.minichat.common.ViewingChanged;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The message and presence services as a connection sees them, held in memory, each answer in the test's hands:
 * presence's connect answers when the test says so, sends are stored (and answered) one by one on demand, and
 * the store's inbox for the user is a list the test fills. Used on the connection's event loop only, except where
 * methods are synchronized.
 */
final class FakeServices implements Services {

  final Promise<PresenceStatus> connectAnswer = Promise.promise();
  final List<ConnectionEvent> disconnects = new ArrayList<>();
  final List<SendMessage> sendsReceived = new ArrayList<>();
  private final List<Promise<SendResult>> sendAnswers = new ArrayList<>();
  /** The user's inbox in the store, by cursor. */
  final List<ChatMessage> inbox = new ArrayList<>();
  long unread;
  int maxPending = Integer.MAX_VALUE;
  int pending;
  int syncs;

  @Override
  public void reserve() {
    if (pending >= maxPending) {
      throw new ChatException(ChatError.OVERLOADED, "busy", 1_000);
    }
    pending++;
  }

  @Override
  public void release() {
    pending--;
  }

  @Override
  public synchronized Future<SendResult> sendReserved(SendMessage request) {
    sendsReceived.add(request);
    Promise<SendResult> answer = Promise.promise();
    sendAnswers.add(answer);
    return answer.future();
  }

  /** Answers the oldest unanswered send as stored at the given sender cursor. */
  synchronized void storeNext(long senderCursor) {
    int index = (int) sendAnswers.stream().filter(promise -> promise.future().isComplete()).count();
    SendMessage request = sendsReceived.get(index);
    ChatMessage stored = new ChatMessage(senderCursor, senderCursor, request.fromId(), request.toId(), request.text(),
        false, System.currentTimeMillis(), senderCursor, 1, request.cid());
    sendAnswers.get(index).complete(new SendResult(stored, false));
  }

  synchronized int sendsAnswered() {
    return (int) sendAnswers.stream().filter(promise -> promise.future().isComplete()).count();
  }

  @Override
  public Future<SendResult> send(SendMessage request) {
    reserve();
    return sendReserved(request).andThen(ignored -> release());
  }

  /** Group sends, each answered at once as stored at the next sender cursor the test set in {@link #groupCursor}. */
  final List<GroupSend> groupSendsReceived = new ArrayList<>();
  long groupCursor;
  final List<GroupRead> groupReads = new ArrayList<>();

  @Override
  public synchronized Future<SendResult> sendToGroupReserved(GroupSend request) {
    groupSendsReceived.add(request);
    long cursor = ++groupCursor;
    ChatMessage stored = new ChatMessage(cursor, groupSendsReceived.size(), request.fromId(), 0, request.text(),
        false, System.currentTimeMillis(), cursor, 0, request.cid(), request.groupId(), false, false);
    return Future.succeededFuture(new SendResult(stored, false));
  }

  @Override
  public Future<SendResult> sendToGroup(GroupSend request) {
    reserve();
    return sendToGroupReserved(request).andThen(ignored -> release());
  }

  @Override
  public Future<GroupInfo> changeGroup(GroupCommand command) {
    return Future.failedFuture("not used");
  }

  @Override
  public Future<GroupList> groups(long userId) {
    return Future.failedFuture("not used");
  }

  /** Members of any group: the user and user 99 (online); group 13 refuses everyone. */
  @Override
  public Future<GroupMembers> groupMembers(GroupMembersRequest request) {
    if (request.groupId() == 13) {
      return Future.failedFuture(new ChatException(ChatError.FORBIDDEN, "not a member"));
    }
    return Future.succeededFuture(new GroupMembers(request.groupId(), List.of(
        new GroupMember(request.userId(), "owner", 0, true), new GroupMember(99, "member", 0, true))));
  }

  @Override
  public Future<HistoryPage> groupHistory(GroupHistoryRequest request) {
    return Future.failedFuture("not used");
  }

  @Override
  public synchronized Future<UnreadCount> readGroup(GroupRead request) {
    groupReads.add(request);
    return Future.succeededFuture(new UnreadCount(request.userId(), 0, 1));
  }

  @Override
  public Future<ConversationPage> conversations(ConversationsRequest request) {
    return Future.failedFuture("not used");
  }

  @Override
  public Future<UnreadCount> conversationPrefs(ConversationPrefs request) {
    return Future.failedFuture("not used");
  }

  @Override
  public synchronized Future<SyncPage> sync(SyncRequest request) {
    syncs++;
    List<ChatMessage> page = inbox.stream()
        .filter(message -> message.cursorFor(request.userId()) > request.since())
        .limit(request.limit())
        .toList();
    long cursor = page.isEmpty() ? request.since() : page.get(page.size() - 1).cursorFor(request.userId());
    boolean more = inbox.stream().anyMatch(message -> message.cursorFor(request.userId()) > cursor);
    return Future.succeededFuture(new SyncPage(page, cursor, more));
  }

  @Override
  public Future<HistoryPage> history(HistoryRequest request) {
    return Future.failedFuture("not used");
  }

  @Override
  public Future<UnreadSummary> unread(long userId) {
    return Future.succeededFuture(new UnreadSummary(unread, Map.of(), 1));
  }

  @Override
  public synchronized Future<InboxState> inbox(long userId) {
    long last = inbox.stream().mapToLong(message -> message.cursorFor(userId)).max().orElse(0);
    return Future.succeededFuture(new InboxState(userId, last, unread, 1));
  }

  @Override
  public Future<UnreadCount> markRead(MarkRead request) {
    return Future.succeededFuture(new UnreadCount(request.userId(), 0, 2));
  }

  /** Changes are recorded; each answers as if the message were the peer's 1st. */
  final List<MessageChange> changes = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Typing hints forwarded. */
  final List<Typing> typings = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public Future<MessageChanged> change(MessageChange change) {
    changes.add(change);
    return Future.succeededFuture(new MessageChanged(change.messageId(), 0, 1));
  }

  @Override
  public void typing(Typing typing) {
    typings.add(typing);
  }

  @Override
  public Future<PresenceStatus> presence(long userId) {
    return Future.succeededFuture(new PresenceStatus(userId, true, null));
  }

  @Override
  public Future<PresenceStatus> connected(ConnectionEvent event) {
    return connectAnswer.future();
  }

  @Override
  public synchronized Future<Boolean> disconnected(ConnectionEvent event) {
    disconnects.add(event);
    return Future.succeededFuture(true);
  }

  @Override
  public Future<Boolean> viewing(ViewingChanged change) {
    return Future.succeededFuture(true);
  }
}
