package io.github.minichat.load;

import java.time.Duration;
import java.util.List;

/**
 * What a connect storm does, shared by its verticles.
 *
 * @param connections     sockets to open in all
 * @param rate            target connects per second in all; 0 or less: as fast as the in-flight bound allows
 * @param inFlight        handshakes in flight at most, in all
 * @param readyProbe      the frame after bind whose answer marks a connection ready
 * @param timeout         a connection not ready within this fails
 * @param heartbeat       heartbeat period of ready connections (the seed client's is 30 s)
 * @param targets         gateways, taken round robin
 * @param sourceAddresses local addresses to bind, taken round robin; empty: the OS chooses
 * @param tokens          one per connection, for consecutive user ids
 */
record StormPlan(int connections, double rate, int inFlight, ReadyProbe readyProbe, Duration timeout,
                 Duration heartbeat, List<GatewayTarget> targets, List<String> sourceAddresses, Tokens tokens) {
}
