package io.github.minichat.common;

import java.util.List;

/** Newest activity first. */
public record GroupList(List<GroupInfo> groups) {
  public GroupList {
    groups = List.copyOf(groups);
  }
}
