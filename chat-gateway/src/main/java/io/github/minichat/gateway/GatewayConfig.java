package io.github.minichat.gateway;

import io.github.minichat.common.Env;
import java.time.Duration;

/**
 * Settings of a gateway node, each from an environment variable (see the README's configuration table).
 *
 * @param gatewayId            this node's id (the cluster node id), naming its delivery address
 * @param jwtSecret            HS256 secret of the users' tokens
 * @param jwtLeeway            clock skew tolerated on exp/nbf/iat
 * @param idleTimeout          a socket silent for longer is closed
 * @param maxSubscriptions     presence subscriptions per connection
 * @param maxTextLength        characters (code points) per message text
 * @param maxFrameBytes        largest WebSocket frame/message accepted
 * @param maxBodyBytes         largest HTTP request body accepted
 * @param requestTimeout       how long to wait for the message and presence services
 * @param sendAttempts         tries of a send with a cid whose answer failed with a retryable error
 */
public record GatewayConfig(String host, int port, String gatewayId, int instances, String jwtSecret,
                            Duration jwtLeeway, Duration idleTimeout, int maxSubscriptions, int maxTextLength,
                            int maxFrameBytes, int maxBodyBytes, Duration requestTimeout,
                            int sendAttempts) {

  /** Used when CHAT_JWT_SECRET is not set, so that the quick start works; never use it in production. */
  public static final String DEV_SECRET = "minichat-dev-secret-do-not-use-in-production";

  public static final int DEFAULT_HISTORY_LIMIT = 30;
  public static final int MAX_HISTORY_LIMIT = 100;
  public static final int DEFAULT_SYNC_LIMIT = 100;
  public static final int MAX_SYNC_LIMIT = 500;

  public static GatewayConfig from(Env env, String nodeId) {
    return new GatewayConfig(
        env.string("CHAT_HTTP_HOST", "0.0.0.0"),
        env.integer("CHAT_HTTP_PORT", 8080),
        nodeId,
        env.integer("CHAT_GATEWAY_INSTANCES", Runtime.getRuntime().availableProcessors()),
        jwtSecret(env),
        Duration.ofSeconds(env.integer("CHAT_JWT_LEEWAY_S", 30)),
        env.millis("CHAT_IDLE_TIMEOUT_MS", 60_000),
        env.integer("CHAT_MAX_PRESENCE_SUBSCRIPTIONS", 200),
        env.integer("CHAT_MAX_TEXT_LENGTH", 5_000),
        env.integer("CHAT_MAX_FRAME_BYTES", 64 * 1024),
        env.integer("CHAT_MAX_BODY_BYTES", 64 * 1024),
        env.millis("CHAT_BUS_TIMEOUT_MS", 5_000),
        env.integer("CHAT_SEND_ATTEMPTS", 4));
  }

  static String jwtSecret(Env env) {
    return env.string("CHAT_JWT_SECRET", DEV_SECRET);
  }
}
