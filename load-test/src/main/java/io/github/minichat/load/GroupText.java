package io.github.minichat.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * What a groups run reads of a pushed {@code group_text} frame. Parsed with a streaming parser (no map per frame): a
 * large group turns every message into a hundred of these, and the client shares the machine with the server.
 *
 * @param groupId the group
 * @param seq     the message's gapless position in the group
 * @param fromId  its sender
 * @param data    its text
 * @param system  a membership change rather than a member's text
 */
record GroupText(long groupId, long seq, long fromId, String data, boolean system) {

  private static final JsonFactory JSON = new JsonFactory();

  /** The frame, or {@code null} if it is not JSON or lacks a group, a seq or a sender. */
  static GroupText parse(String frame) {
    long groupId = -1;
    long seq = -1;
    long fromId = -1;
    String data = "";
    boolean system = false;
    try (JsonParser parser = JSON.createParser(frame)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (field) {
          case "group_id" -> groupId = value == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : -1;
          case "seq" -> seq = value == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : -1;
          case "from_id" -> fromId = value == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : -1;
          case "data" -> data = value == JsonToken.VALUE_STRING ? parser.getText() : "";
          case "kind" -> system = "system".equals(parser.getText());
          default -> parser.skipChildren();
        }
      }
    } catch (IOException e) {
      return null;
    }
    return groupId < 0 || seq < 0 || fromId < 0 ? null : new GroupText(groupId, seq, fromId, data, system);
  }
}
