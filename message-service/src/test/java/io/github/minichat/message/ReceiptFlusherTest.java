package io.github.minichat.message;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.GroupReceipts;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Read receipts coalesced per group: one read of counts per group per period, bounded, in order. */
class ReceiptFlusherTest {

  private static final Duration PERIOD = Duration.ofMillis(150);

  /** One read of counts the flusher asked for, when, and the answer it will get. */
  private record Read(long groupId, long after, long upTo, int max, long atNanos, Promise<List<GroupReceipts>> answer) {
  }

  private Vertx vertx;
  private Context context;
  private final BlockingQueue<Read> reads = new LinkedBlockingQueue<>();
  private final BlockingQueue<List<GroupReceipts>> pushed = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private ReceiptFlusher flusher(int maxWaiting) {
    return new ReceiptFlusher(vertx, PERIOD, maxWaiting, (groupId, after, upTo, max) -> {
      Promise<List<GroupReceipts>> answer = Promise.promise();
      reads.add(new Read(groupId, after, upTo, max, System.nanoTime(), answer));
      return answer.future();
    }, pushed::add);
  }

  @Test
  @DisplayName("the marks of a period are one read per group, of their union, a period after the first; the next"
      + " read of a group waits a period after the last")
  void coalescesPerGroupOncePerPeriod() throws Exception {
    ReceiptFlusher flusher = flusher(100);
    long marked = System.nanoTime();
    onContext(() -> {
      flusher.marked(1, 0, 3);
      flusher.marked(2, 4, 5);
      flusher.marked(1, 6, 9);
      flusher.marked(1, 2, 4);
      flusher.marked(3, 7, 7); // an empty range marks nothing
      return null;
    });

    Read first = next();
    Read second = next();
    assertThat(List.of(first, second)).extracting(read -> read.groupId() + ":" + read.after() + ".." + read.upTo())
        .containsExactly("1:0..9", "2:4..5");
    assertThat(first.max()).isEqualTo(ReceiptFlusher.MAX_SEQS);
    assertThat(first.atNanos() - marked).isGreaterThanOrEqualTo(PERIOD.toNanos());
    List<GroupReceipts> counts = List.of(new GroupReceipts(1, 11, List.of(9L), List.of(2L)));
    onContext(() -> {
      first.answer().complete(counts);
      second.answer().complete(List.of());
      flusher.marked(1, 9, 12);
      return null;
    });
    assertThat(pushed.poll(10, TimeUnit.SECONDS)).isEqualTo(counts);

    Read again = next();
    assertThat(again.groupId() + ":" + again.after() + ".." + again.upTo()).isEqualTo("1:9..12");
    assertThat(again.atNanos() - first.atNanos()).isGreaterThanOrEqualTo(PERIOD.toNanos());
    onContext(() -> again.answer().tryComplete(List.of()));
    assertThat(onContext(flusher::waiting)).isZero();
    assertThat(pushed).as("an empty answer is not pushed").isEmpty();
  }

  @Test
  @DisplayName("a group whose read is still out waits for the next tick, so its pushes never overtake each other")
  void oneReadPerGroupAtATime() throws Exception {
    ReceiptFlusher flusher = flusher(100);
    onContext(() -> {
      flusher.marked(1, 0, 1);
      return null;
    });
    Read slow = next();
    onContext(() -> {
      flusher.marked(1, 1, 2);
      flusher.marked(2, 0, 1);
      return null;
    });
    // the tick that reads group 2 skips group 1, whose first read has not answered
    Read other = next();
    assertThat(other.groupId()).isEqualTo(2);
    assertThat(reads).isEmpty();
    onContext(() -> slow.answer().tryComplete(List.of()));
    Read later = next();
    assertThat(later.groupId() + ":" + later.after() + ".." + later.upTo()).isEqualTo("1:1..2");
  }

  @Test
  @DisplayName("bounded: past the most groups that may wait, the one waiting longest is dropped")
  void dropsTheOldestGroupWhenFull() throws Exception {
    ReceiptFlusher flusher = flusher(3);
    onContext(() -> {
      for (long group = 1; group <= 5; group++) {
        flusher.marked(group, 0, group);
      }
      flusher.marked(3, 0, 9); // merged into a waiting group: nothing dropped
      return flusher.waiting();
    });
    assertThat(List.of(next(), next(), next())).extracting(read -> read.groupId() + ":" + read.upTo())
        .containsExactly("3:9", "4:4", "5:5");
  }

  @Test
  @DisplayName("closed, it reads nothing more")
  void closedReadsNothing() throws Exception {
    ReceiptFlusher flusher = flusher(100);
    onContext(() -> {
      flusher.marked(1, 0, 1);
      flusher.close();
      flusher.marked(2, 0, 1);
      return null;
    });
    assertThat(onContext(flusher::waiting)).isZero();
    // a read would come a period after the marks; twice that passes without one
    assertThat(reads.poll(PERIOD.toMillis() * 2, TimeUnit.MILLISECONDS)).isNull();
  }

  private Read next() throws InterruptedException {
    Read read = reads.poll(10, TimeUnit.SECONDS);
    assertThat(read).as("a read of counts").isNotNull();
    return read;
  }

  /** Runs on the flusher's context, as the verticle does, and returns what it returns. */
  private <T> T onContext(Callable<T> action) throws Exception {
    return Future.<T>future(promise -> context.runOnContext(ignored -> {
      try {
        promise.complete(action.call());
      } catch (Exception e) {
        promise.fail(e);
      }
    })).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
