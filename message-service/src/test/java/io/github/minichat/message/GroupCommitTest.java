package io.github.minichat.message;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.ChatError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Group commit with runs, against a writer the test answers batch by batch: generated traffic of runs and single
 * requests from many senders, some keys repeated, checked batch by batch for what the store relies on.
 */
class GroupCommitTest {

  /** A request: its sender, its key within the sender, and which run it came in (its position too). */
  private record Request(int sender, String key, int run, int position) {
  }

  /** A writer whose batches wait until the test answers them, in order. */
  private static final class HeldWriter implements GroupCommit.BatchWriter<Request, Request> {
    final List<List<Request>> batches = new ArrayList<>();
    final List<Promise<List<Future<Request>>>> answers = new ArrayList<>();
    int answered;

    @Override
    public Future<List<Future<Request>>> write(List<Request> batch) {
      batches.add(batch);
      Promise<List<Future<Request>>> answer = Promise.promise();
      answers.add(answer);
      return answer.future();
    }

    void answerNext(boolean fail) {
      List<Request> batch = batches.get(answered);
      Promise<List<Future<Request>>> answer = answers.get(answered++);
      if (fail) {
        answer.fail(new IllegalStateException("the transaction failed"));
      } else {
        answer.complete(batch.stream().map(Future::succeededFuture).toList());
      }
    }

    boolean waiting() {
      return answered < batches.size();
    }
  }

  private static GroupCommit<Request, Request> commit(int maxBatch, int maxQueued, HeldWriter writer) {
    return new GroupCommit<>(maxBatch, 1, maxQueued, request -> request.sender() + "/" + request.key(), writer);
  }

  @Test
  @DisplayName("generated traffic: every run lands whole and in order in one batch, no batch repeats a key, "
      + "every request is answered with its own outcome, a failed batch fails its runs whole")
  void runsAreNeverSplit() {
    for (int seed = 0; seed < 200; seed++) {
      Random random = new Random(seed);
      HeldWriter writer = new HeldWriter();
      int maxBatch = 1 + random.nextInt(12);
      GroupCommit<Request, Request> commit = commit(maxBatch, 1_000_000, writer);
      List<List<Request>> runs = new ArrayList<>();
      List<List<Future<Request>>> outcomes = new ArrayList<>();
      for (int step = 0; step < 300; step++) {
        if (random.nextInt(3) == 0 && writer.waiting()) {
          writer.answerNext(random.nextInt(10) == 0);
          continue;
        }
        int sender = random.nextInt(6);
        int size = 1 + random.nextInt(random.nextBoolean() ? 3 : maxBatch + 3); // some longer than a batch
        List<Request> run = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        while (run.size() < size) {
          String key = "k" + random.nextInt(40); // repeats across runs, distinct within one
          if (keys.add(key)) {
            run.add(new Request(sender, key, runs.size(), run.size()));
          }
        }
        runs.add(run);
        outcomes.add(commit.submitRun(run));
      }
      while (writer.waiting()) {
        writer.answerNext(false);
      }

      List<Request> written = writer.batches.stream().flatMap(List::stream).toList();
      assertThat(written).as("seed %d: each request written once", seed).hasSize(runs.stream().mapToInt(List::size).sum());
      for (List<Request> batch : writer.batches) {
        assertThat(batch.stream().map(request -> request.sender() + "/" + request.key()).distinct().count())
            .as("seed %d: keys of a batch are distinct", seed).isEqualTo(batch.size());
        for (int i = 0; i < batch.size(); i++) {
          Request request = batch.get(i);
          if (request.position() > 0) {
            assertThat(batch.get(i - 1)).as("seed %d: a run is contiguous and in its order", seed)
                .isEqualTo(runs.get(request.run()).get(request.position() - 1));
          }
          if (request.position() == runs.get(request.run()).size() - 1) {
            assertThat(i + 1).as("seed %d: a run is whole in its batch", seed).isGreaterThanOrEqualTo(request.position() + 1);
          }
        }
        assertThat(batch.size() <= maxBatch || batch.stream().map(Request::run).distinct().count() == 1)
            .as("seed %d: only a run longer than a batch makes a bigger one, alone", seed).isTrue();
      }
      for (int r = 0; r < runs.size(); r++) {
        List<Future<Request>> answers = outcomes.get(r);
        boolean failed = answers.get(0).failed();
        for (int i = 0; i < answers.size(); i++) {
          assertThat(answers.get(i).isComplete()).isTrue();
          assertThat(answers.get(i).failed()).as("seed %d: a run fails or succeeds whole", seed).isEqualTo(failed);
          if (!failed) {
            assertThat(answers.get(i).result()).isEqualTo(runs.get(r).get(i));
          }
        }
      }
      assertThat(commit.queued()).isZero();
    }
  }

  @Test
  @DisplayName("a run that does not fit in the queue is refused whole and queues nothing; an empty run is answered")
  void fullQueueRefusesTheWholeRun() {
    HeldWriter writer = new HeldWriter();
    GroupCommit<Request, Request> commit = commit(2, 3, writer);
    commit.submit(new Request(1, "in-flight", 0, 0)); // written at once: the queue is empty again
    commit.submitRun(List.of(new Request(2, "a", 1, 0), new Request(2, "b", 1, 1)));
    List<Future<Request>> refused = commit.submitRun(List.of(new Request(3, "c", 2, 0), new Request(3, "d", 2, 1)));

    assertThat(refused).allSatisfy(outcome -> assertThat(ChatError.of(outcome.cause())).isEqualTo(ChatError.UNAVAILABLE));
    assertThat(commit.queued()).as("the refused run left nothing behind").isEqualTo(2);
    assertThat(commit.submitRun(List.of())).isEmpty();
    writer.answerNext(false);
    writer.answerNext(false);
    assertThat(writer.batches).extracting(batch -> batch.stream().map(Request::key).toList())
        .containsExactly(List.of("in-flight"), List.of("a", "b"));
  }
}
