package io.github.minichat.common;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Registers the codec of every message record, once per Vert.x instance: binary for the records on every
 * message's path ({@link RecordWire}), JSON for the rest.
 */
public final class Codecs {

  private static final List<Class<? extends Record>> MESSAGE_TYPES = List.of(
      ChatMessage.class, SendMessage.class, SendResult.class, SendBatch.class, SendOutcomes.class, SyncRequest.class,
      SyncPage.class, HistoryRequest.class, HistoryPage.class, UnreadRequest.class, UnreadSummary.class, MarkRead.class,
      UnreadCount.class, ConnectionEvent.class, ViewingChanged.class, PresenceQuery.class, PresenceStatus.class,
      Delivery.class, PushBatch.class, UserRoute.class, InboxRequest.class, InboxState.class, GroupSend.class,
      GroupDelivery.class, GroupReceipts.class, GroupCommand.class, GroupInfo.class, GroupListRequest.class,
      GroupList.class, GroupMembersRequest.class, GroupMembers.class, GroupHistoryRequest.class, GroupRead.class,
      ConversationsRequest.class, ConversationPage.class, ConversationPrefs.class, Attachment.class,
      FileRegistration.class, FileAccess.class, FileSweep.class, MessageChange.class, MessageChanged.class,
      Typing.class, Notice.class);

  private Codecs() {
  }

  public static synchronized void register(Vertx vertx) {
    EventBus eventBus = vertx.eventBus();
    List<BinaryRecordCodec<?>> binary = RecordWire.codecs();
    binary.forEach(codec -> register(eventBus, codec));
    Set<Class<?>> binaryTypes = binary.stream().map(BinaryRecordCodec::type).collect(Collectors.toSet());
    MESSAGE_TYPES.stream().filter(type -> !binaryTypes.contains(type))
        .forEach(type -> register(eventBus, new JsonRecordCodec<>(type)));
  }

  private static <T extends Record> void register(EventBus eventBus, RecordCodec<T> codec) {
    try {
      eventBus.registerDefaultCodec(codec.type(), codec);
    } catch (IllegalStateException alreadyRegistered) {
      // several services share one Vert.x in the all-in-one launcher and in tests
    }
  }
}
