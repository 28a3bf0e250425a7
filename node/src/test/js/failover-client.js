// A console-like client for FailoverIT: vertx-eventbus.js over sockjs-client, reconnecting and
// resyncing as the console's bus.js does. It watches <address> (operation changes, each with its
// seq); on every open it registers with headers.sinceSeq set to the highest seq it has seen (the
// node replays what came after); when the connection closes it waits as bus.js does (a draining
// node's reconnectAfterMs, else a backoff of 1, 2, 4, 8, 16 s with jitter) and opens again on
// another node (the test tells it the live nodes' ports on stdin, as a load balancer would know them).
//
//   node failover-client.js <name> <token> <address> <port> <transport>
//
// stdin: "ports p1,p2,..." (the live nodes), "close". stdout: one JSON line per event:
//   {"ev":"open","port":..,"reconnectMs":..|null,"transport":..}  {"ev":"close",..}
//   {"ev":"rec","seq":..,"republished":bool}  {"ev":"err","err":{failureType,..}}
'use strict';
const readline = require('readline');
const EventBus = require('@vertx/eventbus-bridge-client.js');

const [name, token, address, firstPort, transport] = process.argv.slice(2);
const BACKOFF_SECONDS = [1, 2, 4, 8, 16];
const PING_MS = 5000;
let ports = [Number(firstPort)];
let port = Number(firstPort);
let next = 0;
let attempt = 0;
let drainWaitMs = null;
let lastSeq = 0;
let droppedAt = 0;
let eb = null;
let closed = false;

function out(o) {
  process.stdout.write(JSON.stringify(Object.assign({ name }, o)) + '\n');
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.startsWith('ports ')) {
    const given = line.slice(6).split(',').filter(Boolean).map(Number);
    if (given.length) ports = given;
  } else if (line === 'close') {
    stop();
  }
});
// the test JVM went away: so does this client
process.stdin.on('end', stop);

function stop() {
  closed = true;
  const bus = eb;
  eb = null;
  if (bus) {
    try { bus.close(); } catch (e) { /* already closed */ }
  }
  setTimeout(() => process.exit(0), 100);
}

function connect(target) {
  if (closed) return;
  port = target;
  let bus;
  try {
    bus = new EventBus('http://127.0.0.1:' + target + '/eventbus', { vertxbus_ping_interval: PING_MS, transports: [transport] });
  } catch (e) {
    scheduleReconnect();
    return;
  }
  // a script carries its token in every frame's headers
  bus.defaultHeaders = { authorization: 'Bearer ' + token };
  eb = bus;
  bus.onopen = () => {
    if (eb !== bus) return;
    attempt = 0;
    // as bus.js: resume from the last seq seen (from 0 on the first open: every change of the run)
    bus.registerHandler(address, { sinceSeq: String(lastSeq) }, (err, msg) => {
      if (eb !== bus) return;
      if (err) {
        onErr(bus, err);
        return;
      }
      const seq = msg.body && msg.body.seq;
      if (typeof seq !== 'number') return;
      out({ ev: 'rec', seq, republished: !!(msg.headers && msg.headers.republished) });
      if (seq > lastSeq) lastSeq = seq;
    });
    out({ ev: 'open', port: target, reconnectMs: droppedAt ? Date.now() - droppedAt : null, transport: bus.sockJSConn.transport });
    droppedAt = 0;
  };
  bus.onclose = (e) => {
    if (eb !== bus) return;
    eb = null;
    if (!droppedAt) droppedAt = Date.now();
    out({ ev: 'close', port: target, code: e && e.code, reason: e && e.reason });
    scheduleReconnect();
  };
  bus.onerror = (err) => onErr(bus, err);
}

function onErr(bus, err) {
  out({ ev: 'err', err });
  if (eb === bus && err && err.failureType === 'node_draining' && typeof err.reconnectAfterMs === 'number') {
    drainWaitMs = Math.max(0, err.reconnectAfterMs);
  }
}

function scheduleReconnect() {
  if (closed) return;
  let delay;
  if (drainWaitMs != null) {
    delay = drainWaitMs;
    drainWaitMs = null;
  } else {
    delay = Math.round(BACKOFF_SECONDS[Math.min(attempt, BACKOFF_SECONDS.length - 1)] * 1000 * (0.5 + Math.random()));
    attempt++;
  }
  setTimeout(() => {
    // the load balancer's pick: a live node other than the one that dropped
    const others = ports.filter((p) => p !== port);
    const pick = others.length ? others : ports;
    connect(pick[next++ % pick.length]);
  }, delay);
}

connect(port);
