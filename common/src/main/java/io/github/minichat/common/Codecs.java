package io.github.minichat.common;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import java.util.List;

/** Registers the codec of every message record, once per Vert.x instance. */
public final class Codecs {

  private static final List<Class<? extends Record>> MESSAGE_TYPES = List.of(
      ChatMessage.class, SendMessage.class, SendResult.class, SyncRequest.class, SyncPage.class,
      HistoryRequest.class, HistoryPage.class, UnreadRequest.class, UnreadSummary.class, MarkRead.class,
      UnreadCount.class, ConnectionEvent.class, ViewingChanged.class, PresenceQuery.class, PresenceStatus.class,
      Delivery.class, PushBatch.class, UserRoute.class);

  private Codecs() {
  }

  public static synchronized void register(Vertx vertx) {
    EventBus eventBus = vertx.eventBus();
    for (Class<? extends Record> type : MESSAGE_TYPES) {
      register(eventBus, type);
    }
  }

  private static <T extends Record> void register(EventBus eventBus, Class<T> type) {
    try {
      eventBus.registerDefaultCodec(type, new JsonRecordCodec<>(type));
    } catch (IllegalStateException alreadyRegistered) {
      // several services share one Vert.x in the all-in-one launcher and in tests
    }
  }
}
