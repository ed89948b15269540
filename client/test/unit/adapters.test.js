import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { uniAppAdapter, wechatAdapter, webSocketAdapter, httpBase, tokenSubject } from '../../src/index.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A stand-in for `uni` / `wx` that behaves as the platforms document (see test/support/miniprogram.js for the
 * sources): a SocketTask only when a callback is given, onError with errMsg only, onClose with or without code,
 * close refusing codes other than 1000 and 3000–4999 and refusing while connecting, send failing when not open.
 */
function platform({ closeDetails = true } = {}) {
  const api = { tasks: [], shows: [], hides: [], requests: [] };
  api.connectSocket = (params) => {
    if (!params.success && !params.fail && !params.complete) return Promise.resolve({ errMsg: 'connectSocket:ok' });
    const task = { params, url: params.url, header: params.header, state: 'CONNECTING', sent: [], closes: [], handlers: {} };
    for (const name of ['onOpen', 'onMessage', 'onClose', 'onError']) task[name] = (fn) => { task.handlers[name] = fn; };
    task.open = () => {
      task.state = 'OPEN';
      task.handlers.onOpen({});
    };
    task.serverClose = (code, reason) => {
      task.state = 'CLOSED';
      task.handlers.onClose(closeDetails ? { code, reason } : undefined);
    };
    task.send = ({ data, fail }) => {
      if (task.state !== 'OPEN') fail({ errMsg: 'sendSocketMessage:fail WebSocket is not connected' });
      else task.sent.push(data);
    };
    task.close = (options) => {
      task.closes.push({ code: options.code, reason: options.reason });
      if (options.code !== undefined && options.code !== 1000 && !(options.code >= 3000 && options.code <= 4999)) {
        options.fail({ errMsg: 'closeSocket:fail The code must be either 1000, or between 3000 and 4999.' });
      } else if (task.state === 'CONNECTING') {
        options.fail({ errMsg: 'closeSocket:fail WebSocket is not connected' });
      } else {
        task.state = 'CLOSED';
        options.success({ errMsg: 'closeSocket:ok' });
      }
    };
    api.tasks.push(task);
    return task;
  };
  api.request = (options) => {
    api.requests.push(options);
    if (options.url.includes('/fail')) options.fail({ errMsg: 'request:fail url not in domain list' });
    else options.success({ statusCode: 429, data: '{"error":{"code":"rate_limited"}}', header: { 'Retry-After': '3' } });
  };
  api.onAppShow = (fn) => api.shows.push(fn);
  api.onAppHide = (fn) => api.hides.push(fn);
  return api;
}

function recorder() {
  const events = [];
  return {
    events,
    handlers: {
      onOpen: () => events.push('open'),
      onMessage: (text) => events.push(`message ${text}`),
      onClose: (code, reason) => events.push(`close ${code} ${reason}`),
      onError: (error) => events.push(`error ${error.phase || ''}${error.message}`),
    },
  };
}

describe('mini-program adapters', () => {
  test('take the platform API explicitly, and say what is missing', () => {
    assert.throws(() => uniAppAdapter(), /pass uni, as in uniAppAdapter\(uni\).*no globalThis\.uni/);
    assert.throws(() => uniAppAdapter(globalThis.uni), /pass uni/);
    assert.throws(() => wechatAdapter(), /pass wx, as in wechatAdapter\(wx\)/);
    assert.throws(() => uniAppAdapter({ connectSocket() {} }), /uni-app: the API object passed has no request/);
    assert.throws(() => wechatAdapter({}), /wechat: the API object passed has no connectSocket and request/);
  });

  for (const [name, make] of [['uni-app', uniAppAdapter], ['WeChat', wechatAdapter]]) {
    test(`${name}: connectSocket with callbacks (so a task is returned) and the token in the Authorization header`, async () => {
      const api = platform();
      const adapter = make(api);
      assert.equal(adapter.tokenInHeader, true);
      const { events, handlers } = recorder();
      adapter.connect('wss://x/ws', handlers, { headers: { Authorization: 'Bearer t' } });
      const task = api.tasks[0];
      assert.equal(task.url, 'wss://x/ws');
      assert.deepEqual(task.header, { Authorization: 'Bearer t' });
      assert.equal(typeof task.params.fail, 'function');
      task.open();
      task.handlers.onMessage({ data: '{"type":"init"}' });
      task.serverClose(1012, 'restart');
      assert.deepEqual(events, ['open', 'message {"type":"init"}', 'close 1012 restart']);
    });
  }

  test('uni-app on H5 (the browser\'s socket ignores header): the token goes in the URL', () => {
    globalThis.document = {};
    globalThis.window = {};
    try {
      assert.equal(uniAppAdapter(platform()).tokenInHeader, false);
    } finally {
      delete globalThis.document;
      delete globalThis.window;
    }
    assert.equal(uniAppAdapter(platform(), { tokenIn: 'query' }).tokenInHeader, false);
  });

  test('onClose without code and reason (uni-app before 3.7.12) gives code null, not 1006', () => {
    const api = platform({ closeDetails: false });
    const { events, handlers } = recorder();
    uniAppAdapter(api).connect('wss://x/ws', handlers, {});
    api.tasks[0].open();
    api.tasks[0].serverClose(1008, 'banned');
    assert.deepEqual(events, ['open', 'close null ']);
  });

  test('onError carries errMsg only; it is reported once, and the task that never opened is let go of', () => {
    const api = platform();
    const { events, handlers } = recorder();
    const socket = wechatAdapter(api).connect('wss://x/ws', handlers, {});
    api.tasks[0].handlers.onError({ errMsg: 'Invalid HTTP status' });
    api.tasks[0].handlers.onClose({ code: 1006, reason: '' });
    assert.deepEqual(events, ['error wechat: socket error: Invalid HTTP status']);
    assert.equal(socket.gone, true);
  });

  test('a connectSocket failure is reported at once with its reason', async () => {
    const api = platform();
    api.connectSocket = (params) => {
      params.fail({ errMsg: 'connectSocket:fail url not in domain list' });
      return { onOpen() {}, onMessage() {}, onClose() {}, onError() {}, close() {}, send() {} };
    };
    const { events, handlers } = recorder();
    const socket = uniAppAdapter(api).connect('wss://x/ws', handlers, {});
    await settle();
    assert.deepEqual(events, ['error connectuni-app: connectSocket failed: connectSocket:fail url not in domain list']);
    assert.equal(socket.gone, true);
  });

  test('close codes are always legal: 1006 becomes 1000, a long reason is cut to 123 bytes', () => {
    const api = platform();
    const socket = wechatAdapter(api).connect('wss://x/ws', recorder().handlers, {});
    api.tasks[0].open();
    socket.close(1006, 'é'.repeat(100));
    const [close] = api.tasks[0].closes;
    assert.equal(close.code, 1000);
    assert.ok(Buffer.byteLength(close.reason) <= 123);
    assert.equal(socket.gone, true);
  });

  test('a close the platform refuses is tried again without a code', () => {
    const api = platform();
    const socket = wechatAdapter(api).connect('wss://x/ws', recorder().handlers, {});
    const task = api.tasks[0];
    task.open();
    const close = task.close;
    let refused = false;
    task.close = (options) => {
      if (!refused) {
        refused = true;
        task.closes.push({ code: options.code });
        options.fail({ errMsg: 'closeSocket:fail' });
        return;
      }
      close(options);
    };
    socket.close(4000, 'bye');
    assert.deepEqual(task.closes.map((c) => c.code), [4000, undefined]);
    assert.equal(socket.gone, true);
  });

  test('a task still connecting that refuses to close is closed when it opens, and only then let go of', () => {
    const api = platform();
    const { events, handlers } = recorder();
    const socket = wechatAdapter(api).connect('wss://x/ws', handlers, {});
    const task = api.tasks[0];
    let gone = false;
    socket.onGone(() => { gone = true; });
    socket.close(4001, 'no init');
    assert.equal(task.state, 'CONNECTING');
    assert.equal(gone, false, 'still held by the platform');
    task.open();
    assert.equal(task.state, 'CLOSED');
    assert.equal(gone, true);
    assert.deepEqual(events, [], 'the client hears nothing more of it');
  });

  test('a failed send is reported as a socket error', async () => {
    const api = platform();
    const { events, handlers } = recorder();
    const socket = wechatAdapter(api).connect('wss://x/ws', handlers, {});
    api.tasks[0].open();
    api.tasks[0].state = 'CLOSED'; // cut while the app was suspended, no onClose
    socket.send('{"type":"heart"}');
    await settle();
    assert.deepEqual(events, ['open', 'error wechat: send failed: sendSocketMessage:fail WebSocket is not connected']);
  });

  test('request: status, parsed body and headers; fail and a throwing request reject', async () => {
    const api = platform();
    const adapter = uniAppAdapter(api);
    const response = await adapter.request({ method: 'GET', url: 'https://x/api', headers: { Authorization: 'Bearer t' } });
    assert.deepEqual(response, { status: 429, data: { error: { code: 'rate_limited' } }, headers: { 'Retry-After': '3' } });
    assert.deepEqual(api.requests[0].header, { Authorization: 'Bearer t' });
    await assert.rejects(adapter.request({ method: 'GET', url: 'https://x/fail', headers: {} }), /url not in domain list/);
    api.request = () => { throw new Error('not here'); };
    await assert.rejects(adapter.request({ method: 'GET', url: 'https://x/api', headers: {} }), /not here/);
  });

  test('app show/hide where the platform has them; nothing (App onShow/onHide instead) where it does not', () => {
    const api = platform();
    let lifecycle = '';
    const off = wechatAdapter(api).onLifecycle(() => { lifecycle += 'show '; }, () => { lifecycle += 'hide '; });
    api.hides[0]();
    api.shows[0]();
    assert.equal(lifecycle, 'hide show ');
    assert.equal(typeof off, 'function');
    const bare = platform();
    delete bare.onAppShow;
    delete bare.onAppHide;
    assert.equal(typeof uniAppAdapter(bare).onLifecycle(() => {}, () => {}), 'function');
  });
});

test('WebSocket adapter needs an implementation and reports visibility as foreground/background', () => {
  assert.throws(() => webSocketAdapter({ WebSocket: null }), /no WebSocket implementation/);
  const listeners = [];
  const doc = { visibilityState: 'visible', addEventListener: (type, fn) => listeners.push(fn), removeEventListener() {} };
  const adapter = webSocketAdapter({ WebSocket: function Fake() {}, document: doc });
  assert.equal(adapter.tokenInHeader, false, 'the standard WebSocket cannot set headers');
  const seen = [];
  adapter.onLifecycle(() => seen.push('fg'), () => seen.push('bg'));
  doc.visibilityState = 'hidden';
  listeners[0]();
  doc.visibilityState = 'visible';
  listeners[0]();
  assert.deepEqual(seen, ['bg', 'fg']);
});

test('helpers: the HTTP origin of a socket URL and the user of a token', () => {
  assert.equal(httpBase('ws://127.0.0.1:8080/ws'), 'http://127.0.0.1:8080');
  assert.equal(httpBase('wss://chat.example.com/ws?x=1'), 'https://chat.example.com');
  const token = `e30.${Buffer.from('{"sub":"42"}').toString('base64url')}.sig`;
  assert.equal(tokenSubject(token), 42);
  assert.equal(tokenSubject('garbage'), null);
});
