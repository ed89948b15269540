package io.github.minichat.load;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;

/**
 * Runs one asynchronous step per connection (open, sync, close…), each on its connection's loop, with at most
 * {@code inFlight} at a time; driven from the calling thread. Completes when every step has settled; failed steps
 * are the caller's to count (the returned future never fails).
 */
final class Connector {

  private Connector() {
  }

  static Future<Void> forEach(ClientLoops loops, List<Integer> indices, int inFlight,
      IntFunction<Future<?>> step) throws InterruptedException {
    Semaphore slots = new Semaphore(inFlight);
    List<Future<?>> all = new ArrayList<>(indices.size());
    for (int index : indices) {
      slots.acquire();
      all.add(loops.on(index, () -> step.apply(index).map(ignored -> (Object) null))
          .onComplete(ignored -> slots.release()));
    }
    return Future.join(all).<Void>mapEmpty().recover(ignored -> Future.succeededFuture());
  }
}
