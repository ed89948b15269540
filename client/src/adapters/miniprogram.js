/**
 * Adapters for mini-program socket APIs: uni-app's `uni` and WeChat's `wx` have the same shape (`connectSocket`
 * returning a SocketTask, `request`, `uploadFile`, `onAppShow`/`onAppHide`). Pass the API in: `uniAppAdapter(uni)`,
 * `wechatAdapter(wx)`. uni-app gives app code `uni` by rewriting the bare name at build time; on mp-weixin there is
 * no `globalThis.uni`, so a package cannot find it by itself.
 *
 * What the platforms do, and what the adapter does about it:
 * - `connectSocket` returns a SocketTask only when `success`, `fail` or `complete` is given (uni-app returns a
 *   Promise otherwise); its `fail` (domain not allowed, bad URL, too many sockets) is reported at once.
 * - `onError` carries only `errMsg`, never the HTTP status of a refused handshake; the client finds the reason out
 *   over HTTP.
 * - `onClose` may come without `code` and `reason` (uni-app before HBuilderX 3.7.12): the code is then `null`.
 * - `close` accepts only 1000 or 3000–4999 and a reason of at most 123 bytes; other codes become 1000. A close the
 *   platform refuses is tried again without a code; a task still connecting may refuse to close: it is closed as
 *   soon as it opens, and the client opens no other socket until the platform has let go of it (`onGone`).
 * - `send` failures (a socket the platform cut while the app was suspended) are reported as errors, and the client
 *   drops the socket.
 * - The token goes in the `Authorization` header, except where the platform ignores `header` (uni-app H5, which
 *   runs on the browser's WebSocket): there it goes in the URL.
 * - `uploadFile` gives `res.data` as a string, whatever the server's content type: the adapter parses it.
 */

import { MiniChatError } from '../errors.js';

const NORMAL = 1000;
const MAX_REASON_BYTES = 123;

function noop() {}

function errText(err, fallback) {
  return (err && err.errMsg) || (err && err.message) || fallback;
}

/** A close code the platform accepts: 1000 or 3000–4999. */
export function legalCloseCode(code) {
  const value = Number(code);
  return value === NORMAL || (value >= 3000 && value <= 4999) ? value : NORMAL;
}

/** The reason cut to at most 123 bytes of UTF-8. */
export function legalCloseReason(reason) {
  let text = reason == null ? '' : String(reason);
  while (utf8Length(text) > MAX_REASON_BYTES) text = text.slice(0, -1);
  return text;
}

function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

function asText(data) {
  if (typeof data === 'string') return data;
  if (data && typeof TextDecoder === 'function') {
    try {
      return new TextDecoder('utf-8').decode(data);
    } catch (ignored) {
      // not bytes
    }
  }
  return String(data);
}

/** A body the platform left as text (uploadFile always does; request when it is not JSON-typed), parsed if JSON. */
function parsed(data) {
  if (typeof data !== 'string' || !data) return data;
  try {
    return JSON.parse(data);
  } catch (ignored) {
    return data; // not JSON: keep the text
  }
}

function later(fn) {
  Promise.resolve().then(fn);
}

/**
 * `api`: `uni` or `wx`. Options: `name` (used in errors), `tokenIn`: `'header'` (default) or `'query'`.
 */
export function miniProgramAdapter(api, options) {
  const settings = typeof options === 'string' ? { name: options } : (options || {});
  const name = settings.name || 'mini-program';
  if (!api || (typeof api !== 'object' && typeof api !== 'function')) {
    throw new TypeError(`${name}: pass the platform API object (uniAppAdapter(uni), wechatAdapter(wx))`);
  }
  const missing = ['connectSocket', 'request'].filter((key) => typeof api[key] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(`${name}: the API object passed has no ${missing.join(' and ')} (pass uni or wx itself)`);
  }
  const tokenInHeader = settings.tokenIn !== 'query';

  return {
    name,
    tokenInHeader,

    connect(url, handlers, connectOptions) {
      const extra = connectOptions || {};
      // connecting → open → closed; `gone` once the platform has let go of the task
      let phase = 'connecting';
      let gone = false;
      let reported = false;
      let closeWanted = null;
      const goneListeners = [];

      const markGone = () => {
        if (gone) return;
        gone = true;
        phase = 'closed';
        for (const fn of goneListeners.splice(0)) {
          try {
            fn();
          } catch (ignored) {
            // a listener's problem
          }
        }
      };
      const reportError = (error) => {
        if (reported) return;
        reported = true;
        handlers.onError(error);
      };
      const reportClose = (code, reason) => {
        if (reported) return;
        reported = true;
        handlers.onClose(code, reason);
      };

      const request = {
        url,
        success: noop,
        fail: (err) => {
          const error = new Error(`${name}: connectSocket failed: ${errText(err, 'no reason given')}`);
          error.phase = 'connect';
          error.errMsg = errText(err, '');
          later(() => {
            markGone();
            reportError(error);
          });
        },
        complete: noop,
      };
      if (tokenInHeader && extra.headers) request.header = extra.headers;
      const task = api.connectSocket(request);
      if (!task || typeof task.onOpen !== 'function') {
        throw new Error(`${name}: connectSocket returned no SocketTask`);
      }

      const closeTask = (code, reason) => {
        if (gone) return;
        const options = {
          code: legalCloseCode(code),
          reason: legalCloseReason(reason),
          success: markGone,
          fail: () => {
            // retried without a code, as a browser would do; a task still connecting is closed once it opens
            const plain = {
              success: markGone,
              fail: () => {
                if (phase === 'open') markGone(); // the platform says it is not connected any more
              },
            };
            try {
              task.close(plain);
            } catch (ignored) {
              if (phase === 'open') markGone();
            }
          },
        };
        try {
          task.close(options);
        } catch (ignored) {
          options.fail();
        }
      };

      task.onOpen(() => {
        if (gone) return;
        phase = 'open';
        if (closeWanted) {
          closeTask(closeWanted.code, closeWanted.reason);
          return;
        }
        handlers.onOpen();
      });
      task.onMessage((res) => {
        if (phase === 'open' && !closeWanted) handlers.onMessage(asText(res && res.data));
      });
      task.onClose((res) => {
        markGone();
        const code = res && res.code != null ? Number(res.code) : null;
        reportClose(code, res && res.reason != null ? String(res.reason) : '');
      });
      task.onError((err) => {
        if (phase === 'connecting') markGone(); // the attempt failed
        reportError(new Error(`${name}: socket error: ${errText(err, 'no reason given')}`));
      });

      return {
        send(text) {
          if (closeWanted || gone) throw new Error(`${name}: the socket is closed`);
          task.send({
            data: text,
            fail: (err) => later(() => reportError(new Error(`${name}: send failed: ${errText(err, 'no reason given')}`))),
          });
        },
        close(code, reason) {
          if (closeWanted) return;
          closeWanted = { code, reason };
          reported = true; // the client handles its own close
          closeTask(code, reason);
        },
        /** Calls fn once the platform has let go of the task (closed, or never opened). */
        onGone(fn) {
          if (gone) fn();
          else goneListeners.push(fn);
        },
        get gone() {
          return gone;
        },
        raw: task,
      };
    },

    request(req) {
      return new Promise((resolve, reject) => {
        try {
          api.request({
            url: req.url,
            method: req.method,
            header: req.headers,
            data: req.body,
            success: (res) => resolve({ status: res.statusCode, data: parsed(res.data), headers: res.header || res.headers || {} }),
            fail: (err) => reject(new Error(`${name}: request failed: ${errText(err, 'no reason given')}`)),
          });
        } catch (cause) {
          reject(cause);
        }
      });
    },

    /**
     * `uploadFile` as both platforms document it: the file part named `file`, the original name as a form field
     * (temporary paths have names like `tmp_abc.png`), `res.data` a string. Looked up at call time, so that a
     * runtime without it still launches; uni-app H5 also takes a File or Blob (`file`) instead of a path.
     */
    upload(req) {
      return new Promise((resolve, reject) => {
        if (typeof api.uploadFile !== 'function') {
          reject(new MiniChatError('unsupported', `${name}: this platform has no uploadFile`));
          return;
        }
        const params = {
          url: req.url,
          name: 'file',
          header: req.headers,
          success: (res) => resolve({ status: res.statusCode, data: parsed(res.data), headers: res.header || res.headers || {} }),
          fail: (err) => reject(new Error(`${name}: uploadFile failed: ${errText(err, 'no reason given')}`)),
        };
        if (typeof req.file === 'string') params.filePath = req.file;
        else params.file = req.file;
        if (req.name) params.formData = { name: req.name };
        try {
          api.uploadFile(params);
        } catch (cause) {
          reject(cause);
        }
      });
    },

    /**
     * The platform's app show/hide events, where it has them (not uni-app App and H5: there, call the client's
     * `resume()` and `pause()` from App's `onShow` and `onHide`).
     */
    onLifecycle(onForeground, onBackground) {
      if (typeof api.onAppShow !== 'function' || typeof api.onAppHide !== 'function') return noop;
      const show = () => onForeground();
      const hide = () => onBackground();
      try {
        api.onAppShow(show);
        api.onAppHide(hide);
      } catch (ignored) {
        return noop;
      }
      return () => {
        if (typeof api.offAppShow === 'function') api.offAppShow(show);
        if (typeof api.offAppHide === 'function') api.offAppHide(hide);
      };
    },
  };
}

function runsOnBrowser() {
  return typeof document !== 'undefined' && typeof window !== 'undefined';
}

/**
 * uni-app: pass `uni` (`uniAppAdapter(uni)`). On H5 the socket is the browser's, which cannot carry headers: the
 * token then goes in the URL.
 */
export function uniAppAdapter(uni, options) {
  if (uni == null) {
    throw new TypeError('uni-app: pass uni, as in uniAppAdapter(uni): uni-app gives `uni` to app code at build '
      + 'time, there is no globalThis.uni to find it by on mp-weixin');
  }
  const settings = Object.assign({ name: 'uni-app', tokenIn: runsOnBrowser() ? 'query' : 'header' }, options);
  return miniProgramAdapter(uni, settings);
}

/** WeChat mini-program: pass `wx` (`wechatAdapter(wx)`). */
export function wechatAdapter(wx, options) {
  if (wx == null) throw new TypeError('wechat: pass wx, as in wechatAdapter(wx)');
  return miniProgramAdapter(wx, Object.assign({ name: 'wechat', tokenIn: 'header' }, options));
}
