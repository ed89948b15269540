package io.github.minichat.gateway;

import io.github.minichat.common.UserTokens;
import io.github.minichat.platform.Setting;
import java.time.Duration;
import java.util.List;

/** The gateway's settings: where it listens, its tokens, its limits per connection, user and process. */
public final class GatewaySettings {

  public static final Setting<String> HTTP_HOST = Setting.text("CHAT_HTTP_HOST", "0.0.0.0", "gateway listen address");
  public static final Setting<Integer> HTTP_PORT = Setting.integer("CHAT_HTTP_PORT", 8080,
      "gateway port (WebSocket `/ws`, HTTP `/api`, `/health`, the chat page `/` and the client module `/client/`)");
  public static final Setting<Integer> INSTANCES = Setting.positive("CHAT_GATEWAY_INSTANCES", 1,
          "socket verticles sharing the port")
      .defaultsTo(env -> Runtime.getRuntime().availableProcessors(),
          "CPU cores (launcher: cores − 1, at least 1)");
  public static final Setting<String> JWT_SECRET = Setting.secret(UserTokens.SECRET_VARIABLE,
      "HS256 secret of user tokens, or a file holding it (a mounted secret); unset: the development secret, in the"
          + " dev profile only (with a warning); the prod profile refuses to start without one of at least 32 bytes");
  public static final Setting<Duration> JWT_LEEWAY = Setting.seconds("CHAT_JWT_LEEWAY_S", 30,
      "clock skew tolerated on `exp`, `nbf`, `iat`");
  public static final Setting<Duration> IDLE_TIMEOUT = Setting.millis("CHAT_IDLE_TIMEOUT_MS", 60_000,
      "a socket silent for longer is closed (code 4408)");
  public static final Setting<Duration> DRAIN = Setting.millis("CHAT_DRAIN_MS", 10_000,
      "on SIGTERM, how long a gateway waits for its clients to leave (after closing them with 1012)");

  public static final Setting<Integer> MAX_PRESENCE_SUBSCRIPTIONS = Setting.positive(
      "CHAT_MAX_PRESENCE_SUBSCRIPTIONS", 200, "distinct users one connection may watch with `online`");
  public static final Setting<Integer> MAX_TEXT_LENGTH = Setting.positive("CHAT_MAX_TEXT_LENGTH", 5_000,
      "characters (code points) per message");
  public static final Setting<Integer> MAX_FRAME_BYTES = Setting.positive("CHAT_MAX_FRAME_BYTES", 64 * 1024,
      "largest WebSocket frame or message; larger closes the socket with 1009");
  public static final Setting<Integer> MAX_BODY_BYTES = Setting.positive("CHAT_MAX_BODY_BYTES", 64 * 1024,
      "largest HTTP request body (413 beyond)");
  public static final Setting<Integer> MAX_JSON_DEPTH = Setting.positive("CHAT_MAX_JSON_DEPTH", 16,
      "nesting depth of a frame or request body (`invalid_json` beyond)");
  public static final Setting<Integer> MAX_JSON_NUMBER_DIGITS = Setting.positive("CHAT_MAX_JSON_NUMBER_DIGITS", 32,
      "digits of one JSON number");

  public static final Setting<Integer> FRAMES_PER_SECOND = Setting.positive("CHAT_FRAMES_PER_SECOND", 50,
      "token bucket of frames per connection: sustained rate (`rate_limited` with `retry_after_ms` beyond)");
  public static final Setting<Integer> FRAME_BURST = Setting.positive("CHAT_FRAME_BURST", 100,
      "token bucket of frames per connection: frames at once before the rate applies");
  public static final Setting<Integer> MESSAGES_PER_MINUTE = Setting.positive("CHAT_MESSAGES_PER_MINUTE", 600,
      "token bucket of messages per user on one gateway, WebSocket and HTTP together: sustained rate");
  public static final Setting<Integer> MESSAGE_BURST = Setting.positive("CHAT_MESSAGE_BURST", 60,
      "messages a user may send at once before the rate applies");
  public static final Setting<Integer> HTTP_REQUESTS_PER_SECOND = Setting.positive(
      "CHAT_HTTP_REQUESTS_PER_SECOND", 20,
      "token bucket of HTTP API requests per user on one gateway: sustained rate (429 with `Retry-After` beyond)");
  public static final Setting<Integer> HTTP_BURST = Setting.positive("CHAT_HTTP_BURST", 40,
      "HTTP API requests a user may send at once before the rate applies");
  public static final Setting<Integer> RATE_STRIKES = Setting.positive("CHAT_RATE_STRIKES", 20,
      "frames refused in a row by the rate limits (token buckets; no other refusal counts) after which the socket"
          + " is closed with 1008");
  public static final Setting<Integer> MAX_CONNECTIONS_PER_USER = Setting.positive("CHAT_MAX_CONNECTIONS_PER_USER",
      10, "open sockets per user on one gateway (the upgrade gets 429 beyond)");
  public static final Setting<Integer> MAX_CONNECTIONS = Setting.integer("CHAT_MAX_CONNECTIONS", 0,
          "open sockets on one gateway process, all users together; `0`: no cap. Beyond, the upgrade gets 503 with"
              + " `Retry-After: 1`, so that the client or the proxy goes to another gateway before this one runs out"
              + " of memory (the Kubernetes manifests set 10,000)")
      .requiring(cap -> cap >= 0, "0 (no cap) or positive");
  public static final Setting<Integer> MAX_QUEUED_SENDS = Setting.positive("CHAT_MAX_QUEUED_SENDS", 64,
      "sends waiting on one socket for the ones before them; when full the gateway stops reading the socket until"
          + " half have been answered (TCP back-pressure, nothing is refused)");
  public static final Setting<Integer> MAX_WRITE_QUEUE_BYTES = Setting.positive("CHAT_MAX_WRITE_QUEUE_BYTES",
      512 * 1024, "bytes waiting to be written to one socket; beyond, the client is a slow consumer and is"
          + " disconnected (it catches up with `sync`)");
  public static final Setting<Integer> MAX_PENDING_REQUESTS = Setting.positive("CHAT_MAX_PENDING_REQUESTS", 10_000,
      "requests one gateway may have waiting on the message and presence services; beyond, requests are shed at"
          + " once with `overloaded` (HTTP 503 with `Retry-After`)");
  public static final Setting<Integer> MAX_HISTORY_PAGE = Setting.positive("CHAT_MAX_HISTORY_PAGE", 100,
      "messages per history page (larger limits are capped)");
  public static final Setting<Integer> MAX_SYNC_PAGE = Setting.positive("CHAT_MAX_SYNC_PAGE", 500,
      "messages per sync page (larger limits are capped)");
  public static final Setting<Integer> MAX_SYNC_BYTES = Setting.positive("CHAT_MAX_SYNC_BYTES", 512 * 1024,
      "a sync frame is kept under this size (estimated); a page of long texts ends early with `has_more`");

  public static final Setting<Duration> BUS_TIMEOUT = Setting.millis("CHAT_BUS_TIMEOUT_MS", 5_000,
      "how long a gateway waits for a service before answering `timeout`");
  public static final Setting<Integer> SEND_ATTEMPTS = Setting.positive("CHAT_SEND_ATTEMPTS", 4,
      "tries of a send with a `cid` that failed with a retryable error (backoff 100, 200, 400 ms)");
  public static final Setting<Duration> PUSH_GAP = Setting.millis("CHAT_PUSH_GAP_MS", 200,
      "how long a connection's pushes may wait for an earlier one that has not come (pushes race between message"
          + " services) before the gateway reads the missing messages from the store");

  public static final Setting<String> PUBLIC_URL = Setting.optional("CHAT_PUBLIC_URL",
      "the address clients reach the gateways at (`https://chat.example.com`), for the links to uploads; unset: the"
          + " scheme and `Host` of each request");

  public static final Setting<Duration> TYPING_INTERVAL = Setting.millis("CHAT_TYPING_INTERVAL_MS", 2_000,
      "a connection's `typing` hints are forwarded at most once per peer per interval; the others are dropped");

  public static final List<Setting<?>> ALL = List.of(HTTP_HOST, HTTP_PORT, INSTANCES, JWT_SECRET, JWT_LEEWAY,
      IDLE_TIMEOUT, DRAIN, MAX_PRESENCE_SUBSCRIPTIONS, MAX_TEXT_LENGTH, MAX_FRAME_BYTES, MAX_BODY_BYTES,
      MAX_JSON_DEPTH, MAX_JSON_NUMBER_DIGITS, FRAMES_PER_SECOND, FRAME_BURST, MESSAGES_PER_MINUTE, MESSAGE_BURST,
      HTTP_REQUESTS_PER_SECOND, HTTP_BURST, RATE_STRIKES, MAX_CONNECTIONS_PER_USER, MAX_CONNECTIONS,
      MAX_QUEUED_SENDS, MAX_WRITE_QUEUE_BYTES, MAX_PENDING_REQUESTS, MAX_HISTORY_PAGE, MAX_SYNC_PAGE,
      MAX_SYNC_BYTES, BUS_TIMEOUT, SEND_ATTEMPTS, PUSH_GAP, TYPING_INTERVAL, PUBLIC_URL);

  private GatewaySettings() {
  }
}
