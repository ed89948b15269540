package io.github.minichat.gateway;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.github.minichat.common.Attachment;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatMessage;
import io.github.minichat.common.ConversationPage;
import io.github.minichat.common.ConversationSummary;
import io.github.minichat.common.GroupInfo;
import io.github.minichat.common.GroupList;
import io.github.minichat.common.GroupMembers;
import io.github.minichat.common.GroupReceipts;
import io.github.minichat.common.MessageChanged;
import io.github.minichat.common.Notice;
import io.github.minichat.common.PresenceStatus;
import io.github.minichat.common.UnreadCount;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Every frame and response body the gateway writes, each built in one place, with the seed client's field names.
 * A message is written the same way wherever it goes: a pushed {@code text} frame, a sync page, an HTTP answer.
 *
 * <p>A delivery is a text frame, an ack and a letters frame: most of what a gateway writes. Building each as a
 * JsonObject (a map) and then encoding it was about a tenth of a gateway's CPU, so messages, acks and counts are
 * written straight into a string; the rare frames go through JsonObject.
 */
final class ServerFrames {

  static final String OFFLINE_STATUS = "对方不在线";
  static final String ONLINE_STATUS = "对方在线";

  /** What a seed client shows for a picture, a file and a recalled message: it knows only text. */
  static final String IMAGE_PLACEHOLDER = "[图片]";
  static final String FILE_PLACEHOLDER = "[文件]";
  static final String RECALLED_PLACEHOLDER = "[消息已撤回]";
  /** How long a typing indicator shows unless renewed. */
  static final long TYPING_EXPIRES_MS = 5_000;

  static final String INIT = "{\"type\":\"init\"}";
  static final String HEART = "{\"type\":\"heart\"}";

  private static final JsonStringEncoder ESCAPER = JsonStringEncoder.getInstance();

  private ServerFrames() {
  }

  /**
   * A message as the seed's {@code text} frame, plus {@code seq}, {@code cursor} (for the given user), cid and
   * {@code kind} (absent on a text); a picture or file also has {@code file}, with links minted for the reader by {@code links}.
   */
  static String text(ChatMessage message, long forUser, FileLinks links) {
    return appendText(new StringBuilder(180 + message.data().length()), message, forUser, links).toString();
  }

  /** The answer to {@code sync}: a page of the user's inbox, its cursor, whether more follows. */
  static String syncPage(List<ChatMessage> messages, long cursor, boolean hasMore, long forUser, FileLinks links) {
    return appendTexts(new StringBuilder(64 + 200 * messages.size()).append("{\"type\":\"sync\",\"messages\":"),
        messages, forUser, links)
        .append(",\"cursor\":").append(cursor)
        .append(",\"has_more\":").append(hasMore)
        .append('}').toString();
  }

  /** The HTTP history body: a page of one conversation, newest first. */
  static String historyPage(List<ChatMessage> messages, boolean hasMore, long forUser, FileLinks links) {
    return appendTexts(new StringBuilder(32 + 200 * messages.size()).append("{\"messages\":"), messages, forUser,
        links)
        .append(",\"has_more\":").append(hasMore)
        .append('}').toString();
  }

  /** A notice: a read receipt, a recall, a deletion for this user, or typing. */
  static String notice(Notice notice) {
    return switch (notice.kind()) {
      case READ -> "{\"type\":\"read\",\"by\":" + notice.peer() + ",\"peer\":" + notice.peer()
          + ",\"up_to\":" + notice.messageId() + ",\"seq\":" + notice.seq() + "}";
      case RECALL -> "{\"type\":\"recall\",\"id\":" + notice.messageId() + ",\"peer\":" + notice.peer()
          + ",\"seq\":" + notice.seq() + ",\"from_id\":" + notice.actor() + "}";
      case DELETED -> "{\"type\":\"deleted\",\"id\":" + notice.messageId() + ",\"peer\":" + notice.peer()
          + ",\"seq\":" + notice.seq() + "}";
      case TYPING -> "{\"type\":\"typing\",\"from_id\":" + notice.peer() + ",\"expires_ms\":" + TYPING_EXPIRES_MS
          + "}";
    };
  }

  /** The answer to a recall or a deletion. */
  static String changed(MessageChanged changed, boolean recall) {
    JsonObject body = new JsonObject().put("id", changed.id()).put("peer", changed.peer()).put("seq", changed.seq());
    return (recall ? body.put("recalled", true) : body.put("deleted", true)).encode();
  }

  static String ack(String cid, ChatMessage message) {
    StringBuilder out = quoted(new StringBuilder(160).append("{\"type\":\"ack\",\"cid\":"), cid);
    if (message.inGroup()) {
      out.append(",\"group_id\":").append(message.groupId());
    }
    return out.append(",\"id\":").append(message.id())
        .append(",\"seq\":").append(message.seq())
        .append(",\"cursor\":").append(message.senderCursor())
        .append(",\"created_at\":").append(message.createdAt())
        .append('}').toString();
  }

  static String letters(UnreadCount count) {
    return "{\"type\":\"letters\",\"countNum\":" + count.countNum() + ",\"version\":" + count.version() + "}";
  }

  /** The answer to {@code read}: the user's unread count after the read mark. */
  static String read(long peer, Long upTo, long countNum) {
    return new JsonObject().put("type", "read").put("peer", peer).put("up_to", upTo).put("countNum", countNum)
        .encode();
  }

  /** The answer to a group's {@code read}: the user's unread total after the read mark. */
  static String groupRead(long groupId, Long upTo, long countNum) {
    return new JsonObject().put("type", "read").put("group_id", groupId).put("up_to", upTo).put("countNum", countNum)
        .encode();
  }

  /** The answer to {@code online} with a {@code group_id}: which members are online. */
  static String groupOnline(GroupMembers members) {
    JsonArray online = new JsonArray();
    members.members().forEach(member ->
        online.add(new JsonObject().put("user_id", member.userId()).put("online", member.online())));
    return new JsonObject().put("type", "online").put("group_id", members.groupId()).put("members", online).encode();
  }

  /** How many members have read a sender's messages in a group. */
  static String receipts(GroupReceipts receipts) {
    JsonArray reads = new JsonArray();
    for (int i = 0; i < receipts.seqs().size(); i++) {
      reads.add(new JsonObject().put("seq", receipts.seqs().get(i)).put("count", receipts.readCounts().get(i)));
    }
    return new JsonObject().put("type", "receipts").put("group_id", receipts.groupId()).put("reads", reads).encode();
  }

  /** A group as the HTTP API shows it to one user. */
  static JsonObject group(GroupInfo group) {
    return new JsonObject()
        .put("group_id", group.groupId())
        .put("name", group.name())
        .put("owner_id", group.ownerId())
        .put("member_count", group.memberCount())
        .put("role", group.myRole())
        .put("last_seq", group.lastSeq())
        .put("created_at", group.createdAt())
        .put("dissolved", group.dissolved());
  }

  static String groups(GroupList list) {
    JsonArray groups = new JsonArray();
    list.groups().forEach(group -> groups.add(group(group)));
    return new JsonObject().put("groups", groups).encode();
  }

  static String members(GroupMembers members) {
    JsonArray list = new JsonArray();
    members.members().forEach(member -> list.add(new JsonObject()
        .put("user_id", member.userId())
        .put("role", member.role())
        .put("joined_at", member.joinedAt())
        .put("online", member.online())));
    return new JsonObject().put("group_id", members.groupId()).put("members", list).encode();
  }

  /** One page of the conversation list; each {@code last} is a text or group_text frame as the user holds it. */
  static String conversations(ConversationPage page, long forUser, FileLinks links) {
    JsonArray conversations = new JsonArray();
    for (ConversationSummary summary : page.conversations()) {
      conversations.add(new JsonObject()
          .put("kind", summary.kind())
          .put("id", summary.id())
          .put("name", summary.name())
          .put("last", summary.last() == null ? null : new JsonObject(text(summary.last(), forUser, links)))
          .put("unread", summary.unread())
          .put("mentions", summary.mentions())
          .put("pinned", summary.pinned())
          .put("muted", summary.muted())
          .put("last_active_at", summary.lastActiveAt()));
    }
    return new JsonObject().put("conversations", conversations).put("next", page.next()).encode();
  }

  static String online(PresenceStatus status) {
    return new JsonObject()
        .put("type", "online")
        .put("user_id", status.userId())
        .put("online", status.online())
        .put("status", status.online() ? ONLINE_STATUS : OFFLINE_STATUS)
        .put("last_seen", status.lastSeen())
        .encode();
  }

  /** The HTTP presence body. */
  static String presence(PresenceStatus status) {
    return new JsonObject()
        .put("user_id", status.userId())
        .put("online", status.online())
        .put("last_seen", status.lastSeen())
        .encode();
  }

  /** An error frame; {@code ref} names what it answers (a cid, a frame type) or is null. */
  static String error(ChatError error, String message, Object ref, long retryAfterMillis) {
    JsonObject frame = new JsonObject()
        .put("type", "error")
        .put("code", error.code())
        .put("message", message)
        .put("ref", ref instanceof String || ref instanceof Number ? ref : null)
        .put("retryable", error.retryable() || retryAfterMillis > 0);
    if (retryAfterMillis > 0) {
      frame.put("retry_after_ms", retryAfterMillis);
    }
    return frame.encode();
  }

  /** The HTTP error body. */
  static String httpError(ChatError error, String message) {
    return new JsonObject().put("error", new JsonObject().put("code", error.code()).put("message", message)).encode();
  }

  private static StringBuilder appendTexts(StringBuilder out, List<ChatMessage> messages, long forUser,
                                           FileLinks links) {
    out.append('[');
    for (int i = 0; i < messages.size(); i++) {
      appendText(i == 0 ? out : out.append(','), messages.get(i), forUser, links);
    }
    return out.append(']');
  }

  private static StringBuilder appendText(StringBuilder out, ChatMessage message, long forUser, FileLinks links) {
    if (message.inGroup()) {
      return appendGroupText(out, message, forUser, links);
    }
    out.append("{\"type\":\"text\",\"id\":").append(message.id())
        .append(",\"seq\":").append(message.seq())
        .append(",\"cursor\":").append(message.cursorFor(forUser))
        .append(",\"from_id\":").append(message.fromId())
        .append(",\"to_id\":").append(message.toId());
    appendContent(out, message, links)
        .append(",\"is_read\":").append(message.read() ? 1 : 0)
        .append(",\"created_at\":").append(message.createdAt());
    if (message.cid() != null) {
      quoted(out.append(",\"cid\":"), message.cid());
    }
    return out.append('}');
  }

  /**
   * {@code data} and {@code kind}, and {@code file} for a picture or file. {@code data} is always what a client
   * that knows only text should show: the text, or a placeholder with the link.
   */
  private static StringBuilder appendContent(StringBuilder out, ChatMessage message, FileLinks links) {
    Attachment file = message.recalled() ? null : message.attachment();
    if (file == null) {
      quoted(out.append(",\"data\":"), message.recalled() ? RECALLED_PLACEHOLDER : message.data());
      // a one-to-one text stays the seed's frame, field for field: no kind means text
      return !message.inGroup() && ChatMessage.TEXT.equals(message.kind()) ? out
          : quoted(out.append(",\"kind\":"), message.kind());
    }
    String url = links.url(file.fileId(), false);
    quoted(out.append(",\"data\":"), file.image() ? IMAGE_PLACEHOLDER + " " + url
        : FILE_PLACEHOLDER + " " + file.name() + " " + url);
    quoted(out.append(",\"kind\":"), file.kind());
    quoted(out.append(",\"file\":{\"id\":"), file.fileId());
    quoted(out.append(",\"name\":"), file.name());
    quoted(out.append(",\"mime\":"), file.mime());
    out.append(",\"size\":").append(file.size());
    if (file.image()) {
      out.append(",\"width\":").append(file.width()).append(",\"height\":").append(file.height());
    }
    quoted(out.append(",\"url\":"), url);
    if (file.hasThumb()) {
      quoted(out.append(",\"thumb_url\":"), links.url(file.fileId(), true));
    }
    return out.append('}');
  }

  /** A group message as its {@code group_text} frame: a frame type that clients knowing nothing of groups ignore. */
  private static StringBuilder appendGroupText(StringBuilder out, ChatMessage message, long forUser,
                                               FileLinks links) {
    out.append("{\"type\":\"group_text\",\"group_id\":").append(message.groupId())
        .append(",\"id\":").append(message.id())
        .append(",\"seq\":").append(message.seq())
        .append(",\"cursor\":").append(message.cursorFor(forUser))
        .append(",\"from_id\":").append(message.fromId());
    appendContent(out, message, links)
        .append(",\"mentioned\":").append(message.mentioned())
        .append(",\"is_read\":").append(message.read() ? 1 : 0)
        .append(",\"created_at\":").append(message.createdAt());
    if (message.cid() != null) {
      quoted(out.append(",\"cid\":"), message.cid());
    }
    return out.append('}');
  }

  /** A JSON string: quoted, with quotes, backslashes and control characters escaped as Jackson's generator does. */
  private static StringBuilder quoted(StringBuilder out, String value) {
    out.append('"');
    ESCAPER.quoteAsString(value, out);
    return out.append('"');
  }
}
