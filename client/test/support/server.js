/**
 * Starts the real server for a test file: the launcher jar on a free port, on a database of its own (a fresh
 * database on the PostgreSQL of PG_URL, dropped afterwards, or else an embedded PostgreSQL in a temporary folder).
 */
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLIENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The launcher jar: the repository's build, unless MINICHAT_JAR names another one (a build kept elsewhere). */
export const JAR = process.env.MINICHAT_JAR
  ? path.resolve(process.env.MINICHAT_JAR)
  : path.resolve(CLIENT_DIR, '../launcher/target/minichat-launcher.jar');
export const TARGET = path.join(CLIENT_DIR, 'target');
const STARTUP_DEADLINE_MS = 120_000;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function psql(url, sql) {
  execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export async function startServer(name, extraEnv = {}) {
  if (!existsSync(JAR)) {
    throw new Error(`${JAR} is missing: build it first (mvn -q -DskipTests package), or set MINICHAT_JAR`);
  }
  mkdirSync(TARGET, { recursive: true });
  const port = await freePort();
  const env = { ...process.env };
  const cleanups = [];
  if (process.env.PG_URL) {
    const database = `minichat_js_${name}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    psql(process.env.PG_URL, `CREATE DATABASE ${database}`);
    cleanups.push(() => psql(process.env.PG_URL, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    const url = new URL(process.env.PG_URL);
    url.pathname = `/${database}`;
    env.PG_URL = url.toString();
  } else {
    for (const key of ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD']) delete env[key];
    const dataDir = mkdtempSync(path.join(tmpdir(), `minichat-js-${name}-`));
    chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as nobody when we are root
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    env.CHAT_DATA_DIR = dataDir;
    env.CHAT_EMBEDDED_PG_PORT = String(await freePort());
  }
  Object.assign(env, {
    CHAT_PROFILE: 'dev',
    CHAT_CLUSTER: 'off',
    CHAT_HTTP_HOST: '127.0.0.1',
    CHAT_HTTP_PORT: String(port),
    CHAT_MANAGEMENT_PORT: '0', // any free port: a minichat already running here holds the default 9090
    CHAT_GATEWAY_INSTANCES: '2',
    CHAT_PRESENCE_GRACE_MS: '300',
    CHAT_DRAIN_MS: '500',
    ...extraEnv,
  });
  const workDir = servedFromTree(name);
  cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
  const logFile = path.join(TARGET, `server-${name}.log`);
  const log = openSync(logFile, 'w');
  const child = spawn('java', ['-jar', JAR], { cwd: workDir, env, stdio: ['ignore', log, log] });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));

  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timeout = new Promise((resolve) => setTimeout(resolve, 15_000));
      await Promise.race([exit, timeout]);
      if (!exited) {
        child.kill('SIGKILL');
        await exit;
      }
    }
    process.off('exit', killOnExit);
    for (const cleanup of cleanups.reverse()) {
      try {
        cleanup();
      } catch (error) {
        console.error(`cleanup after ${name}: ${error.message}`);
      }
    }
  };

  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`the server exited during start-up (${JSON.stringify(exited)}); see ${logFile}`);
    }
    try {
      const response = await fetch(`${base}/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server was not healthy within ${STARTUP_DEADLINE_MS} ms; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    port,
    base,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    logFile,
    /** A token from the dev profile's minting endpoint. */
    async token(userId) {
      const response = await fetch(`${base}/dev/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId }),
      });
      if (!response.ok) throw new Error(`POST /dev/token: ${response.status}`);
      return (await response.json()).token;
    },
    stop,
  };
}

/**
 * A working directory whose webroot/ holds this tree's chat page and module: the gateway serves files found there
 * ahead of the copies built into its jar, so the browser tests load the sources under test, whichever jar runs.
 * Whatever the server writes relative to its working directory goes there too, and is removed with it.
 */
function servedFromTree(name) {
  const workDir = mkdtempSync(path.join(tmpdir(), `minichat-js-${name}-cwd-`));
  cpSync(path.join(CLIENT_DIR, 'src'), path.join(workDir, 'webroot/client'), { recursive: true });
  cpSync(path.join(CLIENT_DIR, 'page'), path.join(workDir, 'webroot/page'), { recursive: true });
  return workDir;
}

/** Polls until the condition holds, or fails naming what it waited for. */
export async function waitFor(condition, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
