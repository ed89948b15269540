package io.github.minichat.load;

import java.time.Duration;
import java.util.List;

/**
 * What a chat run does, shared by its loops.
 *
 * @param users           connections, one per user, user ids from {@code tokens}' first user
 * @param target          a chat gateway or the bare echo server
 * @param mode            who talks to whom
 * @param peers           peers per user in {@link ChatMode#PEERS} mode
 * @param rate            messages per second in all, open loop; 0: each connection keeps {@code window} in flight
 * @param warmup          sent and accounted for, but not in the latency figures and rates
 * @param duration        the measured sending time after the warm-up
 * @param textBytes       characters of each message's {@code data}: send time, a bar, padding
 * @param window          sends per connection waiting for their ack (or echo) at most; later ones wait their turn
 * @param inFlight        handshakes in flight at most while connecting
 * @param timeout         a connection not bound within this fails
 * @param drainGrace      after the last send, how long to wait for outstanding acks and deliveries
 * @param targets         gateways (or echo servers), round robin
 * @param sourceAddresses local addresses to bind, round robin; empty: the OS chooses
 * @param tokens          one per user
 */
record ChatPlan(int users, ChatTarget target, ChatMode mode, int peers, double rate, Duration warmup,
                Duration duration, int textBytes, int window, int inFlight, Duration timeout, Duration drainGrace,
                List<GatewayTarget> targets, List<String> sourceAddresses, Tokens tokens) {

  boolean openLoop() {
    return rate > 0;
  }

  /** What follows a send time of {@code timeDigits} characters in a message's data so that it is textBytes long. */
  String padding(int timeDigits) {
    return "|" + "x".repeat(Math.max(0, textBytes - timeDigits - 1));
  }
}
