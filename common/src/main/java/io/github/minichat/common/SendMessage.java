package io.github.minichat.common;

/**
 * A request to store and deliver one message.
 *
 * @param cid                client message id (nullable); same sender + cid = same message
 * @param originConnection   the connection that sent it (nullable), which gets an ack instead of a copy
 * @param fileId             the sender's upload this message sends (nullable; the text is then empty)
 * @param attachment         that upload as the store found it (null until then)
 */
public record SendMessage(long fromId, long toId, String text, String cid, Origin origin, String originConnection,
                          String fileId, Attachment attachment) {

  /** A text message. */
  public SendMessage(long fromId, long toId, String text, String cid, Origin origin, String originConnection) {
    this(fromId, toId, text, cid, origin, originConnection, null, null);
  }

  public SendMessage withAttachment(Attachment attachment) {
    return new SendMessage(fromId, toId, text, cid, origin, originConnection, fileId, attachment);
  }
}
