package io.github.minichat.load;

/** What the chat driver talks to. */
enum ChatTarget {
  /** A minichat gateway: init, bind, say → ack, text pushed to the recipient. */
  CHAT,
  /** The bare echo server ({@code echo-server}): every frame comes back to its sender, which counts as delivered. */
  ECHO
}
