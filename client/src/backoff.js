/**
 * Reconnect delays: exponential growth with "full jitter". Attempt n waits a random time between `minDelay` and
 * min(maxDelay, initialDelay * factor^n), so that clients dropped at the same moment (a gateway restart) come back
 * spread over the whole window instead of all at once.
 */
export const DEFAULT_BACKOFF = Object.freeze({ initialDelay: 1000, maxDelay: 30000, factor: 2, minDelay: 100 });

export function backoffDelay(attempt, options = {}, random = Math.random) {
  const { initialDelay, maxDelay, factor, minDelay } = Object.assign({}, DEFAULT_BACKOFF, options);
  const cap = Math.min(maxDelay, initialDelay * Math.pow(factor, Math.max(0, attempt)));
  const floor = Math.min(minDelay, cap);
  return Math.round(floor + random() * (cap - floor));
}
