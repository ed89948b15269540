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
      ChatMessage.class, SendMessage.class, SendResult.class, SyncRequest.class, SyncPage.class,
      HistoryRequest.class, HistoryPage.class, UnreadRequest.class, UnreadSummary.class, MarkRead.class,
      UnreadCount.class, ConnectionEvent.class, ViewingChanged.class, PresenceQuery.class, PresenceStatus.class,
      Delivery.class, PushBatch.class, UserRoute.class);

  private Codecs() {
  }

  public static synchronized void register(Vertx vertx) {
    EventBus eventBus = vertx.eventBus();
    List<BinaryRecordCodec<?>> binary = RecordWire.codecs();
    binary.forEach(codec -> registerBinary(eventBus, codec));
    Set<Class<?>> binaryTypes = binary.stream().map(BinaryRecordCodec::type).collect(Collectors.toSet());
    // the JSON codecs of the binary types are still read by name: a node of the previous version sends them
    // during a rolling upgrade
    MESSAGE_TYPES.forEach(type -> registerJson(eventBus, type, !binaryTypes.contains(type)));
  }

  private static <T extends Record> void registerBinary(EventBus eventBus, BinaryRecordCodec<T> codec) {
    ignoringRepeats(() -> eventBus.registerDefaultCodec(codec.type(), codec));
  }

  private static <T extends Record> void registerJson(EventBus eventBus, Class<T> type, boolean asDefault) {
    JsonRecordCodec<T> codec = new JsonRecordCodec<>(type);
    ignoringRepeats(() -> {
      if (asDefault) {
        eventBus.registerDefaultCodec(type, codec);
      } else {
        eventBus.registerCodec(codec);
      }
    });
  }

  private static void ignoringRepeats(Runnable registration) {
    try {
      registration.run();
    } catch (IllegalStateException alreadyRegistered) {
      // several services share one Vert.x in the all-in-one launcher and in tests
    }
  }
}
