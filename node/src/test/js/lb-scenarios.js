// vertx-eventbus.js (over sockjs-client) through the load balancer, held on one transport, as a
// browser uses it. Prints one JSON line with what the client saw; LoadBalancerIT asserts on it.
//
//   node lb-scenarios.js bus <baseUrl> <websocket|xhr-streaming|xhr-polling|eventsource> <cookie|header>
//        <username> <password> <address>
//
// bus: logs in (POST /api/login), opens the bus with the token as the browser's cookie or in every
// frame's headers, registers <address> (published by a service on another node) and waits for a
// message, makes a request with a reply (ops.types), then logs out: the node revokes the token and
// must close the connection with an err frame first. Like a browser it keeps the cookies the proxy
// and the nodes set (JSESSIONID, HAProxy's OPSBUS_NODE): the proxy's affinity depends on them.
'use strict';
const http = require('http');

const [scenario, baseUrl, transport, auth, username, password, address] = process.argv.slice(2);
const TIMEOUT_MS = 55000;
const base = new URL(baseUrl);
/** What the client saw, in order (open, rec, reply, logout, onerror, close), and when (ms from the start). */
const seen = [];
const at = [];
const started = Date.now();
const result = { scenario, transport, auth, seen, at };
function saw(what) {
  seen.push(what);
  at.push(Date.now() - started);
}

function done(extra) {
  process.stdout.write(JSON.stringify(Object.assign(result, extra)) + '\n');
  process.exit(0);
}

setTimeout(() => done({ ok: false, reason: 'timed out after ' + TIMEOUT_MS + ' ms' }), TIMEOUT_MS).unref();

if (scenario !== 'bus') {
  done({ ok: false, reason: 'unknown scenario ' + scenario });
}

// The browser's cookie jar, for every request to the proxy (sockjs-client's xhr driver and the
// eventsource package go through http.request and take no headers of their own).
const jar = {};
function cookieHeader(withToken) {
  return Object.keys(jar).filter((k) => withToken || k !== 'opsbus_token').map((k) => k + '=' + jar[k]).join('; ');
}
function keep(res) {
  for (const c of [].concat(res.headers['set-cookie'] || [])) {
    const pair = c.split(';')[0];
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value === '') {
      delete jar[name];
    } else if (name !== 'opsbus_token' || auth === 'cookie') {
      // header auth: the token rides in the frames only, so a cookie cannot be what lets the client in
      jar[name] = value;
    }
  }
}
const plain = http.request;
http.request = function (options, callback) {
  if (options && typeof options === 'object' && !(options instanceof URL)
      && (options.hostname || options.host || '').replace(/:\d+$/, '') === base.hostname) {
    const cookies = cookieHeader(true);
    if (cookies) {
      options.headers = Object.assign({}, options.headers, { Cookie: cookies });
    }
    const req = plain.call(http, options, callback);
    req.on('response', keep);
    return req;
  }
  return plain.call(http, options, callback);
};

function call(method, path, body, headers) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? '' : JSON.stringify(body);
    const req = http.request({
      hostname: base.hostname, port: base.port, path, method,
      headers: Object.assign(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}, headers)
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: text ? safeJson(text) : null }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function safeJson(s) {
  try { return JSON.parse(s); } catch (e) { return s; }
}

async function main() {
  const login = await call('POST', '/api/login', { username, password });
  result.login = { status: login.status, cookie: 'opsbus_token' in jar };
  if (login.status !== 200) {
    return done({ ok: false, reason: 'login answered ' + login.status, body: login.body });
  }
  const token = login.body.token;
  const EventBus = require('@vertx/eventbus-bridge-client.js');
  const eb = new EventBus(baseUrl + '/eventbus', {
    transports: [transport],
    // the WebSocket handshake does not go through http.request: the cookie is given to it
    transportOptions: { websocket: { headers: auth === 'cookie' ? { Cookie: cookieHeader(true) } : {} } }
  });
  if (auth === 'header') {
    eb.defaultHeaders = { authorization: 'Bearer ' + token };
  }
  let loggedOut = false;
  // the close may come before the logout's own answer: the result waits for both
  let logoutAnswered = null;
  eb.onerror = (err) => {
    saw('onerror');
    result.err = { failureType: err.failureType, failureCode: err.failureCode, message: err.message };
    if (!loggedOut) {
      done({ ok: false, reason: 'an err before the logout' });
    }
  };
  eb.onclose = (e) => {
    saw('close');
    result.close = { code: e && e.code, reason: e && e.reason };
    if (!loggedOut) {
      return done({ ok: false, reason: 'closed before the logout' });
    }
    logoutAnswered.then(() => done({ ok: true }));
  };
  eb.onopen = () => {
    saw('open');
    result.used = eb.sockJSConn.transport;
    let got = false;
    eb.registerHandler(address, (err, msg) => {
      if (err) {
        return done({ ok: false, reason: 'register refused', err });
      }
      if (got) {
        return;
      }
      got = true;
      saw('rec');
      result.rec = { address: msg.address, body: msg.body };
      eb.send('ops.types', {}, (err2, reply) => {
        if (err2) {
          return done({ ok: false, reason: 'request failed', err: err2 });
        }
        saw('reply');
        result.reply = reply.body;
        loggedOut = true;
        // the browser's logout: with the cookie a browser names its origin; a script uses its bearer token
        const headers = auth === 'cookie' ? { 'Sec-Fetch-Site': 'same-origin' } : { Authorization: 'Bearer ' + token };
        logoutAnswered = call('POST', '/api/logout', undefined, headers).then((out) => {
          saw('logout');
          result.logout = out.status;
        }, (e) => done({ ok: false, reason: 'logout failed: ' + e }));
      });
    });
  };
}

main().catch((e) => done({ ok: false, reason: String(e && e.stack || e) }));
