// Runs one scenario of the real vertx-eventbus.js client (over sockjs-client) against an opsbus
// node and prints one JSON line with what the client saw. The Java integration test asserts on it.
//
//   node eventbus-scenarios.js <scenario> <baseUrl> [token]
//
// Scenarios: receive-metrics, denied-register, no-token, foreign-origin, request-unknown-address.
'use strict';
const EventBus = require('@vertx/eventbus-bridge-client.js');
const http = require('http');

const [scenario, baseUrl, token] = process.argv.slice(2);
const TIMEOUT_MS = 20000;

function done(result) {
  process.stdout.write(JSON.stringify(Object.assign({ scenario }, result)) + '\n');
  process.exit(0);
}

setTimeout(() => done({ ok: false, reason: 'timed out after ' + TIMEOUT_MS + ' ms' }), TIMEOUT_MS).unref();

function open(withToken) {
  const eb = new EventBus(baseUrl + '/eventbus', { transports: ['websocket'] });
  if (withToken) {
    // under Node the client cannot set a cookie or an Authorization header on the handshake,
    // so the token rides in every frame's headers
    eb.defaultHeaders = { authorization: 'Bearer ' + withToken };
  }
  eb.onerror = (err) => done({ ok: false, reason: 'onerror', err });
  return eb;
}

switch (scenario) {
  case 'receive-metrics': {
    const eb = open(token);
    eb.onopen = () => eb.registerHandler('metrics.node', (err, msg) => {
      if (err) return done({ ok: false, err });
      done({ ok: true, address: msg.address, body: msg.body });
    });
    break;
  }
  case 'denied-register': {
    const eb = open(token);
    eb.onopen = () => eb.registerHandler('ops.updates.all', (err, msg) => {
      done({ ok: !!err, err, msg });
    });
    break;
  }
  case 'no-token': {
    const eb = open(null);
    eb.onopen = () => eb.registerHandler('metrics.node', (err, msg) => {
      done({ ok: !!err, err, msg });
    });
    break;
  }
  case 'request-unknown-address': {
    // a request the rules do not know: the reply callback gets the err frame
    const eb = open(token);
    eb.onopen = () => eb.send('no.such.address', {}, (err, reply) => done({ ok: !!err, err, reply }));
    break;
  }
  case 'foreign-origin': {
    // a browser on another site opening the bridge: the handshake itself must be refused
    const url = new URL(baseUrl + '/eventbus/123/abcdefgh/websocket');
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname,
      headers: {
        Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Origin: 'http://evil.example'
      }
    });
    req.on('upgrade', () => done({ ok: false, reason: 'upgrade accepted' }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => done({ ok: res.statusCode === 403, status: res.statusCode, body: safeJson(body) }));
    });
    req.on('error', (e) => done({ ok: false, reason: String(e) }));
    req.end();
    break;
  }
  default:
    done({ ok: false, reason: 'unknown scenario ' + scenario });
}

function safeJson(s) {
  try { return JSON.parse(s); } catch (e) { return s; }
}
