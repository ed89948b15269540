package io.github.minichat.common;

import io.vertx.core.eventbus.MessageCodec;

/** An event-bus codec for one message record, passing the record itself within a process. */
interface RecordCodec<T extends Record> extends MessageCodec<T, T> {

  /** The record class this codec is the default for. */
  Class<T> type();

  @Override
  default T transform(T value) {
    return value; // records with copied collections are immutable: safe to share between verticles
  }

  @Override
  default byte systemCodecID() {
    return -1;
  }
}
