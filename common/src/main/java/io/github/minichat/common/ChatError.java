package io.github.minichat.common;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Every error the system names, with its wire code, its HTTP status and the failure code it travels under on the
 * event bus. Services fail requests with {@link ChatException}; only the gateway turns them into error frames or
 * HTTP responses.
 */
public enum ChatError {
  INVALID_JSON("invalid_json", 400),
  UNKNOWN_TYPE("unknown_type", 400),
  INVALID_FIELD("invalid_field", 400),
  SELF_MESSAGE("self_message", 400),
  TEXT_TOO_LONG("text_too_long", 413),
  TOO_LARGE("too_large", 413),
  UNAUTHORIZED("unauthorized", 401),
  FORBIDDEN("forbidden", 403),
  NOT_BOUND("not_bound", 403),
  NOT_FOUND("not_found", 404),
  CID_CONFLICT("cid_conflict", 409),
  TOO_MANY_SUBSCRIPTIONS("too_many_subscriptions", 429),
  RATE_LIMITED("rate_limited", 429),
  UNAVAILABLE("unavailable", 503),
  TIMEOUT("timeout", 503),
  INTERNAL("internal", 500),
  // new codes go last: failure codes follow the declaration order
  OVERLOADED("overloaded", 503),
  TOO_MANY_CONNECTIONS("too_many_connections", 429),
  /** A limit of the data was reached (members per group, groups per user): the request cannot succeed as it is. */
  LIMIT_REACHED("limit_reached", 409),
  /** A recall asked after the recall window closed. */
  RECALL_EXPIRED("recall_expired", 403),
  /** An upload whose bytes are not what it declares, or of a type not accepted. */
  UNSUPPORTED_TYPE("unsupported_type", 415);

  private static final int FAILURE_CODE_BASE = 4000;

  private final String code;
  private final int httpStatus;

  ChatError(String code, int httpStatus) {
    this.code = code;
    this.httpStatus = httpStatus;
  }

  /** The {@code code} field of error frames and HTTP error bodies. */
  public String code() {
    return code;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** Whether the same request may succeed if sent again later. */
  public boolean retryable() {
    return httpStatus == 503;
  }

  /** The failure code under which this error crosses the event bus. */
  public int failureCode() {
    return FAILURE_CODE_BASE + ordinal();
  }

  /** Maps a failed event-bus request back to the error it stands for. */
  public static ChatError of(Throwable failure) {
    if (failure instanceof ChatException chat) {
      return chat.error();
    }
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.TIMEOUT) {
        return TIMEOUT;
      }
      if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
        return UNAVAILABLE;
      }
      int index = reply.failureCode() - FAILURE_CODE_BASE;
      if (index >= 0 && index < values().length) {
        return values()[index];
      }
    }
    return INTERNAL;
  }
}
