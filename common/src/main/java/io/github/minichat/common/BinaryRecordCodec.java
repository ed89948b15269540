package io.github.minichat.common;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Carries a record on every message's path (a send, its result, a batch's pushes) as-is within a process and,
 * between cluster nodes, field by field in a compact binary form: as JSON their encoding and parsing took a quarter
 * of a message service's CPU in a cluster. The layouts are in {@link RecordWire}; the name carries a format
 * version, so that a node fails clearly on a layout it does not know instead of misreading it.
 */
final class BinaryRecordCodec<T extends Record> implements RecordCodec<T> {

  static final String NAME_PREFIX = "bin3:";

  private final Class<T> type;
  private final BiConsumer<Out, T> writer;
  private final Function<In, T> reader;

  BinaryRecordCodec(Class<T> type, BiConsumer<Out, T> writer, Function<In, T> reader) {
    this.type = type;
    this.writer = writer;
    this.reader = reader;
  }

  @Override
  public Class<T> type() {
    return type;
  }

  @Override
  public void encodeToWire(Buffer buffer, T value) {
    writer.accept(new Out(buffer), value);
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    return reader.apply(new In(buffer, pos));
  }


  @Override
  public String name() {
    return NAME_PREFIX + type.getName();
  }


  /** Appends fields to a buffer: numbers big-endian, strings as a length (-1 for null) and UTF-8 bytes. */
  record Out(Buffer buffer) {
    Out putLong(long value) {
      buffer.appendLong(value);
      return this;
    }

    Out putInt(int value) {
      buffer.appendInt(value);
      return this;
    }

    Out putBoolean(boolean value) {
      buffer.appendByte(value ? (byte) 1 : (byte) 0);
      return this;
    }

    /** A count, then each element. */
    <E> Out putList(List<E> values, BiConsumer<Out, E> element) {
      buffer.appendInt(values.size());
      values.forEach(value -> element.accept(this, value));
      return this;
    }

    Out putString(String value) {
      if (value == null) {
        buffer.appendInt(-1);
      } else {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        buffer.appendInt(bytes.length).appendBytes(bytes);
      }
      return this;
    }
  }

  /** Reads fields back in the order they were written. */
  static final class In {
    private final Buffer buffer;
    private int pos;

    In(Buffer buffer, int pos) {
      this.buffer = buffer;
      this.pos = pos;
    }

    long getLong() {
      long value = buffer.getLong(pos);
      pos += Long.BYTES;
      return value;
    }

    int getInt() {
      int value = buffer.getInt(pos);
      pos += Integer.BYTES;
      return value;
    }

    boolean getBoolean() {
      return buffer.getByte(pos++) != 0;
    }

    <E> List<E> getList(Function<In, E> element) {
      int count = getInt();
      List<E> values = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        values.add(element.apply(this));
      }
      return values;
    }

    String getString() {
      int length = getInt();
      if (length < 0) {
        return null;
      }
      String value = new String(buffer.getBytes(pos, pos + length), StandardCharsets.UTF_8);
      pos += length;
      return value;
    }
  }
}
