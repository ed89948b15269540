package io.github.minichat.common;

import io.github.minichat.common.BinaryRecordCodec.In;
import io.github.minichat.common.BinaryRecordCodec.Out;
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
        .putInt(send.origin().ordinal()).putString(send.originConnection()).putString(send.fileId());
    write(out, send.attachment());
  }

  static SendMessage readSendMessage(In in) {
    return new SendMessage(in.getLong(), in.getLong(), in.getString(), in.getString(),
        Origin.values()[in.getInt()], in.getString(), in.getString(), readAttachment(in));
  }

  /** 0 for none, else 1 and the fields. */
  static void write(Out out, Attachment attachment) {
    out.putBoolean(attachment != null);
    if (attachment != null) {
      out.putString(attachment.fileId()).putString(attachment.kind()).putString(attachment.mime())
          .putLong(attachment.size()).putString(attachment.name()).putInt(attachment.width())
          .putInt(attachment.height()).putBoolean(attachment.hasThumb());
    }
  }

  static Attachment readAttachment(In in) {
    return in.getBoolean() ? new Attachment(in.getString(), in.getString(), in.getString(), in.getLong(),
        in.getString(), in.getInt(), in.getInt(), in.getBoolean()) : null;
  }

  static void write(Out out, Notice notice) {
    out.putInt(notice.kind().ordinal()).putLong(notice.userId()).putLong(notice.peer()).putLong(notice.messageId())
        .putLong(notice.seq()).putLong(notice.actor());
  }

  static Notice readNotice(In in) {
    return new Notice(Notice.Kind.values()[in.getInt()], in.getLong(), in.getLong(), in.getLong(), in.getLong(),
        in.getLong());
  }

  static void write(Out out, SendBatch batch) {
    out.putList(batch.sends(), RecordWire::write);
  }

  static SendBatch readSendBatch(In in) {
    return new SendBatch(in.getList(RecordWire::readSendMessage));
  }

  static void write(Out out, SendOutcomes outcomes) {
    out.putList(outcomes.outcomes(), RecordWire::write);
  }

  static SendOutcomes readSendOutcomes(In in) {
    return new SendOutcomes(in.getList(RecordWire::readOutcome));
  }

  /** 1 and the result, or 0, the error's ordinal and its message. */
  static void write(Out out, SendOutcomes.Outcome outcome) {
    out.putBoolean(outcome.result() != null);
    if (outcome.result() != null) {
      write(out, outcome.result());
    } else {
      out.putInt(outcome.error().ordinal()).putString(outcome.errorMessage());
    }
  }

  static SendOutcomes.Outcome readOutcome(In in) {
    return in.getBoolean() ? SendOutcomes.Outcome.of(readSendResult(in))
        : new SendOutcomes.Outcome(null, ChatError.values()[in.getInt()], in.getString());
  }

  static void write(Out out, SendResult result) {
    write(out, result.message());
    out.putBoolean(result.duplicate());
  }

  static SendResult readSendResult(In in) {
    return new SendResult(readChatMessage(in), in.getBoolean());
  }

  static void write(Out out, PushBatch batch) {
    out.putList(batch.deliveries(), RecordWire::write).putList(batch.unreadCounts(), RecordWire::write)
        .putList(batch.groupDeliveries(), RecordWire::write).putList(batch.receipts(), RecordWire::write)
        .putList(batch.notices(), RecordWire::write);
  }

  static PushBatch readPushBatch(In in) {
    return new PushBatch(in.getList(RecordWire::readDelivery), in.getList(RecordWire::readUnreadCount),
        in.getList(RecordWire::readGroupDelivery), in.getList(RecordWire::readGroupReceipts),
        in.getList(RecordWire::readNotice));
  }

  static void write(Out out, GroupDelivery delivery) {
    write(out, delivery.message());
    out.putList(delivery.members(), Out::putLong).putList(delivery.cursors(), Out::putLong)
        .putList(delivery.mentioned(), Out::putLong).putString(delivery.originConnection());
  }

  static GroupDelivery readGroupDelivery(In in) {
    return new GroupDelivery(readChatMessage(in), in.getList(In::getLong), in.getList(In::getLong),
        in.getList(In::getLong), in.getString());
  }

  static void write(Out out, GroupReceipts receipts) {
    out.putLong(receipts.groupId()).putLong(receipts.senderId()).putList(receipts.seqs(), Out::putLong)
        .putList(receipts.readCounts(), Out::putLong);
  }

  static GroupReceipts readGroupReceipts(In in) {
    return new GroupReceipts(in.getLong(), in.getLong(), in.getList(In::getLong), in.getList(In::getLong));
  }

  static void write(Out out, Delivery delivery) {
    write(out, delivery.message());
    out.putString(delivery.originConnection());
  }

  static Delivery readDelivery(In in) {
    return new Delivery(readChatMessage(in), in.getString());
  }

  static void write(Out out, ChatMessage message) {
    out.putLong(message.id()).putLong(message.seq()).putLong(message.fromId()).putLong(message.toId())
        .putString(message.data()).putBoolean(message.read()).putLong(message.createdAt())
        .putLong(message.senderCursor()).putLong(message.recipientCursor()).putString(message.cid())
        .putLong(message.groupId()).putBoolean(message.system()).putBoolean(message.mentioned());
    write(out, message.attachment());
    out.putBoolean(message.recalled());
  }

  static ChatMessage readChatMessage(In in) {
    return new ChatMessage(in.getLong(), in.getLong(), in.getLong(), in.getLong(), in.getString(), in.getBoolean(),
        in.getLong(), in.getLong(), in.getLong(), in.getString(), in.getLong(), in.getBoolean(), in.getBoolean(),
        readAttachment(in), in.getBoolean());
  }

  static void write(Out out, UnreadCount count) {
    out.putLong(count.userId()).putLong(count.countNum()).putLong(count.version());
  }

  static UnreadCount readUnreadCount(In in) {
    return new UnreadCount(in.getLong(), in.getLong(), in.getLong());
  }
}
