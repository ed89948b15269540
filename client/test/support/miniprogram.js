/**
 * A simulated mini-program runtime: `wx` as WeChat documents it, and `uni` as uni-app builds it on top of `wx` for
 * mp-weixin, with real sockets and real HTTP to a real server. It follows the platforms' documented rules, not the
 * adapter's expectations; each rule names where it is documented:
 *
 *   [wx.connectSocket]  https://developers.weixin.qq.com/miniprogram/dev/api/network/websocket/wx.connectSocket.html
 *   [SocketTask]        https://developers.weixin.qq.com/miniprogram/dev/api/network/websocket/SocketTask.html
 *   [SocketTask.close]  https://developers.weixin.qq.com/miniprogram/dev/api/network/websocket/SocketTask.close.html
 *   [network]           https://developers.weixin.qq.com/miniprogram/dev/framework/ability/network.html
 *   [background]        https://developers.weixin.qq.com/miniprogram/dev/framework/runtime/operating-mechanism.html
 *   [wx.request]        https://developers.weixin.qq.com/miniprogram/dev/api/network/request/wx.request.html
 *   [wx.uploadFile]     https://developers.weixin.qq.com/miniprogram/dev/api/network/upload/wx.uploadFile.html
 *   [uni.connectSocket] https://uniapp.dcloud.net.cn/api/request/websocket.html
 *   [uni.onAppShow]     https://uniapp.dcloud.net.cn/api/application.html
 *   [uni promises]      https://uniapp.dcloud.net.cn/api/#api-promise-化
 *   [RFC 6455 7.4]      close codes 1005, 1006 and 1015 are never sent; 1004 and 1016–2999 are reserved
 */
import http from 'node:http';
import crypto from 'node:crypto';

// ---- a WebSocket client on a raw HTTP upgrade: it sees the handshake's status, which the runtime then hides ----

/** Opens ws://host/path with the given headers; events: open, message(text), close(code, reason), refused(status, headers), failed(reason). */
export function rawSocket(url, headers, events) {
  const target = new URL(url);
  const key = crypto.randomBytes(16).toString('base64');
  const request = http.request({
    host: target.hostname,
    port: target.port || 80,
    path: target.pathname + target.search,
    headers: Object.assign({
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': key,
    }, headers || {}),
  });
  let socket = null;
  let ended = false;
  let closeFrom = null;
  const finish = (code, reason) => {
    if (ended) return;
    ended = true;
    events.close(code, reason);
  };
  request.on('response', (response) => {
    response.resume();
    ended = true;
    events.refused(response.statusCode, response.headers);
  });
  request.on('error', (error) => {
    if (ended) return;
    ended = true;
    events.failed(error.message);
  });
  request.on('upgrade', (response, upgraded, head) => {
    socket = upgraded;
    socket.setNoDelay(true);
    let buffer = head && head.length ? Buffer.from(head) : Buffer.alloc(0);
    let fragments = [];
    const parse = () => {
      for (;;) {
        if (buffer.length < 2) return;
        const fin = (buffer[0] & 0x80) !== 0;
        const opcode = buffer[0] & 0x0f;
        let length = buffer[1] & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + length) return;
        const payload = buffer.subarray(offset, offset + length);
        buffer = buffer.subarray(offset + length);
        if (opcode === 0x1 || opcode === 0x0) {
          fragments.push(Buffer.from(payload));
          if (fin) {
            const text = Buffer.concat(fragments).toString('utf8');
            fragments = [];
            if (!ended) events.message(text);
          }
        } else if (opcode === 0x8) {
          const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          const reason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
          if (!closeFrom) {
            closeFrom = 'server';
            write(0x8, payload.subarray(0, 2));
          }
          socket.end();
          finish(code, reason);
        } else if (opcode === 0x9) {
          write(0xa, payload);
        }
      }
    };
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      parse();
    });
    socket.on('close', () => finish(1006, ''));
    socket.on('error', () => finish(1006, ''));
    events.open();
    parse(); // frames that came with the upgrade's response
  });
  request.end();

  function write(opcode, payload) {
    if (!socket || socket.destroyed) return false;
    const mask = crypto.randomBytes(4);
    const length = payload.length;
    const head = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    if (length < 126) head[1] = 0x80 | length;
    else if (length < 65536) {
      head[1] = 0x80 | 126;
      head.writeUInt16BE(length, 2);
    } else {
      head[1] = 0x80 | 127;
      head.writeBigUInt64BE(BigInt(length), 2);
    }
    const masked = Buffer.alloc(length);
    for (let i = 0; i < length; i++) masked[i] = payload[i] ^ mask[i % 4];
    socket.write(Buffer.concat([head, mask, masked]));
    return true;
  }

  return {
    send(text) {
      return write(0x1, Buffer.from(text, 'utf8'));
    },
    close(code, reason) {
      if (closeFrom) return;
      closeFrom = 'client';
      const payload = Buffer.alloc(2 + Buffer.byteLength(reason || ''));
      payload.writeUInt16BE(code, 0);
      payload.write(reason || '', 2, 'utf8');
      if (!write(0x8, payload)) finish(1006, '');
      else setTimeout(() => socket && socket.destroy(), 2000).unref();
    },
    /** The connection is cut without a close frame (the platform suspended the app). */
    destroy() {
      if (socket) socket.destroy();
      else request.destroy();
    },
  };
}

// ---- timers that stop while the app is suspended ----

class RuntimeTimers {
  constructor() {
    this.suspended = false;
    this.waiting = new Map();
    this.nextId = 1;
  }

  setTimeout(fn, ms) {
    const id = this.nextId++;
    const entry = { fn, at: Date.now() + Math.max(0, ms || 0), handle: null };
    this.waiting.set(id, entry);
    this._arm(id, entry);
    return id;
  }

  clearTimeout(id) {
    const entry = this.waiting.get(id);
    if (!entry) return;
    clearTimeout(entry.handle);
    this.waiting.delete(id);
  }

  _arm(id, entry) {
    entry.handle = setTimeout(() => {
      if (this.suspended) return; // fires when the app is resumed
      this.waiting.delete(id);
      entry.fn();
    }, Math.max(0, entry.at - Date.now()));
  }

  suspend() {
    this.suspended = true;
  }

  resume() {
    this.suspended = false;
    for (const [id, entry] of [...this.waiting]) {
      clearTimeout(entry.handle);
      this._arm(id, entry);
    }
  }

  stop() {
    for (const entry of this.waiting.values()) clearTimeout(entry.handle);
    this.waiting.clear();
  }
}

/** The type a multipart part gets from its file name's extension, as HTTP clients give it. */
function mimeOf(fileName) {
  const types = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', txt: 'text/plain', pdf: 'application/pdf' };
  return types[fileName.split('.').pop().toLowerCase()] || 'application/octet-stream';
}

const MAX_SOCKETS = 5; // [network] "同时最多可以存在 5 个 WebSocket 连接" (since base library 1.7.0)

/**
 * A runtime. Options:
 * - `allowedHosts`: the socket and request domain lists ("host:port"); [network] others fail with "url not in domain list"
 * - `platform`: 'wechat' (wx only) or 'uni-mp-weixin' (uni built on wx, as a uni-app mp-weixin build runs)
 * - `closeDetails`: false for uni-app before HBuilderX 3.7.12, whose onClose passes no code and no reason
 * - `suspendAfter`: ms after hiding until the app is suspended ([background]: "about 5 seconds")
 * - `errorThenClose`: whether onClose follows onError for a refused handshake (not promised by the docs; default false)
 * - `networkTimeout`: ms a socket may stay connecting or a request unanswered ([network] networkTimeout, default 60000)
 * - `routes`: { 'chat.example.com': '127.0.0.1:8080' }: where a listed host really is (wss/https become ws/http there),
 *   so that an app built for its production URL talks to a local server
 */
export function createRuntime(options = {}) {
  const settings = Object.assign({
    allowedHosts: [],
    platform: 'wechat',
    closeDetails: true,
    suspendAfter: 5000,
    errorThenClose: false,
    networkTimeout: 60000,
    routes: {},
  }, options);
  const route = (url) => {
    const parsed = new URL(url);
    const target = settings.routes[parsed.host];
    if (!target) return url;
    const scheme = { 'wss:': 'ws:', 'https:': 'http:' }[parsed.protocol] || parsed.protocol;
    return `${scheme}//${target}${parsed.pathname}${parsed.search}`;
  };
  const timers = new RuntimeTimers();
  const showListeners = [];
  const hideListeners = [];
  const tasks = [];
  const log = [];
  let hidden = false;
  let suspendTimer = null;
  let suspendMode = 'keep';
  let maxOpen = 0;
  let stopped = false;

  const deliver = (fn) => {
    // events of a suspended app wait until it runs again
    if (timers.suspended) pending.push(fn);
    else setImmediate(fn);
  };
  const pending = [];

  const allowed = (url) => {
    try {
      return settings.allowedHosts.includes(new URL(url).host);
    } catch {
      return false;
    }
  };

  const live = () => tasks.filter((t) => t.readyState !== 'CLOSED' && !t.released).length;

  function connectSocket(params) {
    const { url, header, success, fail, complete } = params || {};
    const hasCallback = [success, fail, complete].some((fn) => typeof fn === 'function');
    const task = makeTask(url, header);
    if (stopped) return task; // the app is gone: nothing happens any more
    const failWith = (errMsg) => {
      log.push(`connectSocket fail: ${errMsg}`);
      task.readyState = 'CLOSED';
      deliver(() => {
        if (fail) fail({ errMsg });
        if (complete) complete({ errMsg });
      });
    };
    if (!/^wss?:\/\//.test(String(url))) failWith(`connectSocket:fail invalid url "${url}"`);
    // [network] a domain not on the socket domain list is refused
    else if (!allowed(url)) failWith(`connectSocket:fail url not in domain list`);
    // [network] at most 5 sockets at once
    else if (live() >= MAX_SOCKETS) failWith('connectSocket:fail exceed max task count');
    else {
      tasks.push(task);
      maxOpen = Math.max(maxOpen, live());
      task._start();
      deliver(() => {
        if (success) success({ errMsg: 'connectSocket:ok' });
        if (complete) complete({ errMsg: 'connectSocket:ok' });
      });
    }
    // [uni.connectSocket] a SocketTask is returned only when success, fail or complete is given; uni-app then
    // returns a Promise instead ([uni promises]). [wx.connectSocket] wx returns the task since base library 1.7.0.
    if (settings.platform === 'uni-mp-weixin' && !hasCallback) return Promise.resolve({ errMsg: 'connectSocket:ok' });
    return task;
  }

  function makeTask(url, header) {
    const handlers = { open: [], message: [], close: [], error: [] };
    const emit = (name, arg) => deliver(() => {
      for (const fn of handlers[name]) fn(arg);
    });
    let raw = null;
    const task = {
      url,
      header: header || {},
      readyState: 'CONNECTING',
      released: false,
      dead: false,
      onOpen: (fn) => handlers.open.push(fn),
      onMessage: (fn) => handlers.message.push(fn),
      // [SocketTask] onClose(res): res.code, res.reason; uni-app before 3.7.12 passes neither
      onClose: (fn) => handlers.close.push(fn),
      // [SocketTask] onError(res): res.errMsg only
      onError: (fn) => handlers.error.push(fn),
      send({ data, success, fail, complete } = {}) {
        // [SocketTask] send works on an open socket only
        if (task.readyState !== 'OPEN' || task.dead) {
          const res = { errMsg: 'sendSocketMessage:fail WebSocket is not connected' };
          deliver(() => {
            if (fail) fail(res);
            if (complete) complete(res);
          });
          return;
        }
        raw.send(String(data));
        deliver(() => {
          if (success) success({ errMsg: 'sendSocketMessage:ok' });
          if (complete) complete({ errMsg: 'sendSocketMessage:ok' });
        });
      },
      close({ code, reason, success, fail, complete } = {}) {
        const done = (ok, errMsg) => {
          log.push(`close ${code === undefined ? '-' : code} ${ok ? 'ok' : errMsg}`);
          deliver(() => {
            if (ok && success) success({ errMsg: 'closeSocket:ok' });
            if (!ok && fail) fail({ errMsg });
            if (complete) complete({ errMsg: ok ? 'closeSocket:ok' : errMsg });
          });
        };
        // [SocketTask.close] code: 1000, or 3000–4999; reason: at most 123 bytes of UTF-8
        if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
          done(false, `closeSocket:fail The code must be either 1000, or between 3000 and 4999. ${code} is neither.`);
          return;
        }
        if (reason !== undefined && Buffer.byteLength(String(reason)) > 123) {
          done(false, 'closeSocket:fail The message must not be greater than 123 bytes.');
          return;
        }
        // a task still connecting refuses to close: it has to be closed once it opens
        if (task.readyState === 'CONNECTING') {
          done(false, 'closeSocket:fail WebSocket is not connected');
          return;
        }
        if (task.readyState === 'CLOSED' || task.readyState === 'CLOSING') {
          done(true);
          return;
        }
        if (task.dead) {
          // cut while suspended: the platform lets go of it, and no onClose ever comes
          task.readyState = 'CLOSED';
          done(true);
          return;
        }
        task.readyState = 'CLOSING';
        raw.close(code === undefined ? 1000 : code, reason || '');
        done(true);
      },
      _start() {
        const timeout = setTimeout(() => {
          if (task.readyState !== 'CONNECTING') return;
          task.readyState = 'CLOSED';
          raw.destroy();
          emit('error', { errMsg: 'connectSocket:fail timeout' });
        }, settings.networkTimeout);
        timeout.unref();
        raw = rawSocket(route(url), header, {
          open: () => {
            if (task.readyState !== 'CONNECTING') return;
            task.readyState = 'OPEN';
            emit('open', { header: {} });
          },
          message: (text) => {
            if (!task.dead) emit('message', { data: text });
          },
          close: (code, reason) => {
            if (task.dead) return;
            task.readyState = 'CLOSED';
            emit('close', settings.closeDetails ? { code, reason } : {});
          },
          refused: (status) => {
            // [SocketTask] onError gets errMsg only: the handshake's HTTP status is not passed to the app
            log.push(`handshake refused ${status}`);
            task.readyState = 'CLOSED';
            emit('error', { errMsg: 'Invalid HTTP status' });
            if (settings.errorThenClose) emit('close', settings.closeDetails ? { code: 1006, reason: '' } : {});
          },
          failed: (reason) => {
            task.readyState = 'CLOSED';
            emit('error', { errMsg: `connect failed: ${reason}` });
            if (settings.errorThenClose) emit('close', settings.closeDetails ? { code: 1006, reason: '' } : {});
          },
        });
      },
      _cut(withClose) {
        if (task.readyState === 'CLOSED') return;
        if (withClose) {
          raw.destroy(); // the close event arrives when the app runs again
        } else {
          task.dead = true;
          raw.destroy();
        }
      },
    };
    return task;
  }

  function request({ url, method = 'GET', header = {}, data, dataType = 'json', success, fail, complete } = {}) {
    const failWith = (errMsg) => deliver(() => {
      if (fail) fail({ errMsg });
      if (complete) complete({ errMsg });
    });
    // [network] the request domain list applies too
    if (!allowed(url)) {
      failWith('request:fail url not in domain list');
      return { abort() {} };
    }
    const body = data === undefined || typeof data === 'string' ? data : JSON.stringify(data);
    // [wx.request] timeout: networkTimeout.request (60 s by default)
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), settings.networkTimeout);
    timer.unref();
    fetch(route(url), { method, headers: header, body, signal: controller.signal }).then(async (response) => {
      clearTimeout(timer);
      const text = await response.text();
      let parsed = text;
      // [wx.request] dataType json: the data is parsed when it is JSON
      if (dataType === 'json') {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      const headers = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      // [wx.request] any HTTP status is a success: statusCode, data, header
      const res = { statusCode: response.status, data: parsed, header: headers, errMsg: 'request:ok' };
      deliver(() => {
        if (success) success(res);
        if (complete) complete(res);
      });
    }, (error) => failWith(`request:fail ${error.message}`));
    return { abort() {} };
  }

  /** Files the app was given by chooseImage / chooseMessageFile: temporary path → bytes. */
  const tempFiles = new Map();

  function uploadFile({ url, filePath, name, header = {}, formData, success, fail, complete } = {}) {
    const failWith = (errMsg) => deliver(() => {
      if (fail) fail({ errMsg });
      if (complete) complete({ errMsg });
    });
    // [network] the uploadFile domain list (here the same list as the others)
    if (!allowed(url)) {
      failWith('uploadFile:fail url not in domain list');
      return { abort() {}, onProgressUpdate() {} };
    }
    if (!tempFiles.has(filePath)) {
      failWith(`uploadFile:fail file not found: ${filePath}`);
      return { abort() {}, onProgressUpdate() {} };
    }
    // [wx.uploadFile] a multipart/form-data POST: the file under `name`, `formData` as further fields
    const form = new FormData();
    for (const [key, value] of Object.entries(formData || {})) form.append(key, String(value));
    const fileName = filePath.split('/').pop();
    form.append(name, new Blob([tempFiles.get(filePath)], { type: mimeOf(fileName) }), fileName);
    fetch(route(url), { method: 'POST', headers: header, body: form }).then(async (response) => {
      // [wx.uploadFile] success: res.data is the server's answer as a string, res.statusCode its status
      const res = { statusCode: response.status, data: await response.text(), errMsg: 'uploadFile:ok' };
      deliver(() => {
        if (success) success(res);
        if (complete) complete(res);
      });
    }, (error) => failWith(`uploadFile:fail ${error.message}`));
    return { abort() {}, onProgressUpdate() {} };
  }

  const wx = {
    connectSocket,
    request,
    uploadFile,
    onAppShow: (fn) => showListeners.push(fn),
    onAppHide: (fn) => hideListeners.push(fn),
    offAppShow: (fn) => remove(showListeners, fn),
    offAppHide: (fn) => remove(hideListeners, fn),
    getStorageSync: (key) => storage.get(key) ?? '',
    setStorageSync: (key, value) => storage.set(key, value),
    removeStorageSync: (key) => storage.delete(key),
    showTabBarRedDot: () => log.push('red dot on'),
    hideTabBarRedDot: () => log.push('red dot off'),
    showToast: () => {},
    redirectTo: ({ url }) => log.push(`redirectTo ${url}`),
  };
  const storage = new Map();

  // uni-app's mp-weixin runtime builds uni on wx; the `uni` name is given to app code at build time, never set as a
  // global ([uni.onAppShow] also says onAppShow/onAppHide do not exist on App and H5: see `appPlatform` below)
  const eventBus = new Map();
  const uni = Object.assign({}, wx, {
    $on: (name, fn) => {
      if (!eventBus.has(name)) eventBus.set(name, []);
      eventBus.get(name).push(fn);
    },
    $emit: (name, payload) => (eventBus.get(name) || []).forEach((fn) => fn(payload)),
  });

  function remove(list, fn) {
    const index = list.indexOf(fn);
    if (index >= 0) list.splice(index, 1);
  }

  return {
    wx,
    uni,
    /** uni as on uni-app App and H5: no onAppShow/onAppHide ([uni.onAppShow]); App's onShow/onHide still run. */
    uniWithoutAppEvents() {
      const copy = Object.assign({}, uni);
      delete copy.onAppShow;
      delete copy.onAppHide;
      delete copy.offAppShow;
      delete copy.offAppHide;
      return copy;
    },
    timers,
    /** A file as chooseImage hands it over: a temporary path named like `tmp_…` with the file's extension. */
    tempFile(bytes, extension) {
      const path = `wxfile://tmp_${crypto.randomBytes(6).toString('hex')}.${extension}`;
      tempFiles.set(path, bytes);
      return path;
    },
    clock: {
      setTimeout: (fn, ms) => timers.setTimeout(fn, ms),
      clearTimeout: (id) => timers.clearTimeout(id),
      now: () => Date.now(),
    },
    tasks,
    log,
    storage,
    /** The most sockets that were not closed at one time. */
    get maxOpen() {
      return maxOpen;
    },
    get liveSockets() {
      return live();
    },
    get hidden() {
      return hidden;
    },
    /**
     * The user leaves the app: onAppHide, then ([background]) suspension after `suspendAfter` ms. `sockets`: 'keep',
     * 'close' (cut, onClose delivered when the app runs again) or 'silent' (cut with no onClose at all).
     */
    hide({ sockets = 'keep', appHooks = [] } = {}) {
      hidden = true;
      suspendMode = sockets;
      for (const fn of [...hideListeners]) fn({});
      for (const fn of appHooks) fn();
      suspendTimer = setTimeout(() => {
        timers.suspend();
        if (suspendMode !== 'keep') for (const task of tasks) task._cut(suspendMode === 'close');
      }, settings.suspendAfter);
    },
    /** The user comes back: the app runs again, onAppShow, then what waited. */
    show({ appHooks = [] } = {}) {
      hidden = false;
      clearTimeout(suspendTimer);
      const wasSuspended = timers.suspended;
      timers.resume();
      for (const fn of [...showListeners]) fn({ scene: 1001 });
      for (const fn of appHooks) fn();
      if (wasSuspended) for (const fn of pending.splice(0)) setImmediate(fn);
    },
    /** Every socket cut now, with or without onClose (a network change). */
    cutSockets(withClose) {
      for (const task of tasks) task._cut(withClose);
    },
    stop() {
      stopped = true;
      clearTimeout(suspendTimer);
      timers.stop();
    },
  };
}
