package io.github.minichat.common;

import java.util.Set;

/** The gateway nodes that hold a connection of any of the located users. */
public record Routes(Set<String> gateways, boolean viewing) {
  public Routes {
    gateways = Set.copyOf(gateways);
  }
}
