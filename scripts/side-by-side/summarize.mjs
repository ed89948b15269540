// The side-by-side report from the runs' JSON lines: every run, each system's knee per round and its median, the
// ratio of the medians, then per system and rate (medians over the rounds) the percentile distribution and each
// process's CPU, and every run's p99 second by second. The knee is the highest offered rate with p99 <= 50 ms (from the intended send time),
// nothing lost and nothing refused, below which no rate failed.
//   node summarize.mjs runs.jsonl [--echo <frames/s>]
import fs from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
const echo = rest[0] === '--echo' ? rest[1] : '-';
const P99_MS = 50;
const runs = fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line))
  .filter((run) => run.sent);
const ok = (run) => run.sched_lat_ms_p99 <= P99_MS && run.lost === 0 && (run.refused ?? 0) === 0
  && run.duplicates === 0;
const median = (values) => {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

console.log(`The day's echo ceiling: ${echo} frames/s (1,000 connections, window 8).`);
console.log();
console.log('| system | round | offered msg/s | sent | received | lost | refused | p50 ms | p99 ms | max ms | server CPU % | PostgreSQL CPU % | client CPU % | other processes CPU % | within the knee |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of runs) {
  console.log(`| ${r.system} | ${r.round} | ${r.rate} | ${r.sent} | ${r.received} | ${r.lost} | ${r.refused ?? 0} | ${r.sched_lat_ms_p50} | ${r.sched_lat_ms_p99} | ${r.sched_lat_ms_max} | ${r.server_cpu_pct} | ${r.postgres_cpu_pct ?? '-'} | ${r.loadgen_cpu_pct} | ${r.other_procs_cpu_pct} | ${ok(r) ? 'yes' : 'no'} |`);
}

const knees = {};
for (const system of [...new Set(runs.map((r) => r.system))]) {
  const perRound = [];
  for (const round of [...new Set(runs.filter((r) => r.system === system).map((r) => r.round))]) {
    const levels = runs.filter((r) => r.system === system && r.round === round).sort((a, b) => a.rate - b.rate);
    let knee = 0;
    for (const level of levels) {
      if (!ok(level)) break;
      knee = level.rate;
    }
    perRound.push(knee);
  }
  knees[system] = { perRound, median: median(perRound) };
}
console.log();
console.log('| system | knee per round (msg/s) | median knee |');
console.log('|---|---|---|');
for (const [system, k] of Object.entries(knees)) console.log(`| ${system} | ${k.perRound.join(', ')} | ${k.median} |`);
if (knees.minichat && knees.ejabberd && knees.ejabberd.median > 0) {
  console.log();
  console.log(`minichat / ejabberd knee ratio: ${(knees.minichat.median / knees.ejabberd.median).toFixed(2)}`);
}

const bySystemAndRate = new Map();
for (const r of runs) {
  const key = `${r.system} ${r.rate}`;
  if (!bySystemAndRate.has(key)) bySystemAndRate.set(key, []);
  bySystemAndRate.get(key).push(r);
}
const fixed = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

console.log();
console.log('Percentile distribution of latency from the intended send time, ms (median over the rounds):');
console.log();
const percentiles = ['p50', 'p75', 'p90', 'p95', 'p99', 'p99.9', 'p99.99', 'p100'];
console.log(`| system | offered msg/s | ${percentiles.join(' | ')} |`);
console.log(`|---|---|${percentiles.map(() => '---').join('|')}|`);
for (const [key, group] of bySystemAndRate) {
  const [system, rate] = key.split(' ');
  const cells = percentiles.map((p) => fixed(median(group.map((r) => r.sched_lat_ms_distribution?.[p]).filter(Number.isFinite))));
  console.log(`| ${system} | ${rate} | ${cells.join(' | ')} |`);
}

console.log();
console.log('CPU of each process, % of one core, and per message in µs (median over the rounds):');
console.log();
console.log('| system | offered msg/s | server % | server µs/msg | PostgreSQL % | PostgreSQL µs/msg | load client % | other processes % | machine % |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [key, group] of bySystemAndRate) {
  const [system, rate] = key.split(' ');
  const m = (field) => median(group.map((r) => r[field]).filter(Number.isFinite));
  const perMessage = (pctField) => (m(pctField) * 10000) / Number(rate);
  console.log(`| ${system} | ${rate} | ${fixed(m('server_cpu_pct'))} | ${fixed(perMessage('server_cpu_pct'))} | ${fixed(m('postgres_cpu_pct'))} | ${system === 'ejabberd' ? '-' : fixed(perMessage('postgres_cpu_pct'))} | ${fixed(m('loadgen_cpu_pct'))} | ${fixed(m('other_procs_cpu_pct'))} | ${fixed(m('machine_cpu_pct'))} |`);
}

console.log();
console.log('Latency over time: p99 of each second of every run (by intended send time), ms:');
console.log();
for (const r of runs) {
  const seconds = (r.sched_lat_ms_by_second ?? []).map((second) => fixed(second.p99, 0));
  console.log(`- ${r.system} ${r.rate}/s round ${r.round}: ${seconds.join(' ')}`);
}
