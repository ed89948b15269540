package io.github.minichat.common;

import java.util.Set;

/**
 * A user's route as of one version of their presence entry: the gateway nodes holding their connections and the
 * chats those connections have open. Published by the presence service when a connection opens another chat, before
 * it answers the gateway, so that the message services' route tables know of it by the time the client does.
 */
public record RouteChanged(long userId, long version, Set<String> gateways, Set<Long> viewing) {
  public RouteChanged {
    gateways = Set.copyOf(gateways);
    viewing = Set.copyOf(viewing);
  }
}
