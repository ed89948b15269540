package io.github.minichat.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;

/**
 * Parses client frames and request bodies with explicit limits (nesting depth, number and string length) and
 * refuses duplicate keys, so that hostile JSON costs a bounded amount of work and means one thing only. Vert.x's own
 * parser is not used for client input because its limits are Jackson's generous defaults.
 */
final class JsonFrames {

  private final ObjectReader reader;
  private final int maxDepth;
  private final int maxNumberDigits;

  JsonFrames(GatewayLimits limits, int maxBytes) {
    this.maxDepth = limits.maxJsonDepth();
    this.maxNumberDigits = limits.maxJsonNumberDigits();
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(maxDepth)
            .maxNumberLength(maxNumberDigits)
            .maxStringLength(maxBytes)
            .maxDocumentLength(maxBytes)
            .build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    this.reader = new ObjectMapper(factory).readerFor(Map.class);
  }

  JsonObject parse(String text) {
    try {
      return object(reader.readValue(text));
    } catch (IOException | RuntimeException e) {
      throw refusal(e);
    }
  }

  JsonObject parse(byte[] bytes) {
    try {
      return object(reader.readValue(bytes));
    } catch (IOException | RuntimeException e) {
      throw refusal(e);
    }
  }

  private static JsonObject object(Object value) {
    if (!(value instanceof Map<?, ?> map)) {
      throw new ChatException(ChatError.INVALID_JSON, "expected a JSON object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> fields = (Map<String, Object>) map;
    return new JsonObject(fields);
  }

  private ChatException refusal(Exception e) {
    if (e instanceof ChatException chat) {
      return chat;
    }
    if (e instanceof StreamConstraintsException limit) {
      String detail = limit.getOriginalMessage();
      if (detail.contains("nesting depth")) {
        return new ChatException(ChatError.INVALID_JSON, "JSON is nested deeper than " + maxDepth + " levels");
      }
      if (detail.contains("Number value length")) {
        return new ChatException(ChatError.INVALID_JSON, "a JSON number has more than " + maxNumberDigits + " digits");
      }
      return new ChatException(ChatError.TOO_LARGE, "JSON is larger than allowed");
    }
    if (e instanceof JsonParseException parse
        && parse.getOriginalMessage().startsWith("Duplicate field")) {
      return new ChatException(ChatError.INVALID_JSON, "a field appears twice in the JSON object");
    }
    return new ChatException(ChatError.INVALID_JSON, "not a valid JSON object");
  }
}
