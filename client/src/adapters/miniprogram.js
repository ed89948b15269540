/**
 * Adapters for mini-program socket APIs: uni-app's `uni` and WeChat's `wx` have the same shape
 * (`connectSocket` returning a SocketTask, `request`, `onAppShow`/`onAppHide`). The app in the background counts as
 * "in the background": reconnects wait for `onAppShow`.
 */
export function miniProgramAdapter(api, name = 'mini-program') {
  if (!api || typeof api.connectSocket !== 'function') {
    throw new TypeError(`${name}: connectSocket is not available`);
  }
  return {
    name,

    connect(url, handlers) {
      // a SocketTask is returned only when one of success/fail/complete is given
      const task = api.connectSocket({ url, complete: () => {} });
      task.onOpen(() => handlers.onOpen());
      task.onMessage((res) => handlers.onMessage(typeof res.data === 'string' ? res.data : String(res.data)));
      task.onClose((res) => handlers.onClose(res?.code ?? 1006, res?.reason ?? ''));
      task.onError((err) => handlers.onError(new Error(err?.errMsg || 'socket error')));
      return {
        send: (text) => task.send({ data: text, fail: (err) => handlers.onError(new Error(err?.errMsg || 'send failed')) }),
        close: (code, reason) => task.close({ code, reason }),
        raw: task,
      };
    },

    request({ method, url, headers, body }) {
      return new Promise((resolve, reject) => {
        api.request({
          url,
          method,
          header: headers,
          data: body,
          success: (res) => {
            let data = res.data;
            if (typeof data === 'string' && data) {
              try {
                data = JSON.parse(data);
              } catch {
                // not JSON: keep the text
              }
            }
            resolve({ status: res.statusCode, data });
          },
          fail: (err) => reject(new Error(err?.errMsg || 'request failed')),
        });
      });
    },

    onLifecycle(onForeground, onBackground) {
      if (typeof api.onAppShow !== 'function' || typeof api.onAppHide !== 'function') return () => {};
      api.onAppShow(onForeground);
      api.onAppHide(onBackground);
      return () => {
        api.offAppShow?.(onForeground);
        api.offAppHide?.(onBackground);
      };
    },
  };
}

/** uni-app (`uni.connectSocket`). */
export function uniAppAdapter(uni = globalThis.uni) {
  return miniProgramAdapter(uni, 'uni-app');
}

/** WeChat mini-program (`wx.connectSocket`). */
export function wechatAdapter(wx = globalThis.wx) {
  return miniProgramAdapter(wx, 'wechat');
}
