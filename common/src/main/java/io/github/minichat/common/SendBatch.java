package io.github.minichat.common;

import java.util.List;

/** Sends that travel to a message service as one request; each is answered on its own (see {@link SendOutcomes}). */
public record SendBatch(List<SendMessage> sends) {
  public SendBatch {
    sends = List.copyOf(sends);
  }
}
