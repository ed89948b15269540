package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.GroupSend;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendMessage;

/** What a send must satisfy, over the socket and over HTTP alike, before it goes to the store. */
final class SendRules {

  private final RateLimits rateLimits;

  SendRules(RateLimits rateLimits) {
    this.rateLimits = rateLimits;
  }

  /**
   * The message {@code user} may send: as itself (a sender id the client repeats must be its own), to somebody
   * else, within the user's message rate. {@code connectionId} names the sending socket, null over HTTP.
   */
  SendMessage admit(long user, ClientFrame.Say say, Origin origin, String connectionId) {
    checkSender(user, say.claimedSender());
    if (say.to() == user) {
      throw new ChatException(ChatError.SELF_MESSAGE, "cannot send a message to yourself");
    }
    rateLimits.takeMessage(user);
    return new SendMessage(user, say.to(), say.text(), say.cid(), origin, connectionId, say.fileId(), null);
  }

  /** The group message {@code user} may send: as itself, within the user's message rate (membership is the store's). */
  GroupSend admitGroup(long user, ClientFrame.GroupSay say, Origin origin, String connectionId) {
    checkSender(user, say.claimedSender());
    rateLimits.takeMessage(user);
    return new GroupSend(user, say.groupId(), say.text(), say.cid(), origin, connectionId, say.mentions(),
        say.mentionAll(), say.fileId(), null);
  }

  /** The seed repeats the sender's id in frames ({@code from_id}): when present it must be the token's user. */
  static void checkSender(long user, Long claimed) {
    if (claimed != null && claimed != user) {
      throw new ChatException(ChatError.FORBIDDEN, "from_id is not the user of this token");
    }
  }
}
