package io.github.minichat.common;

/** Where a send came from; the seed's HTTP-store + WebSocket-show pair is merged across origins. */
public enum Origin {
  WS, HTTP
}
