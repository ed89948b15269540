package io.github.minichat.gateway;

import java.util.List;

/**
 * What a client can ask, parsed once from a WebSocket frame or an HTTP request body ({@link ClientFrames}) and
 * handled as a typed value from then on. Ids a client repeats about itself ({@code fromId}, {@code from_id}) are
 * kept as claimed, null when absent: the session checks them against the token's user.
 */
sealed interface ClientFrame {

  /** Makes this connection its user's: from now on it is routed messages and counts. */
  record Bind(long fromId) implements ClientFrame {
  }

  /** Keep-alive; after bind, its answer also says the connection is routable. */
  record Heart() implements ClientFrame {
  }

  /** Subscribes to a peer's presence and opens the chat with them. */
  record Online(Long claimedSender, long peer) implements ClientFrame {
  }

  /**
   * Sends a text, or an upload ({@code fileId}, then the text is empty and a cid required); with a cid the send is
   * idempotent and acknowledged.
   */
  record Say(Long claimedSender, long to, String cid, String text, String fileId) implements ClientFrame {
    Say(Long claimedSender, long to, String cid, String text) {
      this(claimedSender, to, cid, text, null);
    }
  }

  /**
   * Sends a text or an upload to a group; a cid is required. {@code mentions}: member ids; {@code mentionAll}:
   * {@code @all}.
   */
  record GroupSay(Long claimedSender, long groupId, String cid, String text, List<Long> mentions, boolean mentionAll,
                  String fileId) implements ClientFrame {
  }

  /** Tells a peer this user is typing to them. */
  record Typing(long peer) implements ClientFrame {
  }

  /** Recalls one of the user's own one-to-one messages, or deletes one for the user only ({@code recall} false). */
  record Change(long messageId, boolean recall) implements ClientFrame {
  }

  /** Marks a group read, up to a seq or entirely. */
  record GroupRead(long groupId, Long upTo) implements ClientFrame {
  }

  /** Asks which members of a group are online. */
  record GroupOnline(long groupId) implements ClientFrame {
  }

  /** Pages the user's inbox after a cursor. */
  record Sync(long since, int limit) implements ClientFrame {
  }

  /** Marks a conversation read, up to a message or entirely. */
  record Read(long peer, Long upTo) implements ClientFrame {
  }
}
