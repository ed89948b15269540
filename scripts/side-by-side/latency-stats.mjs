// Latency figures both load clients report alike: the percentile distribution and the p99 second by second.
const r2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : x);

/** The p-th percentile of sorted values (nearest rank). */
export function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The percentile distribution of sorted latencies. */
export const distribution = (sorted) => Object.fromEntries([50, 75, 90, 95, 99, 99.9, 99.99, 100]
  .map((p) => [`p${p}`, r2(pct(sorted, p))]));

/** Latency over time: each second of intended send time (rate messages), NaN where a message never came. */
export function bySecond(latByMessage, rate) {
  const seconds = [];
  for (let start = 0; start < latByMessage.length; start += rate) {
    const slice = latByMessage.subarray(start, Math.min(latByMessage.length, start + rate));
    const got = slice.filter((x) => !Number.isNaN(x)).sort();
    seconds.push({ s: seconds.length, n: got.length, p50: r2(pct(got, 50)), p99: r2(pct(got, 99)), max: r2(got[got.length - 1]) });
  }
  return seconds;
}
