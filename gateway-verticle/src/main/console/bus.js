// The one event-bus connection of a tab, around vertx-eventbus.js (global EventBus, loaded by index.html).
//
// States: connecting (first attempt) -> connected -> reconnecting (attempts 1..5, backoff 1, 2, 4, 8, 16 s
// with jitter) -> disconnected (still retrying every ~16 s, or stopped). vertx-eventbus.js forgets its
// handlers when its socket closes, so this class keeps every subscription itself and registers each
// again on the new socket. Subscriptions that carry a `seq` in their bodies (operation updates)
// re-register with headers {sinceSeq: highest seen}: the server replays what came after, and a seq
// seen already is dropped here (the last SEEN_KEPT are remembered), so a view sees no gap and no
// duplicate; a change with a lower seq than one seen (another node's, or republished) still counts.
//
// The connection outlives the token it opened with: renewToken(token) hands the server the token the page
// just got from /api/token/refresh, on the open connection (a frame with headers.authorization), before
// the old one expires. A node that drains says when to come back (reconnectAfterMs in its node_draining
// err frame, already spread by the server): the next attempt waits that long instead of the backoff.

const BACKOFF_SECONDS = [1, 2, 4, 8, 16];
const PING_MS = 5000;
const SEEN_KEPT = 2000; // seqs remembered per subscription to drop a change seen twice

export class Bus {
  constructor(url) {
    this.url = url;
    this.state = 'idle';
    this.eb = null;
    this.attempt = 0;
    this.timer = null;
    this.nextAt = 0;
    this.stopped = false;
    this.subs = new Map(); // address -> {handlers: Set, resync: boolean, lastSeq: number|null, seen: Set of seqs}
    this.stateListeners = new Set();
    this.openListeners = new Set();
    this.errorListeners = new Set();
    this.view = null;
    this.opens = 0; // how many times a connection opened (1 while it never dropped)
    this.renewals = 0; // tokens handed over on an open connection
    this.drainWaitMs = null; // a draining node's reconnectAfterMs, for the next reconnect only
    this.waits = []; // the last waits before reconnect attempts, {ms, why, told}, newest last
    this.recoverListeners = new Set();
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  /** Closes for good (logout): no reconnect. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const eb = this.eb;
    this.eb = null;
    if (eb) {
      try { eb.close(); } catch (e) { /* already closed */ }
    }
    this.setState('disconnected');
  }

  onState(fn) { this.stateListeners.add(fn); fn(this.state, this); return () => this.stateListeners.delete(fn); }
  /** Called on every (re)connect, after the subscriptions were registered again. */
  onOpen(fn) { this.openListeners.add(fn); return () => this.openListeners.delete(fn); }
  /** Refusals the server could not tie to an address (vertx-eventbus.js's onerror). */
  onError(fn) { this.errorListeners.add(fn); return () => this.errorListeners.delete(fn); }
  /** Called with an address whose subscription was refused and now delivers again: the error's cause is gone. */
  onRecover(fn) { this.recoverListeners.add(fn); return () => this.recoverListeners.delete(fn); }

  setState(state) {
    this.state = state;
    for (const fn of this.stateListeners) fn(state, this);
  }

  connect() {
    if (this.stopped) return;
    this.setState(this.attempt === 0 && this.state !== 'reconnecting' && this.state !== 'disconnected' ? 'connecting' : this.state);
    let eb;
    try {
      eb = new EventBus(this.url, { vertxbus_ping_interval: PING_MS });
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    this.eb = eb;
    eb.onopen = () => {
      if (this.eb !== eb) return;
      this.attempt = 0;
      this.opens++;
      for (const [address, sub] of this.subs) this.register(eb, address, sub);
      this.setState('connected');
      if (this.view) this.sendView();
      for (const fn of this.openListeners) fn(this);
    };
    eb.onclose = () => {
      if (this.eb !== eb) return;
      this.eb = null;
      this.scheduleReconnect();
    };
    eb.onerror = (err) => {
      if (this.eb === eb && err && err.failureType === 'node_draining' && typeof err.reconnectAfterMs === 'number') {
        this.drainTold = err.reconnectAfterMs;
        this.drainWaitMs = Math.max(0, err.reconnectAfterMs);
      }
      for (const fn of this.errorListeners) fn(err);
    };
  }

  scheduleReconnect() {
    if (this.stopped) return;
    let delay;
    if (this.drainWaitMs != null) {
      // the draining node spread its clients over its reconnect window: keep to it
      delay = this.drainWaitMs;
      this.drainWaitMs = null;
      this.noteWait({ ms: delay, why: 'node_draining', told: this.drainTold });
    } else {
      const base = BACKOFF_SECONDS[Math.min(this.attempt, BACKOFF_SECONDS.length - 1)] * 1000;
      // full jitter around the step (0.5x to 1.5x) so that a node's clients do not all come back at once
      delay = Math.round(base * (0.5 + Math.random()));
      this.noteWait({ ms: delay, why: 'backoff' });
      this.attempt++;
    }
    this.nextAt = Date.now() + delay;
    this.setState(this.attempt > BACKOFF_SECONDS.length ? 'disconnected' : 'reconnecting');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  noteWait(wait) {
    this.waits.push(wait);
    if (this.waits.length > 20) this.waits.shift();
  }

  /** Skips the wait of the current backoff step. */
  retryNow() {
    if (this.stopped || this.eb) return;
    clearTimeout(this.timer);
    this.connect();
  }

  register(eb, address, sub) {
    const headers = {};
    if (sub.resync && sub.lastSeq != null) headers.sinceSeq = String(sub.lastSeq);
    sub.ebHandler = (err, msg) => this.dispatch(address, sub, err, msg);
    sub.error = null;
    eb.registerHandler(address, headers, sub.ebHandler);
  }

  dispatch(address, sub, err, msg) {
    if (this.subs.get(address) !== sub) return;
    if (err) {
      sub.error = { ...err, address };
      sub.failed = true;
      for (const h of sub.handlers) h(sub.error, null);
      return;
    }
    if (sub.failed) {
      sub.failed = false;
      for (const fn of this.recoverListeners) fn(address);
    }
    const body = msg.body;
    if (sub.resync && body && typeof body.seq === 'number') {
      // dropped only when seen already: changes published by different nodes, or republished by a
      // survivor for a node that died before publishing, may arrive after a higher seq
      if (sub.seen.has(body.seq)) return;
      sub.seen.add(body.seq);
      if (sub.seen.size > SEEN_KEPT) sub.seen.delete(sub.seen.values().next().value);
      if (sub.lastSeq == null || body.seq > sub.lastSeq) sub.lastSeq = body.seq;
    }
    for (const h of sub.handlers) h(null, body, msg);
  }

  /**
   * Watches an address until the returned function is called. handler(err, body): err is a refusal
   * ({failureCode, failureType, message}). resync: bodies carry `seq`; resume from the last one on reconnect.
   */
  subscribe(address, handler, { resync = false } = {}) {
    let sub = this.subs.get(address);
    if (!sub) {
      sub = { handlers: new Set(), resync, lastSeq: null, seen: new Set(), error: null };
      this.subs.set(address, sub);
      if (this.eb && this.state === 'connected') this.register(this.eb, address, sub);
    } else if (sub.error) {
      handler(sub.error, null);
    }
    sub.handlers.add(handler);
    return () => {
      sub.handlers.delete(handler);
      if (sub.handlers.size === 0 && this.subs.get(address) === sub) {
        this.subs.delete(address);
        if (this.eb && this.state === 'connected') {
          try { this.eb.unregisterHandler(address, sub.ebHandler); } catch (e) { /* socket gone: nothing to undo */ }
        }
      }
    };
  }

  /** Request/reply over the bridge; rejects with the refusal. */
  request(address, body, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      if (!this.eb || this.state !== 'connected') {
        reject({ failureType: 'unavailable', message: 'not connected to the server' });
        return;
      }
      const t = setTimeout(() => reject({ failureType: 'timeout', message: 'no answer from ' + address }), timeoutMs);
      this.eb.send(address, body, {}, (err, msg) => {
        clearTimeout(t);
        if (err) reject(err); else resolve(msg.body);
      });
    });
  }

  /**
   * Hands the server a renewed token on the open connection, so that it does not close at the old
   * token's expiry (a connection opened later takes it from the cookie, which the refresh renewed).
   */
  renewToken(token) {
    if (!this.eb || this.state !== 'connected') return false;
    try {
      // any frame may carry headers.authorization; presence.view is handled by the gateway and goes nowhere else
      this.eb.send('presence.view', { view: this.view }, { authorization: 'Bearer ' + token });
      this.renewals++;
      return true;
    } catch (e) {
      return false; // the socket closed under us: the next one opens with the cookie, which carries the new token
    }
  }

  /** Tells the server what this tab shows (presence); sent again after every reconnect. */
  setView(view) {
    this.view = view;
    if (this.eb && this.state === 'connected') this.sendView();
  }

  sendView() {
    try {
      this.eb.send('presence.view', { view: this.view });
    } catch (e) {
      // the socket closed under us: the next onopen sends it
    }
  }
}
