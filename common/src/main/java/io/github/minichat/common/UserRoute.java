package io.github.minichat.common;

import java.util.Set;

/**
 * A user's route as of one version of their presence entry: the gateway nodes holding their connections (none: not
 * connected) and the chats those connections have open. What the message services' route tables hold; also
 * published by the presence service when a connection opens another chat, before it answers the gateway, so that
 * the route tables know of it by the time the client does.
 */
public record UserRoute(long userId, long version, Set<String> gateways, Set<Long> viewing) {
  public UserRoute {
    gateways = Set.copyOf(gateways);
    viewing = Set.copyOf(viewing);
  }
}
