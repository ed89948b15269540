package io.github.minichat.common;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Carries an immutable record over the event bus: as-is within a process, as JSON (Jackson) between cluster
 * nodes. Registered as the default codec of its record class, so senders just send the record.
 */
public final class JsonRecordCodec<T extends Record> implements RecordCodec<T> {

  static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Class<T> type;

  public JsonRecordCodec(Class<T> type) {
    this.type = type;
  }

  @Override
  public Class<T> type() {
    return type;
  }

  @Override
  public void encodeToWire(Buffer buffer, T value) {
    try {
      byte[] json = MAPPER.writeValueAsBytes(value);
      buffer.appendInt(json.length).appendBytes(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    try {
      return MAPPER.readValue(buffer.getBytes(pos + 4, pos + 4 + length), type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }


  @Override
  public String name() {
    return "json:" + type.getName();
  }

}
