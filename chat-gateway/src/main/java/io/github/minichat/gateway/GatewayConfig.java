package io.github.minichat.gateway;

import io.github.minichat.common.UserTokens;
import io.github.minichat.platform.Env;
import io.github.minichat.platform.Profile;
import java.time.Duration;

/**
 * Settings of a gateway node, each from an environment variable of {@link GatewaySettings}.
 *
 * @param profile              dev (quick start, dev-only conveniences) or prod (strict configuration)
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
 * @param limits               rates, quotas and queue bounds
 * @param publicUrl            where clients reach the gateways, for links; null: each request's own address
 * @param files                where uploads are kept, their limits and their links
 */
public record GatewayConfig(Profile profile, String host, int port, String gatewayId, int instances, String jwtSecret,
                            Duration jwtLeeway, Duration idleTimeout, int maxSubscriptions, int maxTextLength,
                            int maxFrameBytes, int maxBodyBytes, Duration requestTimeout,
                            int sendAttempts, Duration pushGapBound, GatewayLimits limits, String publicUrl,
                            FilesConfig files) {

  public static final int DEFAULT_HISTORY_LIMIT = 30;
  public static final int DEFAULT_SYNC_LIMIT = 100;

  public static GatewayConfig from(Env env, String nodeId) {
    return from(env, nodeId, env.get(GatewaySettings.INSTANCES));
  }

  /**
   * As {@link #from(Env, String)}, with {@code defaultInstances} socket verticles unless CHAT_GATEWAY_INSTANCES says
   * otherwise.
   */
  public static GatewayConfig from(Env env, String nodeId, int defaultInstances) {
    Profile profile = Profile.from(env);
    String jwtSecret = jwtSecret(env, profile);
    return new GatewayConfig(
        profile,
        env.get(GatewaySettings.HTTP_HOST),
        env.get(GatewaySettings.HTTP_PORT),
        nodeId,
        env.get(GatewaySettings.INSTANCES.withDefault(defaultInstances)),
        jwtSecret,
        env.get(GatewaySettings.JWT_LEEWAY),
        env.get(GatewaySettings.IDLE_TIMEOUT),
        env.get(GatewaySettings.MAX_PRESENCE_SUBSCRIPTIONS),
        env.get(GatewaySettings.MAX_TEXT_LENGTH),
        env.get(GatewaySettings.MAX_FRAME_BYTES),
        env.get(GatewaySettings.MAX_BODY_BYTES),
        env.get(GatewaySettings.BUS_TIMEOUT),
        env.get(GatewaySettings.SEND_ATTEMPTS),
        env.get(GatewaySettings.PUSH_GAP),
        GatewayLimits.from(env),
        env.get(GatewaySettings.PUBLIC_URL),
        FilesConfig.from(env, jwtSecret));
  }

  /** Shortest secret accepted in production: HS256 wants at least 256 bits of key. */
  static final int MIN_PRODUCTION_SECRET_BYTES = 32;

  /** {@code CHAT_JWT_SECRET} or the file named by {@code CHAT_JWT_SECRET_FILE}; the dev secret only in dev. */
  static String jwtSecret(Env env, Profile profile) {
    String secret = env.get(GatewaySettings.JWT_SECRET);
    if (!profile.isProduction()) {
      return secret == null ? UserTokens.DEV_SECRET : secret;
    }
    if (secret == null || secret.equals(UserTokens.DEV_SECRET)) {
      throw new IllegalArgumentException(
          "CHAT_PROFILE=prod needs CHAT_JWT_SECRET or CHAT_JWT_SECRET_FILE, and not the development secret");
    }
    if (secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_PRODUCTION_SECRET_BYTES) {
      throw new IllegalArgumentException("CHAT_JWT_SECRET must be at least " + MIN_PRODUCTION_SECRET_BYTES
          + " bytes with CHAT_PROFILE=prod");
    }
    return secret;
  }

  /** The secret the command-line tools mint with: the same rules as the server's. */
  public static String jwtSecret(Env env) {
    return jwtSecret(env, Profile.from(env));
  }
}
