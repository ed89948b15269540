package io.github.minichat.gateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets and quotas of one gateway node: frames per connection, messages and HTTP requests per user, open
 * sockets per user. Shared by the node's event loops (a user's sockets may sit on different ones), so the per-user
 * state is concurrent; a connection's own bucket is touched by its event loop only.
 */
final class RateLimits {

  private final GatewayLimits limits;
  private final Cache<Long, Bucket> messageBuckets;
  private final Cache<Long, Bucket> httpBuckets;
  private final Cache<Long, Bucket> uploadBuckets;
  private final int uploadsPerHour;
  private final Map<Long, Integer> openSockets = new ConcurrentHashMap<>();
  private final String frameLimit;
  private final String messageLimit;
  private final String httpLimit;

  RateLimits(GatewayLimits limits) {
    this(limits, Integer.MAX_VALUE);
  }

  RateLimits(GatewayLimits limits, int uploadsPerHour) {
    this.limits = limits;
    this.uploadsPerHour = uploadsPerHour;
    this.frameLimit = "more than " + limits.framesPerSecond() + " frames per second";
    this.messageLimit = "more than " + limits.messagesPerMinute() + " messages per minute";
    this.httpLimit = "more than " + limits.httpRequestsPerSecond() + " requests per second";
    this.messageBuckets = buckets(limits.messageBurst(), limits.messagesPerMinute(), Duration.ofMinutes(1));
    this.httpBuckets = buckets(limits.httpBurst(), limits.httpRequestsPerSecond(), Duration.ofSeconds(1));
    this.uploadBuckets = buckets(uploadsPerHour, uploadsPerHour, Duration.ofHours(1));
  }

  /**
   * A per-user bucket is dropped once it has been idle long enough to be full again, so forgetting it changes
   * nothing and memory follows the active users only.
   */
  private static Cache<Long, Bucket> buckets(int burst, int rate, Duration period) {
    Duration refillTime = period.multipliedBy(burst).dividedBy(rate).plusSeconds(1);
    return Caffeine.newBuilder()
        .expireAfterAccess(refillTime)
        .maximumSize(1_000_000)
        .executor(Runnable::run)
        .build();
  }

  /** A connection's frame bucket: only its event loop uses it, so it needs no synchronization. */
  Bucket newFrameBucket() {
    return Bucket.builder()
        .addLimit(limit -> limit.capacity(limits.frameBurst())
            .refillGreedy(limits.framesPerSecond(), Duration.ofSeconds(1)))
        .withSynchronizationStrategy(SynchronizationStrategy.NONE)
        .build();
  }

  /** Takes one message from the user's allowance, or refuses with the time until the next one. */
  void takeMessage(long userId) {
    take(messageBuckets.get(userId, ignored -> Bucket.builder()
            .addLimit(limit -> limit.capacity(limits.messageBurst())
                .refillGreedy(limits.messagesPerMinute(), Duration.ofMinutes(1)))
            .build()),
        messageLimit);
  }

  /** Takes one HTTP API request from the user's allowance, or refuses with the time until the next one. */
  void takeHttpRequest(long userId) {
    take(httpBuckets.get(userId, ignored -> Bucket.builder()
            .addLimit(limit -> limit.capacity(limits.httpBurst())
                .refillGreedy(limits.httpRequestsPerSecond(), Duration.ofSeconds(1)))
            .build()),
        httpLimit);
  }

  /** Takes one upload from the user's hourly allowance (all at once, then evenly), or refuses with the wait. */
  void takeUpload(long userId) {
    take(uploadBuckets.get(userId, ignored -> Bucket.builder()
            .addLimit(limit -> limit.capacity(uploadsPerHour).refillGreedy(uploadsPerHour, Duration.ofHours(1)))
            .build()),
        "more than " + uploadsPerHour + " uploads per hour");
  }

  /** Takes one frame from a connection's bucket, or refuses with the time until the next one. */
  void takeFrame(Bucket frames) {
    take(frames, frameLimit);
  }

  /** Takes one token from a bucket, or refuses with a {@link RateLimitExceeded} naming when to retry. */
  private static void take(Bucket bucket, String what) {
    if (!bucket.tryConsume(1)) { // the common case allocates nothing; a refusal asks how long to wait
      long waitNanos = bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill();
      long retryAfterMillis = Math.max(1, Duration.ofNanos(waitNanos).toMillis() + 1);
      throw new RateLimitExceeded("rate limit exceeded: " + what + "; retry later", retryAfterMillis);
    }
  }

  /** Counts a new socket of the user, or refuses it when the user already has the most this gateway allows. */
  boolean tryOpenSocket(long userId) {
    int[] opened = {0};
    openSockets.compute(userId, (id, count) -> {
      int current = count == null ? 0 : count;
      if (current >= limits.connectionsPerUser()) {
        return current;
      }
      opened[0] = 1;
      return current + 1;
    });
    return opened[0] == 1;
  }

  void socketClosed(long userId) {
    openSockets.computeIfPresent(userId, (id, count) -> count <= 1 ? null : count - 1);
  }
}
