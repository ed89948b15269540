package io.github.minichat.gateway;

import io.github.minichat.common.Attachment;
import io.github.minichat.common.FileRegistration;
import io.vertx.core.Future;
import java.util.List;

/** Where uploads are recorded (the message service, which also knows who may read them). */
interface FileRegistry {

  /** Records a stored upload as its owner's; fails {@code rate_limited} or {@code unavailable} like any request. */
  Future<Void> register(FileRegistration registration);

  /**
   * The upload, if {@code userId} may read it (its owner, or a participant of a message holding it); fails
   * {@code not_found} otherwise.
   */
  Future<Attachment> readable(long userId, String fileId);

  /** Forgets up to {@code limit} uploads that expired unsent (or whose messages were recalled): their ids. */
  Future<List<String>> claimExpired(int limit);
}
