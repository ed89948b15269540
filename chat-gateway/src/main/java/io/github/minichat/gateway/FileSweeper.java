package io.github.minichat.gateway;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes from storage the uploads that were never sent (or lost their last message to a recall) once the message
 * service has forgotten them. Every gateway sweeps: the service hands each expired upload to one sweeper only.
 */
final class FileSweeper extends VerticleBase {

  static final int BATCH = 100;

  private static final Logger LOG = LoggerFactory.getLogger(FileSweeper.class);

  private final FileRegistry registry;
  private final FileStorage storage;
  private final Duration every;
  private boolean sweeping;

  FileSweeper(FileRegistry registry, FileStorage storage, Duration every) {
    this.registry = registry;
    this.storage = storage;
    this.every = every;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(every.toMillis(), every.toMillis(), id -> sweep());
    return Future.succeededFuture();
  }

  /** One sweep at a time; a full batch is followed by the next at once, so a backlog clears within a sweep. */
  Future<Integer> sweep() {
    if (sweeping) {
      return Future.succeededFuture(0);
    }
    sweeping = true;
    return sweepFrom(0).onComplete(done -> sweeping = false)
        .onSuccess(count -> {
          if (count > 0) {
            LOG.info("Deleted {} upload(s) that expired unsent", count);
          }
        })
        .onFailure(failure -> LOG.warn("Upload sweep stopped: {}", failure.toString()));
  }

  private Future<Integer> sweepFrom(int deleted) {
    return registry.claimExpired(BATCH).compose(ids -> {
      List<Future<Void>> deletions = new ArrayList<>();
      for (String id : ids) {
        deletions.add(storage.delete(FileStorage.fileKey(id)));
        deletions.add(storage.delete(FileStorage.thumbKey(id)));
      }
      // the rows are gone: an object whose deletion failed is logged, not retried (its id is known nowhere else)
      return Future.join(deletions).transform(done -> {
        deletions.stream().filter(Future::failed).findFirst().ifPresent(failed ->
            LOG.warn("Some expired uploads stay in storage: {}", failed.cause().toString()));
        int total = deleted + ids.size();
        return ids.size() < BATCH ? Future.succeededFuture(total) : sweepFrom(total);
      });
    });
  }
}
