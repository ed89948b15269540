package io.github.minichat.gateway;

import io.github.minichat.common.ConnectionEvent;
import io.github.minichat.common.ConversationPage;
import io.github.minichat.common.ConversationPrefs;
import io.github.minichat.common.ConversationsRequest;
import io.github.minichat.common.GroupCommand;
import io.github.minichat.common.GroupHistoryRequest;
import io.github.minichat.common.GroupInfo;
import io.github.minichat.common.GroupList;
import io.github.minichat.common.GroupMembers;
import io.github.minichat.common.GroupMembersRequest;
import io.github.minichat.common.GroupRead;
import io.github.minichat.common.GroupSend;
import io.github.minichat.common.HistoryPage;
import io.github.minichat.common.HistoryRequest;
import io.github.minichat.common.InboxState;
import io.github.minichat.common.MarkRead;
import io.github.minichat.common.MessageChange;
import io.github.minichat.common.MessageChanged;
import io.github.minichat.common.Typing;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.common.SendMessage;
import io.github.minichat.common.SendResult;
import io.github.minichat.common.SyncPage;
import io.github.minichat.common.SyncRequest;
import io.github.minichat.common.UnreadCount;
import io.github.minichat.common.UnreadSummary;
import io.github.minichat.common.ViewingChanged;
import io.vertx.core.Future;

/**
 * What the gateway asks of the message and presence services: {@link ServiceClient} over the event bus, or a test's
 * stand-in. Client requests hold room in a bounded budget of pending requests; a full budget refuses them as
 * retryable {@code overloaded}.
 */
interface Services {

  /** Reserves room for one client request, or throws {@code overloaded}; {@link #release()} gives it back. */
  void reserve();

  void release();

  /** Stores a message, on room reserved by the caller; a send with a cid is retried on retryable failures. */
  Future<SendResult> sendReserved(SendMessage request);

  /** Stores a message, reserving room for it. */
  Future<SendResult> send(SendMessage request);

  /** Stores a group message, on room reserved by the caller; retried on retryable failures (it has a cid). */
  Future<SendResult> sendToGroupReserved(GroupSend request);

  /** Stores a group message, reserving room for it. */
  Future<SendResult> sendToGroup(GroupSend request);

  Future<GroupInfo> changeGroup(GroupCommand command);

  Future<GroupList> groups(long userId);

  Future<GroupMembers> groupMembers(GroupMembersRequest request);

  Future<HistoryPage> groupHistory(GroupHistoryRequest request);

  Future<UnreadCount> readGroup(GroupRead request);

  Future<ConversationPage> conversations(ConversationsRequest request);

  Future<UnreadCount> conversationPrefs(ConversationPrefs request);

  Future<SyncPage> sync(SyncRequest request);

  Future<HistoryPage> history(HistoryRequest request);

  Future<UnreadSummary> unread(long userId);

  /** Where the user's inbox stands (read when a connection is bound). */
  Future<InboxState> inbox(long userId);

  Future<UnreadCount> markRead(MarkRead request);

  /** Recalls a message, or deletes it for the user. */
  Future<MessageChanged> change(MessageChange change);

  /** Tells a peer the user is typing (one-way, never stored). */
  void typing(Typing typing);

  Future<PresenceStatus> presence(long userId);

  Future<PresenceStatus> connected(ConnectionEvent event);

  /** Reports a closed connection; retried until presence has it (or a long deadline passes). */
  Future<Boolean> disconnected(ConnectionEvent event);

  /** Which chat a connection has open. */
  Future<Boolean> viewing(ViewingChanged change);
}
