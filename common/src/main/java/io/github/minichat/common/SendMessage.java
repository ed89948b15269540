package io.github.minichat.common;

/**
 * A request to store and deliver one message.
 *
 * @param cid                client message id (nullable); same sender + cid = same message
 * @param originConnection   the connection that sent it (nullable), which gets an ack instead of a copy
 */
public record SendMessage(long fromId, long toId, String text, String cid, Origin origin, String originConnection) {
}
