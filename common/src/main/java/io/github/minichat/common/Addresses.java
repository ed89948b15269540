package io.github.minichat.common;

/**
 * Every event-bus address of the system, defined once. Services talk only through these addresses and the
 * message records of this package; none reaches into another's classes.
 *
 * <p>Deliveries go to one address per gateway node ({@link #gatewayDeliveries(String)}), never to one address
 * per user: a clustered consumer registration is a cluster-wide write, so per-user addresses would not scale.
 */
public final class Addresses {

  /** {@link SendMessage} -> {@link SendResult}: store a message (idempotent by sender + cid). */
  public static final String MESSAGE_SEND = "chat.message.send";
  /**
   * {@link SendBatch} -> {@link SendOutcomes}: the sends one gateway event loop took in during one turn, stored as
   * if sent one by one to {@link #MESSAGE_SEND}, answered together, each with its own result or error.
   */
  public static final String MESSAGE_SEND_BATCH = "chat.message.send-batch";
  /**
   * {@link SendBatch} -> {@link SendOutcomes}: one connection's sends, each with a distinct cid, in the client's
   * order, stored together in that order (never a later one before an earlier one), each answered on its own.
   */
  public static final String MESSAGE_SEND_RUN = "chat.message.send-run";
  /** {@link SyncRequest} -> {@link SyncPage}: what a user missed since a cursor. */
  public static final String MESSAGE_SYNC = "chat.message.sync";
  /** {@link HistoryRequest} -> {@link HistoryPage}: one page of a conversation. */
  public static final String MESSAGE_HISTORY = "chat.message.history";
  /** {@link UnreadRequest} -> {@link UnreadSummary}. */
  public static final String MESSAGE_UNREAD = "chat.message.unread";
  /** {@link InboxRequest} -> {@link InboxState}: where a user's inbox stands, read when a connection is bound. */
  public static final String MESSAGE_INBOX = "chat.message.inbox";
  /** {@link MarkRead} -> {@link UnreadCount}. */
  public static final String MESSAGE_READ = "chat.message.read";

  /** {@link MessageChange} -> {@link MessageChanged}: recall a message, or delete it for oneself. */
  public static final String MESSAGE_CHANGE = "chat.message.change";
  /** {@link Typing}, one-way: forwarded to the recipient's connections that have the typist's chat open. */
  public static final String MESSAGE_TYPING = "chat.message.typing";
  /** {@link FileRegistration} -> {@link FileRegistration}: record a stored upload. */
  public static final String FILE_REGISTER = "chat.file.register";
  /** {@link FileAccess} -> {@link Attachment}: whether a user may read an upload. */
  public static final String FILE_ACCESS = "chat.file.access";
  /** {@link FileSweep} -> {@link FileSweep}: claim expired uploads for deletion. */
  public static final String FILE_SWEEP = "chat.file.sweep";

  /** {@link GroupSend} -> {@link SendResult}: store a group message (idempotent by sender + cid). */
  public static final String GROUP_SEND = "chat.group.send";
  /** {@link GroupCommand} -> {@link GroupInfo}: create, rename, add, remove, leave, dissolve, set roles. */
  public static final String GROUP_COMMAND = "chat.group.command";
  /** {@link GroupListRequest} -> {@link GroupList}. */
  public static final String GROUP_LIST = "chat.group.list";
  /** {@link GroupMembersRequest} -> {@link GroupMembers} (members only). */
  public static final String GROUP_MEMBERS = "chat.group.members";
  /** {@link GroupHistoryRequest} -> {@link HistoryPage} (members only). */
  public static final String GROUP_HISTORY = "chat.group.history";
  /** {@link GroupRead} -> {@link UnreadCount} (members only). */
  public static final String GROUP_READ = "chat.group.read";
  /** {@link ConversationsRequest} -> {@link ConversationPage}. */
  public static final String CONVERSATIONS = "chat.conversations.list";
  /** {@link ConversationPrefs} -> {@link UnreadCount}: pin or mute a conversation. */
  public static final String CONVERSATION_PREFS = "chat.conversations.prefs";

  /** {@link ConnectionEvent}, one-way: a connection was bound to a user. */
  public static final String PRESENCE_CONNECTED = "chat.presence.connected";
  /** {@link ConnectionEvent}, one-way: a connection closed. */
  public static final String PRESENCE_DISCONNECTED = "chat.presence.disconnected";
  /** {@link ViewingChanged}, one-way: the chat a connection has open changed. */
  public static final String PRESENCE_VIEWING = "chat.presence.viewing";
  /** {@link PresenceQuery} -> {@link PresenceStatus}. */
  public static final String PRESENCE_QUERY = "chat.presence.query";
  /** {@link UserRoute}, published to every message service's route table when a connection opens another chat. */
  public static final String ROUTE_CHANGED = "chat.route.changed";
  /** {@link PresenceStatus}, published to every gateway when a user goes online or offline. */
  public static final String PRESENCE_CHANGED = "chat.presence.changed";

  private Addresses() {
  }

  /**
   * {@link PushBatch}es (stored messages, unread counts) for the connections held by one gateway node. The message
   * service finds the node of each user in its copy of the presence routes.
   */
  public static String gatewayDeliveries(String gatewayId) {
    return "chat.gateway." + gatewayId + ".deliver";
  }
}
