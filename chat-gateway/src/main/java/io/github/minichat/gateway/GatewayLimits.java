package io.github.minichat.gateway;

import io.github.minichat.platform.Env;
import java.time.Duration;

/**
 * The limits that keep one client, one user or a slow backend from taking a gateway down, each from an environment
 * variable of {@link GatewaySettings} with a safe default (SECURITY.md gives the reasoning behind each default).
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
 * @param typingInterval         a connection forwards one typing hint per peer per interval
 */
public record GatewayLimits(int maxJsonDepth, int maxJsonNumberDigits, int framesPerSecond, int frameBurst,
                            int messagesPerMinute, int messageBurst, int httpRequestsPerSecond, int httpBurst,
                            int rateStrikes, int connectionsPerUser, int maxQueuedSends, int maxWriteQueueBytes,
                            int maxPendingRequests, int maxHistoryPage, int maxSyncPage, int maxSyncBytes,
                            int maxConnections, Duration typingInterval) {

  public static GatewayLimits from(Env env) {
    return new GatewayLimits(
        env.get(GatewaySettings.MAX_JSON_DEPTH),
        env.get(GatewaySettings.MAX_JSON_NUMBER_DIGITS),
        env.get(GatewaySettings.FRAMES_PER_SECOND),
        env.get(GatewaySettings.FRAME_BURST),
        env.get(GatewaySettings.MESSAGES_PER_MINUTE),
        env.get(GatewaySettings.MESSAGE_BURST),
        env.get(GatewaySettings.HTTP_REQUESTS_PER_SECOND),
        env.get(GatewaySettings.HTTP_BURST),
        env.get(GatewaySettings.RATE_STRIKES),
        env.get(GatewaySettings.MAX_CONNECTIONS_PER_USER),
        env.get(GatewaySettings.MAX_QUEUED_SENDS),
        env.get(GatewaySettings.MAX_WRITE_QUEUE_BYTES),
        env.get(GatewaySettings.MAX_PENDING_REQUESTS),
        env.get(GatewaySettings.MAX_HISTORY_PAGE),
        env.get(GatewaySettings.MAX_SYNC_PAGE),
        env.get(GatewaySettings.MAX_SYNC_BYTES),
        env.get(GatewaySettings.MAX_CONNECTIONS),
        env.get(GatewaySettings.TYPING_INTERVAL));
  }
}
