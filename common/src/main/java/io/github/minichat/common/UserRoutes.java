package io.github.minichat.common;

import java.util.Map;
import java.util.Set;

/** The answer to {@link LocateUsers}: a route for each located user that has connections (absent: offline). */
public record UserRoutes(Map<Long, Route> routes) {

  public UserRoutes {
    routes = Map.copyOf(routes);
  }

  /** The gateway nodes holding the user's connections, and the peers whose chats those connections have open. */
  public record Route(Set<String> gateways, Set<Long> viewing) {
    public Route {
      gateways = Set.copyOf(gateways);
      viewing = Set.copyOf(viewing);
    }
  }

  /** Whether some connection of {@code user} has the chat with {@code peer} open. */
  public boolean isViewing(long user, long peer) {
    Route route = routes.get(user);
    return route != null && route.viewing().contains(peer);
  }

  public Set<String> gatewaysOf(long user) {
    Route route = routes.get(user);
    return route == null ? Set.of() : route.gateways();
  }
}
