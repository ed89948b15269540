package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;

/**
 * A refusal by one of the token buckets: the only refusal that counts as a strike toward closing a socket, since a
 * client that keeps pushing into a limit after being told when to retry is abusing it. Other refusals (a sync
 * already in flight, a full queue) are the client's or the server's pace, not abuse.
 */
final class RateLimitExceeded extends ChatException {

  RateLimitExceeded(String message, long retryAfterMillis) {
    super(ChatError.RATE_LIMITED, message, retryAfterMillis);
  }
}
