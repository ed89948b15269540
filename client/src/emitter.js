/**
 * A minimal event emitter: `on` returns a function that removes the listener. A listener that throws does not stop
 * the others nor the client; its error is printed.
 */
export class Emitter {
  constructor() {
    this._listeners = new Map();
  }

  on(event, listener) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(listener);
    return () => this.off(event, listener);
  }

  once(event, listener) {
    const off = this.on(event, (...args) => {
      off();
      listener(...args);
    });
    return off;
  }

  off(event, listener) {
    const listeners = this._listeners.get(event);
    if (listeners) listeners.delete(listener);
  }

  emit(event, payload) {
    const listeners = this._listeners.get(event);
    if (!listeners || listeners.size === 0) return false;
    for (const listener of [...listeners]) {
      try {
        listener(payload);
      } catch (error) {
        console.error(`minichat: a '${event}' listener threw`, error);
      }
    }
    return true;
  }
}
