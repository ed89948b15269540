package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.FileSystem;
import io.vertx.core.http.HttpServerResponse;
import java.nio.file.Path;

/**
 * Uploads in a directory ({@code CHAT_FILE_DIR}): the all-in-one quick start's store, or several gateways sharing a
 * volume. Temporary uploads stream into its {@code tmp/}, on the same file system, so that keeping one is a rename.
 */
final class LocalFileStorage implements FileStorage {

  private final FileSystem fs;
  private final Path root;

  private LocalFileStorage(Vertx vertx, Path root) {
    this.fs = vertx.fileSystem();
    this.root = root;
  }

  static Future<FileStorage> open(Vertx vertx, String dir) {
    LocalFileStorage storage = new LocalFileStorage(vertx, Path.of(dir).toAbsolutePath().normalize());
    return storage.fs.mkdirs(storage.uploadsDirectory()).map(created -> storage);
  }

  @Override
  public Future<Void> put(String key, String path, String mime) {
    Path target = resolve(key);
    return fs.mkdirs(target.getParent().toString())
        .compose(created -> fs.move(path, target.toString(), new CopyOptions().setReplaceExisting(true)));
  }

  @Override
  public Future<Void> put(String key, Buffer bytes, String mime) {
    Path target = resolve(key);
    return fs.mkdirs(target.getParent().toString()).compose(created -> fs.writeFile(target.toString(), bytes));
  }

  @Override
  public Future<Void> send(String key, HttpServerResponse response) {
    String path = resolve(key).toString();
    return fs.exists(path).compose(exists -> exists ? response.sendFile(path)
        : Future.failedFuture(new ChatException(ChatError.NOT_FOUND, "the file is gone")));
  }

  @Override
  public Future<Void> delete(String key) {
    String path = resolve(key).toString();
    return fs.exists(path).compose(exists -> exists ? fs.delete(path) : Future.succeededFuture());
  }

  @Override
  public String uploadsDirectory() {
    return root.resolve("tmp").toString();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  /** Keys are made here ({@code files/<id>} with an id of our own alphabet): one that climbs out is a bug. */
  private Path resolve(String key) {
    Path path = root.resolve(key).normalize();
    if (!path.startsWith(root) || path.equals(root)) {
      throw new IllegalArgumentException("storage key outside the store: " + key);
    }
    return path;
  }
}
