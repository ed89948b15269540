package io.github.minichat.message;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Groups requests into batches for a writer that stores a whole batch in one transaction. No timer and no linger: a
 * batch leaves as soon as a writer slot is free, so a lone request waits for nothing, and under load the requests
 * that arrive while the slots are busy form the next batches (group commit). Used on one event loop only.
 *
 * @param <I> a request
 * @param <O> its outcome
 */
final class GroupCommit<I, O> {

  /** Writes a batch; the outcome of the i-th request is the i-th future of the list. */
  @FunctionalInterface
  interface BatchWriter<I, O> {
    Future<List<Future<O>>> write(List<I> batch);
  }

  private record Pending<I, O>(I request, Promise<O> promise) {
  }

  private final int maxBatch;
  private final int maxInFlight;
  private final int maxQueued;
  private final Function<I, Object> key;
  private final BatchWriter<I, O> writer;
  private final ArrayDeque<Pending<I, O>> queue = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param key requests with equal keys never share a batch (the later one goes in a later batch), so that a
   *            writer may rely on the keys of one batch being distinct
   */
  GroupCommit(int maxBatch, int maxInFlight, int maxQueued, Function<I, Object> key, BatchWriter<I, O> writer) {
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
    this.maxQueued = maxQueued;
    this.key = key;
    this.writer = writer;
  }

  Future<O> submit(I request) {
    if (queue.size() >= maxQueued) {
      return Future.failedFuture(new ChatException(ChatError.UNAVAILABLE, "storage is behind; retry"));
    }
    Promise<O> promise = Promise.promise();
    queue.add(new Pending<>(request, promise));
    flush();
    return promise.future();
  }

  int queued() {
    return queue.size();
  }

  private void flush() {
    while (inFlight < maxInFlight && !queue.isEmpty()) {
      List<Pending<I, O>> batch = nextBatch();
      inFlight++;
      Future<List<Future<O>>> written;
      try {
        written = writer.write(batch.stream().map(Pending::request).toList());
      } catch (RuntimeException e) {
        written = Future.failedFuture(e);
      }
      written.onComplete(result -> {
        inFlight--;
        for (int i = 0; i < batch.size(); i++) {
          Promise<O> promise = batch.get(i).promise();
          if (result.failed()) {
            promise.fail(result.cause());
          } else {
            result.result().get(i).onComplete(promise);
          }
        }
        flush();
      });
    }
  }

  private List<Pending<I, O>> nextBatch() {
    List<Pending<I, O>> batch = new ArrayList<>(Math.min(maxBatch, queue.size()));
    Set<Object> keys = new HashSet<>();
    Iterator<Pending<I, O>> waiting = queue.iterator();
    while (waiting.hasNext() && batch.size() < maxBatch) {
      Pending<I, O> pending = waiting.next();
      if (keys.add(key.apply(pending.request()))) {
        batch.add(pending);
        waiting.remove();
      }
    }
    return batch;
  }
}
