/**
 * The real uni-app build: the app of app/ (the code MIGRATION.md shows) compiled for mp-weixin by uni-app's own
 * compilers, Vue 2 (vue-cli, webpack 4) and Vue 3 (Vite), with this package installed as npm would install it. The
 * compiled output then runs in the simulated WeChat runtime (../test/support/miniprogram.js: no globalThis.uni, only
 * wx) and chats with the real server: launch, a message each way, hide with the socket cut, resume, a message again.
 *
 *   node build-check/run.mjs            # install (npm ci) if needed, build both, run both
 *   node build-check/run.mjs --no-build # run what was built last
 *   node build-check/run.mjs vue3       # one of them
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { createRuntime } from '../test/support/miniprogram.js';
import { startServer, waitFor } from '../test/support/server.js';
import { createClient, wechatAdapter } from '../src/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLIENT = path.resolve(HERE, '..');
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const flavours = args.filter((a) => !a.startsWith('--'));
const which = flavours.length ? flavours : ['vue2', 'vue3'];
const BUILD = {
  vue2: ['npx', ['cross-env', 'NODE_ENV=production', 'UNI_PLATFORM=mp-weixin', 'vue-cli-service', 'uni-build']],
  vue3: ['npx', ['uni', 'build', '-p', 'mp-weixin']],
};

function run(cwd, command, commandArgs) {
  execFileSync(command, commandArgs, { cwd, stdio: 'inherit', env: { ...process.env, UNI_USING_CACHE: '' } });
}

/** The app's sources into the project, and this package into its node_modules as `npm install` would put it. */
function prepare(flavour) {
  const project = path.join(HERE, flavour);
  if (!existsSync(path.join(project, 'node_modules'))) run(project, 'npm', ['ci', '--no-audit', '--no-fund']);
  const src = path.join(project, 'src');
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  for (const name of ['App.vue', 'chat.js', 'pages', 'pages.json']) cpSync(path.join(HERE, 'app', name), path.join(src, name), { recursive: true });
  cpSync(path.join(HERE, 'app', `main.${flavour}.js`), path.join(src, 'main.js'));
  writeFileSync(path.join(src, 'manifest.json'),
    readFileSync(path.join(HERE, 'app', 'manifest.json'), 'utf8').replace('VUE_VERSION', flavour === 'vue2' ? '2' : '3'));
  const installed = path.join(project, 'node_modules', 'minichat-client');
  rmSync(installed, { recursive: true, force: true });
  const pkg = JSON.parse(readFileSync(path.join(CLIENT, 'package.json'), 'utf8'));
  mkdirSync(installed, { recursive: true });
  cpSync(path.join(CLIENT, 'package.json'), path.join(installed, 'package.json'));
  for (const entry of pkg.files) cpSync(path.join(CLIENT, entry), path.join(installed, entry), { recursive: true });
  rmSync(path.join(project, 'dist'), { recursive: true, force: true });
}

// ---- a minimal WeChat app host: modules, App, Page/Component, getApp, getCurrentPages ----

function host(dir, runtime) {
  const modules = new Map();
  const pages = [];
  let app = null;
  // APIs the uni-app runtime may touch at start-up that the simulation does not model: harmless stand-ins
  const extra = {
    getSystemInfoSync: () => ({ platform: 'devtools', SDKVersion: '3.5.0', windowWidth: 375, windowHeight: 667, pixelRatio: 2, language: 'zh_CN', version: '8.0.50', system: 'iOS 17', model: 'sim', brand: 'sim' }),
    getWindowInfo: () => ({ windowWidth: 375, windowHeight: 667, pixelRatio: 2, statusBarHeight: 20, safeArea: {} }),
    getDeviceInfo: () => ({ platform: 'devtools', system: 'iOS 17', model: 'sim', brand: 'sim' }),
    getAppBaseInfo: () => ({ SDKVersion: '3.5.0', language: 'zh_CN', version: '8.0.50', theme: 'light' }),
    getAccountInfoSync: () => ({ miniProgram: { appId: 'touristappid', envVersion: 'develop' } }),
    getLaunchOptionsSync: () => ({ path: 'pages/index/index', query: {}, scene: 1001 }),
    getEnterOptionsSync: () => ({ path: 'pages/index/index', query: {}, scene: 1001 }),
    canIUse: () => true,
    getStorageInfoSync: () => ({ keys: [...runtime.storage.keys()] }),
    nextTick: (fn) => setImmediate(fn),
  };
  // the uni-app runtime copies the wx APIs it finds (for…in), so they are plain properties
  const wx = Object.assign({}, extra, runtime.wx);
  const sandbox = {
    wx,
    console,
    setTimeout: (fn, ms, ...rest) => runtime.clock.setTimeout(() => fn(...rest), ms),
    clearTimeout: (id) => runtime.clock.clearTimeout(id),
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (id) => clearInterval(id),
    App(options) {
      app = Object.assign(Object.create(null), options);
      app.globalData = app.globalData || {};
    },
    Page(options) {
      pages.pending = { kind: 'page', options };
    },
    Component(options) {
      pages.pending = { kind: 'component', options };
    },
    getApp: () => app,
    getCurrentPages: () => pages.slice(),
  };
  sandbox.global = sandbox;
  const context = vm.createContext(sandbox);

  function load(file) {
    const full = path.resolve(dir, file.endsWith('.js') ? file : `${file}.js`);
    if (modules.has(full)) return modules.get(full).exports;
    const module = { exports: {} };
    modules.set(full, module);
    const code = readFileSync(full, 'utf8');
    const wrapper = vm.runInContext(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, context, { filename: full });
    wrapper(module.exports, (spec) => load(path.join(path.dirname(path.relative(dir, full)), spec)), module, full, path.dirname(full));
    return module.exports;
  }

  function callHook(target, options, name, arg) {
    const fn = (options.methods && options.methods[name]) || options[name];
    if (typeof fn === 'function') return fn.call(target, arg);
    return undefined;
  }

  return {
    context,
    launch() {
      load('app.js');
      if (!app) throw new Error('app.js did not call App()');
      if (app.onLaunch) app.onLaunch({ path: 'pages/index/index', query: {}, scene: 1001 });
      if (app.onShow) app.onShow({ path: 'pages/index/index', query: {}, scene: 1001 });
      return app;
    },
    get app() {
      return app;
    },
    /** Opens a page as WeChat does: created, attached, onLoad(query), onShow, ready. */
    open(route, query) {
      pages.pending = null;
      load(`${route}.js`);
      const made = pages.pending;
      if (!made) throw new Error(`${route}.js registered no page`);
      const { options } = made;
      const data = JSON.parse(JSON.stringify(typeof options.data === 'function' ? options.data() : options.data || {}));
      const page = {
        route,
        is: route,
        options: query,
        data,
        properties: Object.fromEntries(Object.entries(options.properties || {}).map(([key, spec]) => [key, spec && spec.value !== undefined ? spec.value : null])),
        __wxWebviewId__: pages.length + 1,
        __wxExparserNodeId__: `page-${pages.length + 1}`,
        setData(patch, callback) {
          for (const [key, value] of Object.entries(patch || {})) page.data[key] = value;
          if (callback) setImmediate(callback);
        },
        selectAllComponents: () => [],
        selectComponent: () => null,
        triggerEvent() {},
        createSelectorQuery: () => ({ in() { return this; }, select() { return this; }, boundingClientRect() { return this; }, exec() {} }),
        getOpenerEventChannel: () => ({ on() {}, emit() {}, once() {} }),
        getPageId: () => pages.length + 1,
      };
      if (options.methods) for (const [name, fn] of Object.entries(options.methods)) page[name] = fn;
      for (const [name, fn] of Object.entries(options)) if (typeof fn === 'function' && !(name in page)) page[name] = fn;
      pages.push(page);
      const lifetimes = options.lifetimes || {};
      for (const name of ['created', 'attached']) {
        const fn = lifetimes[name] || options[name];
        if (typeof fn === 'function') fn.call(page);
      }
      callHook(page, options, 'onLoad', query);
      callHook(page, options, 'onShow');
      const ready = lifetimes.ready || options.ready;
      if (typeof ready === 'function') ready.call(page);
      page.hide = () => callHook(page, options, 'onHide');
      page.show = () => callHook(page, options, 'onShow');
      return page;
    },
    appHide() {
      if (app.onHide) app.onHide();
    },
    appShow() {
      if (app.onShow) app.onShow({ path: 'pages/chat/chat', query: {}, scene: 1001 });
    },
  };
}

async function check(flavour, server) {
  const dist = path.join(HERE, flavour, 'dist', 'build', 'mp-weixin');
  const port = new URL(server.base).host;
  const runtime = createRuntime({
    platform: 'wechat',
    allowedHosts: ['chat.example.com'],
    routes: { 'chat.example.com': port },
    suspendAfter: 300,
  });
  const alice = flavour === 'vue2' ? 4101 : 4201;
  const bob = alice + 1;
  runtime.storage.set('token', await server.token(alice));
  // the other user: a native WeChat app on the module's own build
  const peerRuntime = createRuntime({ platform: 'wechat', allowedHosts: [port] });
  const peer = createClient({ url: server.wsUrl, token: () => server.token(bob), adapter: wechatAdapter(peerRuntime.wx) });
  const peerGot = [];
  peer.on('message', (m) => peerGot.push(m.data));
  try {
    const app = host(dist, runtime);
    app.launch();
    assertThat(vm.runInContext('typeof uni', app.context) === 'undefined', 'no global uni in the mini-program');
    const page = app.open('pages/chat/chat', { to: String(bob) });
    const vmOf = () => page.$vm || (page.$scope && page.$scope.$vm) || page;
    await waitFor(() => vmOf().connection === 'online', `${flavour}: the chat page shows online`);
    assertThat(!/token=/.test(runtime.tasks[0].url) && /^Bearer /.test(runtime.tasks[0].header.Authorization), 'the token in a header');
    await peer.send(alice, `hello ${flavour}`);
    await waitFor(() => vmOf().talkList.some((row) => row.content === `hello ${flavour}` && row.type === 0), `${flavour}: the page shows the message`);
    vmOf().content = `hi from the ${flavour} build`;
    vmOf().send();
    await waitFor(() => peerGot.includes(`hi from the ${flavour} build`), `${flavour}: the peer gets the page's message`);
    await waitFor(() => vmOf().talkList.some((row) => row.content === `hi from the ${flavour} build` && row.state === 'delivered'), `${flavour}: acknowledged`);
    // to the background: suspended, the socket cut with no onClose; back: found dead, reconnected, synced
    runtime.hide({ sockets: 'silent', appHooks: [() => app.appHide()] });
    await new Promise((resolve) => setTimeout(resolve, 600));
    await peer.send(alice, `while away ${flavour}`);
    const shownAt = Date.now();
    runtime.show({ appHooks: [() => app.appShow()] });
    await waitFor(() => vmOf().talkList.some((row) => row.content === `while away ${flavour}`), `${flavour}: the message sent while away`);
    assertThat(runtime.tasks.length === 2, 'one new socket after the resume');
    assertThat(runtime.maxOpen <= 1, 'at most one socket at a time');
    console.log(`${flavour}: launched, chatted both ways, resumed after a silent cut in ${Date.now() - shownAt} ms`);
  } catch (error) {
    error.runtimeLog = runtime.log;
    throw error;
  } finally {
    peer.close();
    runtime.stop();
    peerRuntime.stop();
  }
}

function assertThat(condition, what) {
  if (!condition) throw new Error(`failed: ${what}`);
}

if (build) {
  for (const flavour of which) {
    prepare(flavour);
    run(path.join(HERE, flavour), ...BUILD[flavour]);
  }
}
const server = await startServer('uniapp');
let failed = false;
try {
  for (const flavour of which) {
    try {
      await check(flavour, server);
    } catch (error) {
      failed = true;
      console.error(`${flavour}: ${error.stack || error}`);
      if (error.runtimeLog) console.error(`${flavour}: what the runtime saw: ${error.runtimeLog.join(' | ')}`);
    }
  }
} finally {
  await server.stop();
}
console.log(failed ? 'uni-app builds: failed' : `uni-app builds: ${which.join(' and ')} passed`);
process.exit(failed ? 1 : 0);
