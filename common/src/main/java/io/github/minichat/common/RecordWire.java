package io.github.minichat.common;

import io.github.minichat.common.BinaryRecordCodec.In;
import io.github.minichat.common.BinaryRecordCodec.Out;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary layouts of the records that every message carries between cluster nodes: fields in declaration
 * order. Changing a layout means a new {@link BinaryRecordCodec#NAME_PREFIX}.
 */
final class RecordWire {

  private RecordWire() {
  }

  static List<BinaryRecordCodec<?>> codecs() {
    return List.of(
        new BinaryRecordCodec<>(SendMessage.class, RecordWire::write, RecordWire::readSendMessage),
        new BinaryRecordCodec<>(SendResult.class, RecordWire::write, RecordWire::readSendResult),
        new BinaryRecordCodec<>(SendBatch.class, RecordWire::write, RecordWire::readSendBatch),
        new BinaryRecordCodec<>(SendOutcomes.class, RecordWire::write, RecordWire::readSendOutcomes),
        new BinaryRecordCodec<>(PushBatch.class, RecordWire::write, RecordWire::readPushBatch),
        new BinaryRecordCodec<>(ChatMessage.class, RecordWire::write, RecordWire::readChatMessage),
        new BinaryRecordCodec<>(UnreadCount.class, RecordWire::write, RecordWire::readUnreadCount));
  }

  static void write(Out out, SendMessage send) {
    out.putLong(send.fromId()).putLong(send.toId()).putString(send.text()).putString(send.cid())
        .putInt(send.origin().ordinal()).putString(send.originConnection());
  }

  static SendMessage readSendMessage(In in) {
    return new SendMessage(in.getLong(), in.getLong(), in.getString(), in.getString(),
        Origin.values()[in.getInt()], in.getString());
  }

  static void write(Out out, SendBatch batch) {
    out.putInt(batch.sends().size());
    batch.sends().forEach(send -> write(out, send));
  }

  static SendBatch readSendBatch(In in) {
    int count = in.getInt();
    List<SendMessage> sends = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      sends.add(readSendMessage(in));
    }
    return new SendBatch(sends);
  }

  /** Each outcome: 1 and a result, or 0, the error's ordinal and its message. */
  static void write(Out out, SendOutcomes outcomes) {
    out.putInt(outcomes.outcomes().size());
    for (SendOutcomes.Outcome outcome : outcomes.outcomes()) {
      out.putBoolean(outcome.result() != null);
      if (outcome.result() != null) {
        write(out, outcome.result());
      } else {
        out.putInt(outcome.error().ordinal()).putString(outcome.errorMessage());
      }
    }
  }

  static SendOutcomes readSendOutcomes(In in) {
    int count = in.getInt();
    List<SendOutcomes.Outcome> outcomes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      outcomes.add(in.getBoolean() ? SendOutcomes.Outcome.of(readSendResult(in))
          : new SendOutcomes.Outcome(null, ChatError.values()[in.getInt()], in.getString()));
    }
    return new SendOutcomes(outcomes);
  }

  static void write(Out out, SendResult result) {
    write(out, result.message());
    out.putBoolean(result.duplicate());
  }

  static SendResult readSendResult(In in) {
    return new SendResult(readChatMessage(in), in.getBoolean());
  }

  static void write(Out out, PushBatch batch) {
    out.putInt(batch.deliveries().size());
    for (Delivery delivery : batch.deliveries()) {
      write(out, delivery.message());
      out.putString(delivery.excludeConnection());
    }
    out.putInt(batch.unreadCounts().size());
    batch.unreadCounts().forEach(count -> write(out, count));
  }

  static PushBatch readPushBatch(In in) {
    int deliveryCount = in.getInt();
    List<Delivery> deliveries = new ArrayList<>(deliveryCount);
    for (int i = 0; i < deliveryCount; i++) {
      deliveries.add(new Delivery(readChatMessage(in), in.getString()));
    }
    int countCount = in.getInt();
    List<UnreadCount> counts = new ArrayList<>(countCount);
    for (int i = 0; i < countCount; i++) {
      counts.add(readUnreadCount(in));
    }
    return new PushBatch(deliveries, counts);
  }

  static void write(Out out, ChatMessage message) {
    out.putLong(message.id()).putLong(message.seq()).putLong(message.fromId()).putLong(message.toId())
        .putString(message.data()).putBoolean(message.read()).putLong(message.createdAt())
        .putLong(message.senderCursor()).putLong(message.recipientCursor()).putString(message.cid());
  }

  static ChatMessage readChatMessage(In in) {
    return new ChatMessage(in.getLong(), in.getLong(), in.getLong(), in.getLong(), in.getString(), in.getBoolean(),
        in.getLong(), in.getLong(), in.getLong(), in.getString());
  }

  static void write(Out out, UnreadCount count) {
    out.putLong(count.userId()).putLong(count.countNum()).putLong(count.version());
  }

  static UnreadCount readUnreadCount(In in) {
    return new UnreadCount(in.getLong(), in.getLong(), in.getLong());
  }
}
