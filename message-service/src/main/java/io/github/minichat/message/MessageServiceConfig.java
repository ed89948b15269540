package io.github.minichat.message;

import io.github.minichat.platform.Env;
import java.time.Duration;

/**
 * Settings of the message service (the database connection is resolved separately by {@link Postgres}).
 *
 * @param poolSize        PostgreSQL connections of the reactive pool
 * @param poolWaitQueue   requests allowed to wait for a connection before new ones fail fast (overload)
 * @param pairWindow      how close an HTTP send and a WebSocket send of a seed client must be to count as one
 * @param batchSize       most sends stored in one transaction
 * @param batchesInFlight transactions of batched sends running at once (each holds a pool connection); one is
 *                        best: batches in a row share hot inbox rows, so a second would mostly wait on locks
 * @param sendQueue       sends waiting for a batch before new ones fail fast (overload)
 * @param groups          the limits of groups and the receipt flush period
 * @param recallWindow    how long a sender may recall a message
 * @param uploadTtl       how long an upload waits for a message to send it
 */
public record MessageServiceConfig(int poolSize, int poolWaitQueue, Duration pairWindow,
                                   int batchSize, int batchesInFlight, int sendQueue, GroupLimits groups,
                                   Duration recallWindow, Duration uploadTtl) {

  public static MessageServiceConfig from(Env env) {
    return new MessageServiceConfig(
        env.get(MessageSettings.PG_POOL_SIZE),
        env.get(MessageSettings.PG_POOL_WAIT_QUEUE),
        env.get(MessageSettings.PAIR_WINDOW),
        env.get(MessageSettings.STORE_BATCH_SIZE),
        env.get(MessageSettings.STORE_BATCHES_IN_FLIGHT),
        env.get(MessageSettings.STORE_QUEUE),
        new GroupLimits(env.get(MessageSettings.GROUP_MAX_MEMBERS), env.get(MessageSettings.GROUP_MAX_PER_USER),
            env.get(MessageSettings.GROUP_CREATES_PER_HOUR), env.get(MessageSettings.RECEIPT_FLUSH)),
        env.get(MessageSettings.RECALL_WINDOW),
        env.get(MessageSettings.UPLOAD_TTL));
  }
}
