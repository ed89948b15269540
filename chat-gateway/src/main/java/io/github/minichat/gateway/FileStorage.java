package io.github.minichat.gateway;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Where the bytes of uploads are kept, by key ({@code files/<id>}, {@code thumbs/<id>}): a local directory or an
 * S3-compatible object store. What is known of an upload, and who may read it, is in the message service.
 */
interface FileStorage {

  /** Keeps the file at {@code path} (a finished temporary upload, which may be moved away) under {@code key}. */
  Future<Void> put(String key, String path, String mime);

  /** Keeps {@code bytes} (a thumbnail) under {@code key}. */
  Future<Void> put(String key, Buffer bytes, String mime);

  /**
   * Writes what is under {@code key} as the response's body and ends it (its headers set by the caller), without
   * holding it in memory; fails {@code not_found} before anything is written when there is nothing.
   */
  Future<Void> send(String key, HttpServerResponse response);

  /** Deletes what is under {@code key}; nothing there is no failure. */
  Future<Void> delete(String key);

  /** Where uploads stream to while they come in: beside the store for a directory, so that keeping is a rename. */
  String uploadsDirectory();

  Future<Void> close();

  static String fileKey(String fileId) {
    return "files/" + fileId;
  }

  static String thumbKey(String fileId) {
    return "thumbs/" + fileId;
  }
}
