#!/usr/bin/env node
// The anchor's load shape (xmpp-load.mjs, beside this file) spoken in minichat's protocol, loopback only, so that
// ejabberd and minichat are measured by the same client runtime, the same scheduler and the same accounting.
//
//   1. connect C users (first .. first+C-1) with limited concurrency: a token (POST /dev/token, or minted here
//      with --secret), the WebSocket, `init`, `bind`, and a `heart` round trip; then the user is established.
//      A login the server closes with 1013 (try again later: its back-pressure in a login storm) is retried after
//      1 s, at most 5 times, as a real client would; the retries are counted (login_retries).
//   2. open loop at an aggregate --rate for --duration seconds, round-robin over users; user i sends to its pair
//      partner (i^1) a `say` whose data is "<gid>.<send time ms>" and whose cid is the gid. No send window: a send
//      is due at its time whatever the answers do. Latency = arrival of the partner's `text` - send time; "sched"
//      latency = arrival - intended send time (includes any lag of this client).
//   3. drain, and account for every message: received once, duplicated, lost, refused (error frames, by code).
//
// usage: node minichat-load.mjs --users 1000 --rate 5000 --duration 20 --server-pid <pid> [--json out.jsonl --label L]
// flags: --url ws://127.0.0.1:8080/ws (or several, comma-separated: users alternate between them) --first 1 --secret <CHAT_JWT_SECRET: mint tokens here instead of /dev/token>
//        --connect-concurrency 100 --connect-timeout-s 120 --tick-ms 2 --drain-s 10 --drain-max-s 60
//        --max-run-s 900 --quiet
import WebSocket from 'ws';
import { performance } from 'node:perf_hooks';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { distribution, bySecond } from './latency-stats.mjs';

const argv = process.argv.slice(2);
const flags = {};
for (let i = 0; i < argv.length; i++) {
  if (!argv[i].startsWith('--')) continue;
  const k = argv[i].slice(2);
  if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[k] = argv[++i];
  else flags[k] = 'true';
}
const num = (k, d) => (flags[k] === undefined ? d : Number(flags[k]));
// several gateways (a cluster): user slot i connects to the (i mod n)-th, so that every pair spans two of them
const URLS = (flags.url ?? 'ws://127.0.0.1:8080/ws').split(',');
const URL_WS = URLS[0];
const FIRST = num('first', 1);
const C = num('users', 1000);
const RATE = num('rate', 0);
const DURATION = num('duration', 0);
const CONN_CONC = num('connect-concurrency', 100);
const CONN_TIMEOUT_S = num('connect-timeout-s', 120);
const TICK_MS = num('tick-ms', 2);
const DRAIN_S = num('drain-s', 10);
const DRAIN_MAX_S = num('drain-max-s', 60);
const MAX_RUN_S = num('max-run-s', 900);
const LABEL = flags.label ?? '';
const QUIET = flags.quiet === 'true';
const SECRET = flags.secret;
// cids are the sender's idempotency keys: a later run by the same users (a warm-up, then the measurement) needs others
const RUN_TAG = `${Date.now().toString(36)}-`;

const nonLoopback = URLS.find((url) => !['127.0.0.1', '[::1]', '::1', 'localhost'].includes(new URL(url).hostname));
if (nonLoopback) {
  console.error('refusing non-loopback url', nonLoopback);
  process.exit(2);
}
if (C % 2 !== 0 && RATE > 0) { console.error('--users must be even (pairs)'); process.exit(2); }
if (!flags['server-pid']) { console.error('--server-pid is needed (the process whose CPU is measured)'); process.exit(2); }

const hardStop = setTimeout(() => { console.error(`hard stop after --max-run-s ${MAX_RUN_S}`); process.exit(3); }, MAX_RUN_S * 1000);
const log = (...a) => { if (!QUIET) console.error(new Date().toISOString().slice(11, 23), ...a); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- process stats (/proc), as the anchor's client reads them ----------
const SERVER_PIDS = String(flags['server-pid']).split(',').map(Number);
const CLK_TCK = 100;
function cpuOf(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch { return 0; }
}
const serverCpuS = () => SERVER_PIDS.reduce((sum, pid) => sum + cpuOf(pid), 0);
function serverRssMiB() {
  let kib = 0;
  for (const pid of SERVER_PIDS) {
    try { kib += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]); } catch {}
  }
  return kib / 1024;
}
// every PostgreSQL process on the machine (embedded or system): the store's share of the work
function postgresCpuS() {
  let sum = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') sum += cpuOf(d); } catch {}
  }
  return sum;
}
function machineBusyS() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] || 0);
  return (f.slice(0, 8).reduce((a, b) => a + b, 0) - idle) / CLK_TCK;
}
const selfCpuS = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const r2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : x);

// ---------- tokens ----------
const b64url = (s) => Buffer.from(s).toString('base64url');
function mint(userId) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ sub: String(userId), iat: now, exp: now + 86400 }));
  return `${head}.${body}.${createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url')}`;
}
async function token(userId) {
  if (SECRET) return mint(userId);
  const base = URL_WS.replace(/^ws/, 'http').replace(/\/ws$/, '');
  const response = await fetch(`${base}/dev/token`, { method: 'POST', body: JSON.stringify({ userId }) });
  if (!response.ok) throw new Error(`/dev/token: ${response.status} (a prod profile needs --secret)`);
  return (await response.json()).token;
}

// ---------- connection ----------
let onText = () => {};
const refusedByCode = {};
let refused = 0;

async function connectUser(userId, slot) {
  const t0 = performance.now();
  const conn = { userId, slot, ws: null, ready: false, closed: false };
  let t;
  try { t = await token(userId); } catch (e) { return { conn, err: 'token: ' + e.message, ms: 0 }; }
  return new Promise((resolve) => {
    let done = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ conn, err, ms: performance.now() - t0 });
    };
    const timer = setTimeout(() => { finish('timeout'); try { ws.terminate(); } catch {} }, CONN_TIMEOUT_S * 1000);
    const ws = new WebSocket(`${URLS[slot % URLS.length]}?token=${t}`, { perMessageDeflate: false, handshakeTimeout: CONN_TIMEOUT_S * 1000 });
    conn.ws = ws;
    ws.on('error', (e) => finish('error: ' + e.message));
    ws.on('close', (code) => { conn.closed = true; conn.ready = false; finish(`closed during login: code ${code}`); });
    ws.on('message', (data) => {
      // fast path: a pushed message (`{"type":"text",…`), the only frame the measurement reads
      if (data[9] === 0x74 /* t */ && data[10] === 0x65 && data[11] === 0x78 && data[8] === 0x22) {
        onText(conn, data, performance.now());
        return;
      }
      if (data[9] === 0x65 /* e */ && data.indexOf('"type":"error"') === 1) {
        const frame = JSON.parse(data.toString());
        refused++;
        refusedByCode[frame.code] = (refusedByCode[frame.code] || 0) + 1;
        return;
      }
      if (conn.ready) return; // acks, letters, presence after login are not measured
      const s = data.toString();
      if (s.startsWith('{"type":"init"')) {
        ws.send(JSON.stringify({ type: 'bind', fromId: userId }));
        ws.send(JSON.stringify({ type: 'heart', fromId: userId }));
      } else if (s.startsWith('{"type":"heart"')) {
        conn.ready = true;
        finish(null);
      }
    });
  });
}

const LOGIN_RETRIES = 5;
const LOGIN_RETRY_MS = 1000;
let loginRetries = 0;

async function connectAll(ids, conc) {
  const conns = new Array(ids.length);
  const errors = {};
  const samples = [];
  let next = 0;
  const deadline = performance.now() + CONN_TIMEOUT_S * 1000;
  async function worker() {
    while (next < ids.length && performance.now() < deadline) {
      const slot = next++;
      let { conn, err } = await connectUser(ids[slot], slot);
      // 1013 (try again later) is the server's back-pressure during a login storm: a real client comes back
      // after a pause, and so does this one, a few times, each retry counted
      for (let retry = 1; err && err.endsWith('code 1013') && retry <= LOGIN_RETRIES; retry++) {
        loginRetries++;
        await sleep(LOGIN_RETRY_MS);
        ({ conn, err } = await connectUser(ids[slot], slot));
      }
      conns[slot] = conn;
      if (err) {
        const k = err.split(':')[0];
        errors[k] = (errors[k] || 0) + 1;
        if (samples.length < 5) samples.push(`${ids[slot]}: ${err}`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(conc, ids.length) }, worker));
  return { conns, errors, samples };
}

async function closeAll(conns) {
  for (const c of conns) if (c && !c.closed) { try { c.ws.close(1000); } catch {} }
  const t0 = performance.now();
  while (performance.now() - t0 < 10000 && conns.some((c) => c && !c.closed)) await sleep(100);
  for (const c of conns) if (c && !c.closed) { try { c.ws.terminate(); } catch {} }
}

// ---------- main ----------
const result = { label: LABEL, system: 'minichat', users: C, rate: RATE, duration_s: DURATION,
  server_pid: flags['server-pid'], started_at: new Date().toISOString() };
result.server_rss_before_connect_mib = r2(serverRssMiB());
const ids = Array.from({ length: C }, (_, i) => FIRST + i);
const tc0 = performance.now();
const { conns, errors, samples } = await connectAll(ids, CONN_CONC);
const established = conns.filter((c) => c && c.ready).length;
Object.assign(result, { connected: established, connect_errors: errors, connect_error_samples: samples,
  login_retries: loginRetries, connect_time_s: r2((performance.now() - tc0) / 1000) });
await sleep(2000);
result.server_rss_after_connect_mib = r2(serverRssMiB());
result.server_rss_per_conn_kib = r2(((result.server_rss_after_connect_mib - result.server_rss_before_connect_mib) * 1024) / Math.max(1, established));
log(`connected ${established}/${C} in ${result.connect_time_s}s errors=${JSON.stringify(errors)} server rss ${result.server_rss_after_connect_mib} MiB`);

if (RATE > 0 && DURATION > 0 && established === C) {
  const total = Math.round(RATE * DURATION);
  const periodMs = 1000 / RATE;
  const seen = new Uint8Array(total);
  const lat = new Float64Array(total);
  const latSched = new Float64Array(total);
  const schedByGid = new Float64Array(total).fill(NaN); // for the latency over time
  let received = 0, dups = 0, misrouted = 0, sent = 0, maxLagMs = 0, maxTickGapMs = 0, lastArrival = 0;
  let tStart = 0;
  const partner = conns.map((c, i) => conns[i ^ 1].userId);
  onText = (conn, buf, now) => {
    const b = buf.indexOf('"data":"');
    if (b < 0) return;
    const e = buf.indexOf('"', b + 8);
    const body = buf.latin1Slice(b + 8, e);
    const dot = body.indexOf('.');
    const gid = Number(body.slice(0, dot));
    if (!(gid >= 0 && gid < total)) return;
    if (seen[gid]) { dups++; return; }
    seen[gid] = 1;
    if ((gid % C) !== (conn.slot ^ 1)) misrouted++;
    lat[received] = now - Number(body.slice(dot + 1));
    latSched[received] = now - (tStart + gid * periodMs);
    schedByGid[gid] = latSched[received];
    received++;
    lastArrival = now;
  };
  let rssMax = 0;
  const rssTimer = setInterval(() => { rssMax = Math.max(rssMax, serverRssMiB()); }, 1000);
  const refusedBefore = refused;
  const srv0 = serverCpuS(), pg0 = postgresCpuS(), self0 = selfCpuS(), mach0 = machineBusyS();
  const perPid0 = SERVER_PIDS.map(cpuOf);
  log(`load: ${total} msgs at ${RATE}/s for ${DURATION}s`);
  tStart = performance.now();
  let lastTick = tStart;
  await new Promise((resolveSend) => {
    const timer = setInterval(() => {
      const now = performance.now();
      maxTickGapMs = Math.max(maxTickGapMs, now - lastTick);
      lastTick = now;
      const due = Math.min(total, Math.floor(((now - tStart) * RATE) / 1000) + 1);
      if (sent < due) maxLagMs = Math.max(maxLagMs, now - (tStart + sent * periodMs));
      while (sent < due) {
        const s = sent % C;
        const c = conns[s];
        if (!c.closed) c.ws.send(`{"type":"say","to_id":${partner[s]},"data":"${sent}.${performance.now().toFixed(3)}","cid":"${RUN_TAG}${sent}"}`);
        sent++;
      }
      if (sent >= total) { clearInterval(timer); resolveSend(); }
    }, TICK_MS);
  });
  const tSendEnd = performance.now();
  const sendS = (tSendEnd - tStart) / 1000;
  const srvSend = serverCpuS() - srv0, pgSend = postgresCpuS() - pg0, selfSend = selfCpuS() - self0;
  const perPidSend = SERVER_PIDS.map((pid, i) => cpuOf(pid) - perPid0[i]);
  const machSend = machineBusyS() - mach0;
  let lastRecv = -1, lastProgress = performance.now();
  while (received + (refused - refusedBefore) < sent && performance.now() - lastProgress < DRAIN_S * 1000
      && performance.now() - tSendEnd < DRAIN_MAX_S * 1000) {
    await sleep(50);
    if (received !== lastRecv) { lastRecv = received; lastProgress = performance.now(); }
  }
  const tEnd = performance.now();
  clearInterval(rssTimer);
  const L = lat.subarray(0, received).sort();
  const LS = latSched.subarray(0, received).sort();
  const lastArrivalS = ((lastArrival || tEnd) - tStart) / 1000;
  const refusedNow = refused - refusedBefore;
  Object.assign(result, {
    sent, received, refused: refusedNow, refused_by_code: refusedByCode,
    lost: sent - received - refusedNow, duplicates: dups, misrouted,
    send_window_s: r2(sendS), achieved_send_rate: r2(sent / sendS),
    delivered_per_s: r2(received / Math.max(sendS, lastArrivalS)), last_arrival_s: r2(lastArrivalS),
    lat_ms_p50: r2(pct(L, 50)), lat_ms_p95: r2(pct(L, 95)), lat_ms_p99: r2(pct(L, 99)), lat_ms_max: r2(L[L.length - 1]),
    sched_lat_ms_p50: r2(pct(LS, 50)), sched_lat_ms_p99: r2(pct(LS, 99)), sched_lat_ms_max: r2(LS[LS.length - 1]),
    loadgen_max_send_lag_ms: r2(maxLagMs), loadgen_max_tick_gap_ms: r2(maxTickGapMs),
    server_cpu_pct: r2((100 * srvSend) / sendS),
    server_cpu_pct_by_pid: Object.fromEntries(SERVER_PIDS.map((pid, i) => [pid, r2((100 * perPidSend[i]) / sendS)])),
    postgres_cpu_pct: r2((100 * pgSend) / sendS),
    server_us_per_msg: r2((srvSend * 1e6) / Math.max(1, sent)),
    postgres_us_per_msg: r2((pgSend * 1e6) / Math.max(1, sent)),
    loadgen_cpu_pct: r2((100 * selfSend) / sendS),
    machine_cpu_pct: r2((100 * machSend) / sendS),
    other_procs_cpu_pct: r2((100 * (machSend - srvSend - pgSend - selfSend)) / sendS),
    server_rss_max_during_load_mib: r2(Math.max(rssMax, serverRssMiB())),
    sched_lat_ms_distribution: distribution(LS),
    sched_lat_ms_by_second: bySecond(schedByGid, RATE),
    still_connected_after_load: conns.filter((c) => c.ready && !c.closed).length,
  });
  onText = () => {};
  log(`load done: sent ${sent} recv ${received} refused ${refusedNow} lost ${result.lost} dups ${dups} | p50 ${result.lat_ms_p50} p99 ${result.lat_ms_p99} sched p99 ${result.sched_lat_ms_p99} ms | server ${result.server_cpu_pct}% postgres ${result.postgres_cpu_pct}% loadgen ${result.loadgen_cpu_pct}% other ${result.other_procs_cpu_pct}%`);
} else if (RATE > 0) {
  result.load_skipped = `only ${established}/${C} users connected`;
}

await closeAll(conns);
const line = JSON.stringify(result);
console.log(line);
if (flags.json) fs.appendFileSync(flags.json, line + '\n');
clearTimeout(hardStop);
process.exit(0);
