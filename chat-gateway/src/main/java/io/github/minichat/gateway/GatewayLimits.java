package io.github.minichat.gateway;

import io.github.minichat.platform.Env;

/**
 * The limits that keep one client, one user or a slow backend from taking a gateway down, each from an environment
 * variable with a safe default (see SECURITY.md for the reasoning behind each default).
 *
 * @param maxJsonDepth           nesting depth of a frame or request body
 * @param maxJsonNumberDigits    digits of one JSON number
 * @param framesPerSecond        sustained frames per second per connection
 * @param frameBurst             frames a connection may send at once before the rate applies
 * @param messagesPerMinute      sustained messages per minute per user (WebSocket and HTTP together, per gateway)
 * @param messageBurst           messages a user may send at once before the rate applies
 * @param httpRequestsPerSecond  sustained HTTP API requests per second per user (per gateway)
 * @param httpBurst              HTTP API requests a user may send at once
 * @param rateStrikes            refused frames in a row after which the connection is closed with 1008
 * @param connectionsPerUser     open sockets per user on one gateway
 * @param maxQueuedSends         sends waiting behind each other on one socket
 * @param maxWriteQueueBytes     bytes waiting to be written to one socket before it counts as a slow consumer
 * @param maxPendingRequests     requests of this gateway waiting for the message and presence services
 * @param maxHistoryPage         messages per history page
 * @param maxSyncPage            messages per sync page
 * @param maxSyncBytes           size a sync frame is kept under (estimated; a page of long texts ends early)
 * @param maxConnections         open sockets on this gateway process, all users together; beyond, the upgrade is
 *                               refused with 503 and Retry-After so that the client (or the proxy) goes elsewhere
 *                               before the pod runs out of memory; 0 means no cap
 */
public record GatewayLimits(int maxJsonDepth, int maxJsonNumberDigits, int framesPerSecond, int frameBurst,
                            int messagesPerMinute, int messageBurst, int httpRequestsPerSecond, int httpBurst,
                            int rateStrikes, int connectionsPerUser, int maxQueuedSends, int maxWriteQueueBytes,
                            int maxPendingRequests, int maxHistoryPage, int maxSyncPage, int maxSyncBytes,
                            int maxConnections) {

  public static GatewayLimits from(Env env) {
    return new GatewayLimits(
        positive(env, "CHAT_MAX_JSON_DEPTH", 16),
        positive(env, "CHAT_MAX_JSON_NUMBER_DIGITS", 32),
        positive(env, "CHAT_FRAMES_PER_SECOND", 50),
        positive(env, "CHAT_FRAME_BURST", 100),
        positive(env, "CHAT_MESSAGES_PER_MINUTE", 600),
        positive(env, "CHAT_MESSAGE_BURST", 60),
        positive(env, "CHAT_HTTP_REQUESTS_PER_SECOND", 20),
        positive(env, "CHAT_HTTP_BURST", 40),
        positive(env, "CHAT_RATE_STRIKES", 20),
        positive(env, "CHAT_MAX_CONNECTIONS_PER_USER", 10),
        positive(env, "CHAT_MAX_QUEUED_SENDS", 64),
        positive(env, "CHAT_MAX_WRITE_QUEUE_BYTES", 512 * 1024),
        positive(env, "CHAT_MAX_PENDING_REQUESTS", 10_000),
        positive(env, "CHAT_MAX_HISTORY_PAGE", 100),
        positive(env, "CHAT_MAX_SYNC_PAGE", 500),
        positive(env, "CHAT_MAX_SYNC_BYTES", 512 * 1024),
        notNegative(env, "CHAT_MAX_CONNECTIONS", 0));
  }

  private static int notNegative(Env env, String name, int defaultValue) {
    int value = env.integer(name, defaultValue);
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be 0 (no cap) or positive, got " + value);
    }
    return value;
  }

  private static int positive(Env env, String name, int defaultValue) {
    int value = env.integer(name, defaultValue);
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
    return value;
  }
}
