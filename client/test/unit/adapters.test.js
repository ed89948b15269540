import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniAppAdapter, wechatAdapter, webSocketAdapter, httpBase, tokenSubject } from '../../src/index.js';

/** A stand-in for `uni` / `wx`: one SocketTask per connectSocket, request answered by the test. */
function fakeMiniProgram() {
  const api = { tasks: [], shows: [], hides: [] };
  api.connectSocket = ({ url, complete }) => {
    assert.equal(typeof complete, 'function', 'a SocketTask is only returned when a callback is given');
    const task = { url, sent: [], closed: null, handlers: {} };
    for (const name of ['onOpen', 'onMessage', 'onClose', 'onError']) task[name] = (fn) => { task.handlers[name] = fn; };
    task.send = ({ data }) => task.sent.push(data);
    task.close = (options) => { task.closed = options; };
    api.tasks.push(task);
    return task;
  };
  api.request = (options) => options.success({ statusCode: 201, data: '{"id":5}' });
  api.onAppShow = (fn) => api.shows.push(fn);
  api.onAppHide = (fn) => api.hides.push(fn);
  return api;
}

for (const [name, make] of [['uni-app', uniAppAdapter], ['WeChat', wechatAdapter]]) {
  test(`${name} adapter wires a SocketTask, request and app show/hide`, async () => {
    const api = fakeMiniProgram();
    const adapter = make(api);
    const events = [];
    const socket = adapter.connect('wss://x/ws?token=t', {
      onOpen: () => events.push('open'),
      onMessage: (text) => events.push(`message ${text}`),
      onClose: (code, reason) => events.push(`close ${code} ${reason}`),
      onError: (error) => events.push(`error ${error.message}`),
    });
    const task = api.tasks[0];
    assert.equal(task.url, 'wss://x/ws?token=t');
    task.handlers.onOpen();
    task.handlers.onMessage({ data: '{"type":"init"}' });
    task.handlers.onError({ errMsg: 'boom' });
    task.handlers.onClose({ code: 1012, reason: 'restart' });
    assert.deepEqual(events, ['open', 'message {"type":"init"}', 'error boom', 'close 1012 restart']);
    socket.send('{"type":"heart"}');
    socket.close(4000, 'bye');
    assert.deepEqual(task.sent, ['{"type":"heart"}']);
    assert.deepEqual(task.closed, { code: 4000, reason: 'bye' });
    assert.deepEqual(await adapter.request({ method: 'GET', url: 'https://x/api', headers: {} }), { status: 201, data: { id: 5 } });
    let lifecycle = '';
    adapter.onLifecycle(() => { lifecycle += 'show '; }, () => { lifecycle += 'hide '; });
    api.hides[0]();
    api.shows[0]();
    assert.equal(lifecycle, 'hide show ');
  });
}

test('WebSocket adapter needs an implementation and reports visibility as foreground/background', () => {
  assert.throws(() => webSocketAdapter({ WebSocket: null }), /no WebSocket implementation/);
  const listeners = [];
  const doc = { visibilityState: 'visible', addEventListener: (type, fn) => listeners.push(fn), removeEventListener() {} };
  const adapter = webSocketAdapter({ WebSocket: function Fake() {}, document: doc });
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
