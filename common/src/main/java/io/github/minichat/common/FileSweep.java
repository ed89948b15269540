package io.github.minichat.common;

import java.util.List;

/**
 * Asks for up to {@code limit} uploads that expired unsent (or lost their last message to a recall), which are
 * forgotten as they are answered: the answer's {@code fileIds} are for the asker to delete from storage.
 */
public record FileSweep(int limit, List<String> fileIds) {
  public FileSweep {
    fileIds = List.copyOf(fileIds);
  }

  public static FileSweep ask(int limit) {
    return new FileSweep(limit, List.of());
  }
}
