// The realtime connection of the page: register (queue, then snapshot), a WebSocket that
// resumes from the last event id after a drop, and a fresh registration when the server
// no longer has the queue (4404 / 4410). Listeners get {kind: 'snapshot', snapshot} after
// every (re-)registration and {kind: 'event', event} for each event, in order, once.
// One client per organization; it lives across screens so lists stay current.

import { api } from './api.js';
import { session } from './state.js';

const RETRY_MS = [500, 1000, 2000, 4000, 8000, 15000];

let current = null;

export function realtimeFor(orgId) {
  if (current && current.orgId !== orgId) {
    current.stop();
    current = null;
  }
  if (!current) current = new RealtimeClient(orgId);
  return current;
}

class RealtimeClient {
  constructor(orgId) {
    this.orgId = orgId;
    this.listeners = new Set();
    this.queueId = null;
    this.lastEventId = 0;
    this.heartbeatMs = 30000;
    this.socket = null;
    this.stopped = false;
    this.failures = 0;
    this.timer = null;
    this.watchdog = null;
    this.snapshot = null;
    this.ready = this.register();
    this.onOnline = () => this.reconnectNow();
    window.addEventListener('online', this.onOnline);
  }

  // Returns an unsubscribe function.
  listen(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(item) {
    for (const fn of [...this.listeners]) {
      try {
        fn(item);
      } catch (error) {
        console.error(error); // one broken listener must not starve the others
      }
    }
  }

  stillWanted() {
    return !this.stopped && session.me && session.org?.id === this.orgId;
  }

  async register() {
    if (!this.stillWanted()) return this.stop();
    try {
      const registered = await api.post('/realtime/register', { org_id: this.orgId });
      this.queueId = registered.queue_id;
      this.lastEventId = registered.last_event_id;
      this.heartbeatMs = (registered.heartbeat_seconds || 30) * 1000;
      this.snapshot = registered.snapshot;
      this.emit({ kind: 'snapshot', snapshot: registered.snapshot });
      this.connect();
      return registered.snapshot;
    } catch (error) {
      if (error.status === 401 || error.status === 403) return this.stop();
      this.retry(() => this.register());
      return null;
    }
  }

  connect() {
    if (!this.stillWanted()) return this.stop();
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const qs = new URLSearchParams({ queue_id: this.queueId, last_event_id: String(this.lastEventId) });
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/realtime/ws?${qs}`);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    const decoder = new TextDecoder();
    socket.onopen = () => this.armWatchdog();
    socket.onmessage = (message) => {
      if (socket !== this.socket) return;
      this.armWatchdog();
      let frame;
      try {
        frame = JSON.parse(typeof message.data === 'string' ? message.data : decoder.decode(message.data));
      } catch {
        return;
      }
      if (typeof frame.id === 'number') {
        this.failures = 0;
        if (frame.id <= this.lastEventId) return; // already applied
        this.lastEventId = frame.id;
        this.emit({ kind: 'event', event: frame });
      } else if (frame.type === 'heartbeat') {
        this.failures = 0;
      }
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      clearTimeout(this.watchdog);
      if (this.stopped) return;
      if (event.code === 4401) return this.stop();
      if (event.code === 4404 || event.code === 4410) return this.retry(() => this.register(), true);
      this.retry(() => this.connect(), event.code === 4000 || event.code === 4009);
    };
  }

  // No event and no heartbeat for a while: the socket is dead even if the browser has not noticed.
  armWatchdog() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.socket?.close(), this.heartbeatMs * 2.5);
  }

  retry(step, soon = false) {
    clearTimeout(this.timer);
    if (!this.stillWanted()) return this.stop();
    const delay = soon ? 50 : RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
    this.failures += 1;
    this.timer = setTimeout(() => {
      Promise.resolve().then(step).catch(() => {});
    }, delay * (soon ? 1 : 0.75 + Math.random() * 0.5));
  }

  reconnectNow() {
    if (this.stopped || this.socket || !this.queueId) return;
    this.failures = 0;
    this.retry(() => this.connect(), true);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    window.removeEventListener('online', this.onOnline);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    if (current === this) current = null;
    return null;
  }
}
