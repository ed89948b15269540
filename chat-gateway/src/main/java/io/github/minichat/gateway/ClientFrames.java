package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Turns a client's JSON into a {@link ClientFrame}: the frame types of the seed protocol over the socket, and the
 * same frames from HTTP bodies, with the same rules. Each field is read once, here; anything that does not fit is
 * refused with an error that names the field.
 */
final class ClientFrames {

  private static final Set<String> BOUND_ONLY =
      Set.of("online", "say", "sync", "read", "typing", "recall", "delete");

  /** Members one group message may mention by id. */
  static final int MAX_MENTIONS = 50;

  private final JsonFrames json;
  private final int maxTextLength;
  private final int maxSyncPage;

  ClientFrames(JsonFrames json, int maxTextLength, int maxSyncPage) {
    this.json = json;
    this.maxTextLength = maxTextLength;
    this.maxSyncPage = maxSyncPage;
  }

  /** The JSON object of a text frame, within the parser's limits. */
  JsonObject object(String text) {
    return json.parse(text);
  }

  /** The JSON object of a request body. */
  JsonObject object(byte[] body) {
    return json.parse(body);
  }

  /** What an error about this frame refers to: its cid if it has one, else its type; nothing without a type. */
  static Object ref(JsonObject frame) {
    if (!(frame.getValue("type") instanceof String type)) {
      return null;
    }
    return frame.getValue("cid") instanceof String cid ? cid : type;
  }

  /**
   * A socket frame, by its {@code type}. Before {@code bind} only bind and heart are taken: anything else the
   * protocol knows is refused as {@code not_bound}, whatever its fields.
   */
  ClientFrame frame(JsonObject frame, boolean bound) {
    if (!(frame.getValue("type") instanceof String type)) {
      throw Fields.invalid("type is required and must be a string");
    }
    if (!bound && BOUND_ONLY.contains(type)) {
      throw new ChatException(ChatError.NOT_BOUND, "send bind first");
    }
    return switch (type) {
      case "bind" -> new ClientFrame.Bind(Fields.id(frame, "fromId"));
      case "heart" -> new ClientFrame.Heart();
      case "online" -> frame.containsKey("group_id")
          ? new ClientFrame.GroupOnline(Fields.id(frame, "group_id"))
          : new ClientFrame.Online(Fields.optionalId(frame, "from_id"), Fields.id(frame, "to_id"));
      case "say" -> frame.containsKey("group_id") ? groupSay(frame, Fields.id(frame, "group_id"), "data")
          : say(frame, "data");
      case "sync" -> new ClientFrame.Sync(Fields.number(frame, "since", 0), syncLimit(frame));
      case "read" -> frame.containsKey("group_id") ? groupRead(frame, Fields.id(frame, "group_id")) : read(frame);
      case "typing" -> new ClientFrame.Typing(Fields.id(frame, "to_id"));
      case "recall" -> new ClientFrame.Change(Fields.id(frame, "id"), true);
      case "delete" -> new ClientFrame.Change(Fields.id(frame, "id"), false);
      default -> throw new ChatException(ChatError.UNKNOWN_TYPE, "unknown frame type '" + shorten(type) + "'");
    };
  }

  /** {@code POST /api/messages}: a say whose text is in {@code message}. */
  ClientFrame.Say send(JsonObject body) {
    return say(body, "message");
  }

  /** {@code POST /api/messages/read}. */
  ClientFrame.Read read(JsonObject body) {
    return new ClientFrame.Read(Fields.id(body, "peer"), Fields.optionalId(body, "up_to"));
  }

  /** {@code POST /api/groups/<id>/messages}: a group say whose text is in {@code message}. */
  ClientFrame.GroupSay groupSend(JsonObject body, long groupId) {
    return groupSay(body, groupId, "message");
  }

  /** {@code POST /api/groups/<id>/read}. */
  ClientFrame.GroupRead groupRead(JsonObject body, long groupId) {
    return new ClientFrame.GroupRead(groupId, Fields.optionalId(body, "up_to"));
  }

  private ClientFrame.GroupSay groupSay(JsonObject frame, long groupId, String textField) {
    String cid = Fields.cid(frame);
    if (cid == null) {
      throw Fields.invalid("cid is required for a group message");
    }
    String fileId = Fields.fileId(frame);
    return new ClientFrame.GroupSay(Fields.optionalId(frame, "from_id"), groupId, cid,
        fileId != null ? "" : Fields.text(frame, textField, maxTextLength),
        Fields.ids(frame, "mentions", MAX_MENTIONS), Fields.flag(frame, "mention_all"), fileId);
  }

  /** A text, or an upload: then its text is ignored (a picture or file message has none) and a cid is required. */
  private ClientFrame.Say say(JsonObject frame, String textField) {
    String fileId = Fields.fileId(frame);
    String cid = Fields.cid(frame);
    if (fileId != null && cid == null) {
      throw Fields.invalid("cid is required to send a file");
    }
    return new ClientFrame.Say(Fields.optionalId(frame, "from_id"), Fields.id(frame, "to_id"), cid,
        fileId != null ? "" : Fields.text(frame, textField, maxTextLength), fileId);
  }

  private int syncLimit(JsonObject frame) {
    long limit = Fields.number(frame, "limit", GatewayConfig.DEFAULT_SYNC_LIMIT);
    return (int) Math.max(1, Math.min(maxSyncPage, limit));
  }

  private static String shorten(String text) {
    return text.length() <= 32 ? text : text.substring(0, 32) + "…";
  }
}
