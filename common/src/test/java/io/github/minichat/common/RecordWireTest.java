package io.github.minichat.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RecordWireTest {

  private static final ChatMessage MESSAGE = new ChatMessage(9_007_199_254_740_993L, 42, 7, 8,
      "你好 😀 \"quoted\" \\ \n", true, 1_764_000_000_123L, 5, 6, "c-1");
  private static final ChatMessage WITHOUT_CID = new ChatMessage(1, 1, 8, 7, "", false, 0, Long.MAX_VALUE, 2, null);

  @Test
  @DisplayName("every record on a message's path comes back equal from its binary form, nulls and all")
  void roundTrips() {
    List<Record> values = List.of(
        new SendMessage(7, 8, "héllo 😀", "cid-1", Origin.WS, "gw-1/conn-9"),
        new SendMessage(8, 7, "x", null, Origin.HTTP, null),
        new SendResult(MESSAGE, false),
        new SendResult(WITHOUT_CID, true),
        MESSAGE,
        WITHOUT_CID,
        new UnreadCount(8, 12, 34),
        new PushBatch(List.of(new Delivery(MESSAGE, "gw-1/conn-9"), new Delivery(WITHOUT_CID, null)),
            List.of(new UnreadCount(8, 1, 2), new UnreadCount(7, 0, 5))),
        new PushBatch(List.of(), List.of()),
        new SendBatch(List.of(new SendMessage(7, 8, "a", "c-1", Origin.WS, "gw-1/conn-9"),
            new SendMessage(9, 8, "b", null, Origin.WS, null))),
        new SendOutcomes(List.of(SendOutcomes.Outcome.of(new SendResult(MESSAGE, false)),
            new SendOutcomes.Outcome(null, ChatError.CID_CONFLICT, "cid c-1 was already used"),
            SendOutcomes.Outcome.of(new SendResult(WITHOUT_CID, true)))));
    for (Record value : values) {
      assertThat(roundTrip(value)).isEqualTo(value);
    }
  }

  @Test
  @DisplayName("a value is read from where it starts in a buffer that holds other bytes before and after it")
  void readsAtItsPosition() {
    BinaryRecordCodec<SendResult> codec = codecOf(SendResult.class);
    Buffer buffer = Buffer.buffer().appendString("header");
    codec.encodeToWire(buffer, new SendResult(MESSAGE, false));
    buffer.appendString("trailer");
    assertThat(codec.decodeFromWire("header".length(), buffer)).isEqualTo(new SendResult(MESSAGE, false));
  }

  @Test
  @DisplayName("services sharing one Vert.x register the codecs once between them, and records still flow")
  void registersOnce() {
    Vertx vertx = Vertx.vertx();
    try {
      Codecs.register(vertx);
      Codecs.register(vertx);
      vertx.eventBus().<SendMessage>consumer("test.echo", message -> message.reply(message.body()));
      SendMessage send = new SendMessage(7, 8, "x", "c", Origin.WS, null);
      assertThat(vertx.eventBus().<SendMessage>request("test.echo", send).await().body()).isEqualTo(send);
    } finally {
      vertx.close().await();
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends Record> T roundTrip(T value) {
    BinaryRecordCodec<T> codec = codecOf((Class<T>) value.getClass());
    Buffer buffer = Buffer.buffer();
    codec.encodeToWire(buffer, value);
    return codec.decodeFromWire(0, buffer);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Record> BinaryRecordCodec<T> codecOf(Class<T> type) {
    return (BinaryRecordCodec<T>) RecordWire.codecs().stream()
        .filter(codec -> codec.type() == type).findFirst().orElseThrow();
  }
}
