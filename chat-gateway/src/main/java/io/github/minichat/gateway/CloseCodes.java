package io.github.minichat.gateway;

/** The WebSocket close codes the gateway sends (RFC 6455, section 7.4), each for one reason. */
final class CloseCodes {

  /** A text message that is not UTF-8. */
  static final short INVALID_PAYLOAD = 1007;
  /** Abuse: a rate limit hit again and again, a bind as somebody else. */
  static final short POLICY_VIOLATION = 1008;
  /** A frame or message over the size limit. */
  static final short MESSAGE_TOO_BIG = 1009;
  /** The gateway is restarting: reconnect (to another one). */
  static final short SERVICE_RESTART = 1012;
  /** Try again later: a slow reader, or a bind the services could not take now. Not the end of the session. */
  static final short TRY_AGAIN_LATER = 1013;
  /** Silent for longer than the idle timeout (application range; mirrors HTTP 408). */
  static final short IDLE_TIMEOUT = 4408;

  private CloseCodes() {
  }
}
