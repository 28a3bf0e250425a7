// vertx-eventbus.js (over sockjs-client) through the load balancer, on one transport. Prints one
// JSON line with what the client saw; LoadBalancerIT asserts on it.
//
//   node lb-scenarios.js receive <baseUrl> <websocket|xhr-polling|...> <token>
//
// receive: three metrics.node messages (each a new poll on a polling transport, so a proxy that
// does not keep the session on its node fails it) and one request round trip (ops.types).
'use strict';
const EventBus = require('@vertx/eventbus-bridge-client.js');

const [scenario, baseUrl, transport, token] = process.argv.slice(2);
const TIMEOUT_MS = 40000;

function done(result) {
  process.stdout.write(JSON.stringify(Object.assign({ scenario, transport }, result)) + '\n');
  process.exit(0);
}

setTimeout(() => done({ ok: false, reason: 'timed out after ' + TIMEOUT_MS + ' ms' }), TIMEOUT_MS).unref();

if (scenario !== 'receive') {
  done({ ok: false, reason: 'unknown scenario ' + scenario });
}

const eb = new EventBus(baseUrl + '/eventbus', { transports: [transport] });
// under Node the client sets no cookie or Authorization header: the token rides in every frame
eb.defaultHeaders = { authorization: 'Bearer ' + token };
eb.onerror = (err) => done({ ok: false, reason: 'onerror', err });
eb.onclose = (e) => done({ ok: false, reason: 'closed', code: e && e.code, why: e && e.reason });
const bodies = [];
let reply = null;
function maybeDone() {
  if (bodies.length >= 3 && reply) {
    eb.onclose = null;
    done({ ok: true, bodies, reply, used: eb.sockJSConn && eb.sockJSConn.transport });
  }
}
eb.onopen = () => {
  eb.registerHandler('metrics.node', (err, msg) => {
    if (err) return done({ ok: false, err });
    if (bodies.length < 3) bodies.push(msg.body);
    maybeDone();
  });
  eb.send('ops.types', {}, (err, msg) => {
    if (err) return done({ ok: false, err });
    reply = msg.body;
    maybeDone();
  });
};
