package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Settle reads start in the order submitted, never more than the limit at once, each exactly once, and none is
 * stranded: whatever mix of slow reads, reads with nothing to do, reads that fail or throw, and completions.
 */
class SettleReadsTest {

  private static final String SEED = "20261204";

  /** What a step of a generated run does. */
  enum Step { SLOW_READ, READ_WITH_NOTHING_TO_DO, READ_THAT_THROWS, SUCCEED_OLDEST, FAIL_NEWEST }

  @Property(tries = 500, seed = SEED)
  void startsInOrderWithinTheLimitAndStrandsNone(@ForAll @IntRange(min = 1, max = 4) int limit,
                                                 @ForAll("runs") List<Step> steps) {
    SettleReads reads = new SettleReads(limit);
    List<Integer> started = new ArrayList<>();
    Map<Integer, Promise<Void>> running = new LinkedHashMap<>();
    int submitted = 0;
    for (Step step : steps) {
      switch (step) {
        case SLOW_READ, READ_WITH_NOTHING_TO_DO, READ_THAT_THROWS -> {
          int id = submitted++;
          reads.submit(() -> {
            started.add(id);
            return switch (step) {
              case SLOW_READ -> {
                Promise<Void> promise = Promise.promise();
                running.put(id, promise);
                yield promise.future();
              }
              case READ_WITH_NOTHING_TO_DO -> Future.succeededFuture();
              default -> throw new IllegalStateException("a read that throws");
            };
          });
        }
        case SUCCEED_OLDEST -> running.keySet().stream().findFirst()
            .ifPresent(id -> running.remove(id).complete());
        case FAIL_NEWEST -> running.keySet().stream().reduce((first, second) -> second)
            .ifPresent(id -> running.remove(id).fail("the store refused"));
      }
      assertThat(reads.inFlight()).isEqualTo(running.size()).isLessThanOrEqualTo(limit);
      assertThat(reads.waiting() == 0 || reads.inFlight() == limit)
          .as("a read waits only while the limit is in flight").isTrue();
      assertThat(started).as("started in the order submitted, once each")
          .containsExactlyElementsOf(range(started.size()));
    }
    while (!running.isEmpty()) {
      Integer oldest = running.keySet().iterator().next();
      running.remove(oldest).complete();
    }
    assertThat(started).as("every read started once the others ended").containsExactlyElementsOf(range(submitted));
    assertThat(reads.inFlight()).isZero();
    assertThat(reads.waiting()).isZero();
  }

  @Test
  void manyReadsWithNothingToDoDoNotDeepenTheStack() {
    SettleReads reads = new SettleReads(1);
    Promise<Void> first = Promise.promise();
    reads.submit(first::future);
    int[] ran = {0};
    for (int i = 0; i < 200_000; i++) {
      reads.submit(() -> {
        ran[0]++;
        return Future.succeededFuture();
      });
    }
    first.complete();
    assertThat(ran[0]).isEqualTo(200_000);
    assertThat(reads.waiting()).isZero();
  }

  @Provide
  Arbitrary<List<Step>> runs() {
    return Arbitraries.of(Step.class).list().ofMinSize(1).ofMaxSize(60);
  }

  private static List<Integer> range(int size) {
    List<Integer> ids = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      ids.add(i);
    }
    return ids;
  }
}
