/** A clock whose time moves only when the test says so, and a socket adapter the test plays the server on. */
export class FakeClock {
  constructor() {
    this.time = 0;
    this.timers = new Map();
    this.nextId = 1;
  }

  now() {
    return this.time;
  }

  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id) {
    this.timers.delete(id);
  }

  /** Moves time forward by ms, running every timer that falls due on the way, in time order. */
  tick(ms) {
    const end = this.time + ms;
    for (;;) {
      let next = null;
      for (const [id, timer] of this.timers) {
        if (timer.at <= end && (next === null || timer.at < next[1].at || (timer.at === next[1].at && id < next[0]))) {
          next = [id, timer];
        }
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }

  /** Delays of the timers now pending, from now. */
  pending() {
    return [...this.timers.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }
}

export class FakeSocket {
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.sent = [];
    this.closedWith = null;
  }

  /** The server greets the new socket. */
  open() {
    this.opened = true;
    this.handlers.onOpen();
    this.push({ type: 'init' });
  }

  /** The handshake is refused: an error and a close before any open, as a browser reports it. */
  refuse(code = 1006) {
    this.handlers.onError(new Error('handshake refused'));
    this.handlers.onClose(code, '');
  }

  push(frame) {
    this.handlers.onMessage(JSON.stringify(frame));
  }

  /** The server closes the socket (opened first if the test did not: a refused handshake is refuse()). */
  serverClose(code = 1006, reason = '') {
    if (!this.opened) {
      this.opened = true;
      this.handlers.onOpen();
    }
    this.handlers.onClose(code, reason);
  }

  send(text) {
    if (this.closedWith) throw new Error('socket is closed');
    this.sent.push(JSON.parse(text));
  }

  close(code, reason) {
    this.closedWith = { code, reason };
  }

  frames(type) {
    return this.sent.filter((f) => f.type === type);
  }

  types() {
    return this.sent.map((f) => f.type);
  }
}

export class FakeAdapter {
  constructor() {
    this.sockets = [];
    this.requests = [];
    this.responses = [];
    this.uploads = [];
    this.uploadResponses = [];
  }

  get last() {
    return this.sockets[this.sockets.length - 1];
  }

  connect(url, handlers) {
    const socket = new FakeSocket(url, handlers);
    this.sockets.push(socket);
    return socket;
  }

  async request(request) {
    this.requests.push(request);
    return this.responses.shift() || { status: 200, data: {} };
  }

  /** An upload answered with the next of `uploadResponses` (a response, or a function of the request). */
  async upload(request) {
    this.uploads.push(request);
    const next = this.uploadResponses.shift();
    return typeof next === 'function' ? next(request) : next || { status: 201, data: uploaded() };
  }

  onLifecycle(onForeground, onBackground) {
    this.foreground = onForeground;
    this.background = onBackground;
    return () => {};
  }
}

/** Lets pending promise callbacks (the async token step of a connect) run. */
export function settle() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** An unsigned JWT-shaped token for the user (the client only reads its sub; the fake server checks nothing). */
export function fakeToken(userId) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: String(userId) })}.sig`;
}

/** A text frame as the server sends it. */
export function text(id, cursor, from, to, data = `m${id}`, extra = {}) {
  return { type: 'text', id, seq: id, cursor, from_id: from, to_id: to, data, is_read: 0, created_at: 1000 + id, ...extra };
}

/** A group_text frame as the server sends it; `seq` defaults to the id. */
export function groupText(id, cursor, group, from, data = `g${id}`, extra = {}) {
  return {
    type: 'group_text', group_id: group, id, seq: id, cursor, from_id: from, data, kind: 'text', mentioned: false,
    is_read: 0, created_at: 2000 + id, ...extra,
  };
}

/** A system group_text frame: a membership change. */
export function systemText(id, cursor, group, change, extra = {}) {
  return groupText(id, cursor, group, change.by, JSON.stringify(change), { kind: 'system', ...extra });
}

/** The server's answer to an upload: a picture unless `extra` says otherwise. */
export function uploaded(extra = {}) {
  return {
    id: 'f-1', kind: 'image', mime: 'image/png', size: 1795, name: 'holiday.png',
    url: 'http://chat.test/api/files/f-1?u=7&e=9&s=x', width: 300, height: 200,
    thumb_url: 'http://chat.test/api/files/f-1/thumb?u=7&e=9&s=y', ...extra,
  };
}
