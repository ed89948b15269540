package io.github.minichat.common;

import java.util.List;

/** Where are these users connected, and which chats do their connections have open? One request per batch. */
public record LocateUsers(List<Long> userIds) {
  public LocateUsers {
    userIds = List.copyOf(userIds);
  }
}
