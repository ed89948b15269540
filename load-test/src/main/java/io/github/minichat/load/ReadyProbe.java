package io.github.minichat.load;

/** The frame sent right after {@code bind} whose answer marks a connection ready. */
enum ReadyProbe {
  /** Answered by the gateway itself: handshake, token and bind, not the presence registration behind it. */
  HEART,
  /** Answered after the presence registration and one inbox query: the whole connect, as a syncing client sees it. */
  SYNC
}
