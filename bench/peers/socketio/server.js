'use strict';
// Socket.IO 4.8 peer for the opsbus benchmarks: broadcasts the stamped bench message to every
// connected client with io.emit at a set rate. Same control API as the other bench servers
// (bench/README.md). The stamp is process.hrtime.bigint(): CLOCK_MONOTONIC, the clock the Java
// generator reads with System.nanoTime().
const http = require('http');
const { Server } = require('socket.io');

const PAD_OVERHEAD = 48; // same rule as BroadcastPublisher.PAD_OVERHEAD
const START_LEAD_NS = 20000000n;
const EVENT = 'tick';

function flag(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const host = flag('host', '127.0.0.1');
const port = Number(flag('port', '0'));

const run = { running: false, rate: 0, size: 0, durationNs: 0n, t0: 0n, end: 0n, seq: 0, maxLagNs: 0n, timer: null, pad: '' };

function scheduledAt(n) {
  return run.t0 + BigInt(Math.floor((n * 1e9) / run.rate));
}

function tick() {
  run.timer = null;
  if (!run.running) return;
  const now = process.hrtime.bigint();
  for (;;) {
    const due = scheduledAt(run.seq);
    if (due >= run.end) { run.running = false; return; }
    if (due > now) break;
    // Number() is exact below 2^53 ns (104 days of uptime) and off by a few ns beyond
    io.emit(EVENT, { seq: run.seq, t: Number(due), pad: run.pad });
    if (now - due > run.maxLagNs) run.maxLagNs = now - due;
    run.seq++;
  }
  if (now >= run.end) { run.running = false; return; }
  schedule(scheduledAt(run.seq) - process.hrtime.bigint());
}

function schedule(delayNs) {
  // timers have millisecond resolution: round up and let tick() send everything due
  const ms = Math.max(1, Math.ceil(Number(delayNs) / 1e6));
  run.timer = setTimeout(tick, ms);
}

function start(rate, size, duration) {
  if (run.running) { const e = new Error('a run is in progress'); e.status = 409; e.code = 'already_running'; throw e; }
  if (!(rate > 0) || rate > 1e6) throw badArg('rate must be in (0, 1000000] messages per second');
  if (!(size >= 0) || size > 65536) throw badArg('size must be in [0, 65536] bytes');
  if (!(duration > 0) || duration > 3600) throw badArg('duration must be in (0, 3600] seconds');
  run.rate = rate;
  run.size = size;
  run.durationNs = BigInt(Math.floor(duration * 1e9));
  run.pad = 'x'.repeat(Math.max(0, size - PAD_OVERHEAD));
  run.seq = 0;
  run.maxLagNs = 0n;
  run.t0 = process.hrtime.bigint() + START_LEAD_NS;
  run.end = run.t0 + run.durationNs;
  run.running = true;
  schedule(START_LEAD_NS);
}

function stop() {
  run.running = false;
  if (run.timer) { clearTimeout(run.timer); run.timer = null; }
}

function badArg(message) {
  const e = new Error(message); e.status = 400; e.code = 'invalid_argument'; return e;
}

function stats(gc) {
  if (gc && typeof global.gc === 'function') global.gc();
  const now = process.hrtime.bigint();
  const until = now < run.end ? now : run.end;
  const elapsedNs = until > run.t0 ? Number(until - run.t0) : 0;
  const mem = process.memoryUsage();
  return {
    pid: process.pid,
    runtime: 'socket.io ' + require('socket.io/package.json').version + ', ws ' + require('ws/package.json').version
      + ', node ' + process.version,
    clients: io.engine.clientsCount,
    running: run.running,
    rate: run.rate,
    size: run.size,
    durationMs: Number(run.durationNs) / 1e6,
    t0: Number(run.t0),
    published: run.seq,
    achievedRate: elapsedNs > 0 ? run.seq / (elapsedNs / 1e9) : 0,
    maxLagMs: Number(run.maxLagNs) / 1e6,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
  };
}

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const httpServer = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://bench');
  const q = (name, fallback) => (url.searchParams.has(name) ? Number(url.searchParams.get(name)) : fallback);
  try {
    if (url.pathname === '/bench/start' && req.method === 'POST') {
      start(q('rate', NaN), q('size', 200), q('duration', NaN));
      reply(res, 200, { started: true, rate: run.rate, size: run.size, durationMs: Number(run.durationNs) / 1e6,
        t0: Number(run.t0), clients: io.engine.clientsCount });
    } else if (url.pathname === '/bench/stop' && req.method === 'POST') {
      stop();
      reply(res, 200, { stopped: true });
    } else if (url.pathname === '/bench/stats' && req.method === 'GET') {
      reply(res, 200, stats(url.searchParams.get('gc') === 'true'));
    } else if (url.pathname === '/bench/clock' && req.method === 'GET') {
      reply(res, 200, { nanos: Number(process.hrtime.bigint()) });
    } else if (!url.pathname.startsWith('/socket.io/')) {
      reply(res, 404, { error: 'not_found', message: 'no bench endpoint ' + req.method + ' ' + url.pathname });
    }
  } catch (e) {
    reply(res, e.status || 500, { error: e.code || 'internal', message: e.message });
  }
});

const io = new Server(httpServer, { serveClient: false, transports: ['websocket'] });

httpServer.listen({ host, port, backlog: 8192 }, () => {
  // the one line the bench scripts and the smoke test read to learn the port
  process.stdout.write(JSON.stringify({ listening: httpServer.address().port, pid: process.pid }) + '\n');
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => { stop(); io.close(); process.exit(0); });
}
