// Drives one bridge connection for the Java tests (BridgeTransportsIT): the real vertx-eventbus.js over
// the real sockjs-client, forced onto one SockJS transport, or the same frames over the raw WebSocket.
// Commands come as JSON lines on stdin; everything the client sees goes out as JSON lines on stdout.
//
//   node bridge-driver.js <baseUrl> <transport> <auth: header|cookie|none> [token] [pingMs]
//
// transport: raw, or a sockjs-client transport name (websocket, xhr-streaming, xhr-polling, eventsource).
// Modules come from the console's npm install (NODE_PATH), the same versions the console ships.
'use strict';
const http = require('http');
const readline = require('readline');

const [baseUrl, transport, auth, token, pingArg] = process.argv.slice(2);
const pingMs = Number(pingArg || 5000);
const base = new URL(baseUrl);

function emit(ev) {
  process.stdout.write(JSON.stringify(ev) + '\n');
}

// A browser sends its cookie with every request to the node; under Node, sockjs-client's xhr driver
// and the eventsource package take no headers, so this plays the browser's cookie jar for them.
if (auth === 'cookie') {
  const plain = http.request;
  http.request = function (options, callback) {
    if (options && typeof options === 'object' && !(options instanceof URL)
        && (options.hostname || options.host || '').replace(/:\d+$/, '') === base.hostname) {
      options.headers = Object.assign({}, options.headers, { Cookie: 'opsbus_token=' + token });
    }
    return plain.call(http, options, callback);
  };
}
const cookieHeaders = auth === 'cookie' ? { Cookie: 'opsbus_token=' + token } : {};

/** The frames of vertx-eventbus.js over a raw WebSocket, dispatched as vertx-eventbus.js does. */
class RawEventBus {
  constructor(url) {
    const WebSocket = require('faye-websocket');
    this.handlers = {};
    this.replyHandlers = {};
    this.defaultHeaders = null;
    this.ws = new WebSocket.Client(url, [], { headers: cookieHeaders });
    this.ws.on('open', () => {
      this.ping = setInterval(() => this.ws.send(JSON.stringify({ type: 'ping' })), pingMs);
      this.onopen && this.onopen();
    });
    this.ws.on('message', (e) => this.dispatch(JSON.parse(e.data)));
    this.ws.on('close', (e) => {
      clearInterval(this.ping);
      this.onclose && this.onclose({ code: e.code, reason: e.reason, wasClean: true });
    });
  }
  headers(h) {
    return Object.assign({}, this.defaultHeaders || {}, h || {});
  }
  frame(f) {
    this.ws.send(JSON.stringify(f));
  }
  registerHandler(address, headers, callback) {
    if (!this.handlers[address]) {
      this.handlers[address] = [];
      this.frame({ type: 'register', address, headers: this.headers(headers) });
    }
    this.handlers[address].push(callback);
  }
  unregisterHandler(address, headers, callback) {
    const hs = this.handlers[address] || [];
    if (hs.indexOf(callback) >= 0) {
      hs.splice(hs.indexOf(callback), 1);
      if (hs.length === 0) {
        delete this.handlers[address];
        this.frame({ type: 'unregister', address, headers: this.headers(headers) });
      }
    }
  }
  publish(address, body, headers) {
    this.frame({ type: 'publish', address, body, headers: this.headers(headers) });
  }
  send(address, body, headers, callback) {
    const f = { type: 'send', address, body, headers: this.headers(headers) };
    if (callback) {
      f.replyAddress = 'r-' + Math.random().toString(16).slice(2);
      this.replyHandlers[f.replyAddress] = callback;
    }
    this.frame(f);
  }
  dispatch(json) {
    if (json.replyAddress) {
      // as vertx-eventbus.js does: a message that expects an answer can be replied to
      json.reply = (body, headers, callback) => this.send(json.replyAddress, body, headers, callback);
    }
    const err = json.type === 'err' ? { failureCode: json.failureCode, failureType: json.failureType, message: json.message } : null;
    if (this.handlers[json.address]) {
      this.handlers[json.address].forEach((h) => (err ? h(err) : h(null, json)));
    } else if (this.replyHandlers[json.address]) {
      const h = this.replyHandlers[json.address];
      delete this.replyHandlers[json.address];
      err ? h(err) : h(null, json);
    } else if (json.type === 'err') {
      this.onerror && this.onerror(json);
    }
  }
  sendRaw(text) {
    this.ws.send(text);
  }
  close() {
    this.ws.close();
  }
}

function open() {
  if (transport === 'raw') {
    return new RawEventBus(baseUrl.replace(/^http/, 'ws') + '/eventbus/websocket');
  }
  const EventBus = require('@vertx/eventbus-bridge-client.js');
  const eb = new EventBus(baseUrl + '/eventbus', {
    transports: [transport],
    transportOptions: { websocket: { headers: cookieHeaders } },
    vertxbus_ping_interval: pingMs
  });
  eb.sendRaw = (text) => eb.sockJSConn.send(text);
  return eb;
}

const eb = open();
if (auth === 'header') {
  // what vertx-eventbus.js offers for a token: every frame's headers
  eb.defaultHeaders = { authorization: 'Bearer ' + token };
}
eb.onopen = () => emit({ ev: 'open', transport: transport === 'raw' ? 'raw' : eb.sockJSConn.transport });
eb.onerror = (err) => emit({ ev: 'onerror', failureCode: err.failureCode, failureType: err.failureType, message: err.message });
eb.onclose = (e) => {
  emit({ ev: 'close', code: e.code, reason: e.reason, wasClean: e.wasClean });
  setTimeout(() => process.exit(0), 50);
};

function handled(address, id) {
  return (err, msg) => {
    if (err) {
      emit({ ev: 'err', address, id, failureCode: err.failureCode, failureType: err.failureType, message: err.message });
    } else {
      if (msg.replyAddress && msg.reply) {
        received[id || address] = msg;
      }
      emit({ ev: 'rec', address, id, body: msg.body, headers: msg.headers || null, replyAddress: msg.replyAddress || null });
    }
  };
}

const callbacks = {};
/** The last message that expects a reply, per request id or address. */
const received = {};
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line);
  try {
    switch (c.op) {
      case 'register': {
        const h = handled(c.address);
        (callbacks[c.address] = callbacks[c.address] || []).push(h);
        eb.registerHandler(c.address, c.headers || {}, h);
        break;
      }
      case 'unregister': (callbacks[c.address] || []).splice(0).forEach((h) => eb.unregisterHandler(c.address, {}, h)); break;
      case 'publish': eb.publish(c.address, c.body, c.headers || {}); break;
      case 'send': eb.send(c.address, c.body, c.headers || {}); break;
      case 'request': eb.send(c.address, c.body, c.headers || {}, handled(c.address, c.id)); break;
      case 'reply': {
        const m = received[c.to];
        delete received[c.to];
        m.reply(c.body, c.headers || {}, handled(c.to, c.id));
        break;
      }
      case 'raw': eb.sendRaw(c.text); break;
      case 'close': eb.close(); break;
      default: emit({ ev: 'driver-error', message: 'unknown op ' + c.op });
    }
    emit({ ev: 'done', op: c.op, id: c.id || null });
  } catch (e) {
    emit({ ev: 'driver-error', op: c.op, message: String(e) });
  }
});
process.stdin.on('end', () => process.exit(0));
