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
 * that arrive while the slots are busy form the next batches (group commit). A run of requests (one connection's
 * sends, in its order) is never split: it shares one batch, so a later request of it is never written before an
 * earlier one, and a failed batch fails the run as a whole. Used on one event loop only.
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
  /** Runs waiting for a batch, oldest first; a single request is a run of one. */
  private final ArrayDeque<List<Pending<I, O>>> queue = new ArrayDeque<>();
  private int queuedRequests;
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
    return submitRun(List.of(request)).get(0);
  }

  /**
   * Submits requests that must be written in this order and together; their keys must be distinct. A run that
   * does not fit in the queue is refused as a whole, and a run longer than a batch makes a batch of its own.
   *
   * @return the outcome of each request, in the run's order
   */
  List<Future<O>> submitRun(List<I> run) {
    if (run.isEmpty()) {
      return List.of();
    }
    if (queuedRequests + run.size() > maxQueued) {
      Future<O> refused = Future.failedFuture(new ChatException(ChatError.UNAVAILABLE, "storage is behind; retry"));
      return run.stream().map(ignored -> refused).toList();
    }
    List<Pending<I, O>> pending = run.stream().map(request -> new Pending<I, O>(request, Promise.promise())).toList();
    queue.add(pending);
    queuedRequests += pending.size();
    flush();
    return pending.stream().map(each -> each.promise().future()).toList();
  }

  int queued() {
    return queuedRequests;
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

  /** The oldest run, then every later one that fits whole and shares no key with what the batch holds. */
  private List<Pending<I, O>> nextBatch() {
    List<Pending<I, O>> batch = new ArrayList<>(Math.min(maxBatch, queuedRequests));
    Set<Object> keys = new HashSet<>();
    Iterator<List<Pending<I, O>>> waiting = queue.iterator();
    while (waiting.hasNext() && batch.size() < maxBatch) {
      List<Pending<I, O>> run = waiting.next();
      boolean fits = batch.isEmpty() || batch.size() + run.size() <= maxBatch;
      if (fits && run.stream().noneMatch(pending -> keys.contains(key.apply(pending.request())))) {
        run.forEach(pending -> keys.add(key.apply(pending.request())));
        batch.addAll(run);
        queuedRequests -= run.size();
        waiting.remove();
      }
    }
    return batch;
  }
}
