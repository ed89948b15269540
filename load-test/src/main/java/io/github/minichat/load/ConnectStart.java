package io.github.minichat.load;

import io.vertx.core.Future;
import java.time.Duration;

/** Opens connection {@code index}'s socket with the loops' client and handshake options for that index. */
final class ConnectStart {

  private ConnectStart() {
  }

  static Future<Void> open(ClientLoops loops, ClientLoops.Loop loop, ChatSocket socket, int index, String token,
      ReadyProbe probe, Duration timeout) {
    return socket.open(loop.vertx(), loops.client(index), loops.connectOptions(index, token, timeout.toMillis()),
        probe, timeout.toMillis());
  }
}
