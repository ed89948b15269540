package io.github.minichat.common;

import java.util.List;

/**
 * Where are these users connected? When {@code viewer} and {@code viewed} are set (non-zero), also answers
 * whether some connection of {@code viewer} has the chat with {@code viewed} open.
 */
public record LocateRequest(List<Long> userIds, long viewer, long viewed) {
  public LocateRequest {
    userIds = List.copyOf(userIds);
  }
}
