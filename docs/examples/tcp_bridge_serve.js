// Serve a request address over the opsbus TCP event-bus bridge, Node.js built-ins only.
// usage: OPSBUS_KEY=opsk_... node tcp_bridge_serve.js HOST PORT ADDRESS [COUNT]
// Registers ADDRESS (the key needs a serve grant for it), answers COUNT requests (default: for ever)
// with {"answer": ..., "askedBy": <opsbus-user>}, then exits.
const net = require('net');
const [host, port, address, count] = process.argv.slice(2);
let left = count ? Number(count) : Infinity;
const sock = net.connect(Number(port), host);
const send = (frame) => {
  const data = Buffer.from(JSON.stringify(frame), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  sock.write(Buffer.concat([len, data]));
};
let buf = Buffer.alloc(0);
sock.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
    const frame = JSON.parse(buf.subarray(4, 4 + buf.readUInt32BE(0)).toString('utf8'));
    buf = buf.subarray(4 + buf.readUInt32BE(0));
    if (frame.type === 'err') { console.error('refused:', frame.failureType, frame.message); process.exit(1); }
    if (frame.type === 'pong') console.log('serving ' + address);
    if (frame.type === 'rec' && frame.replyAddress) {
      const who = frame.headers && frame.headers['opsbus-user'];
      send({ type: 'send', address: frame.replyAddress, body: { answer: frame.body, askedBy: who } });
      if (--left <= 0) setTimeout(() => sock.end(), 200);
    }
  }
});
sock.on('connect', () => {
  send({ type: 'register', address, headers: { authorization: 'Bearer ' + process.env.OPSBUS_KEY } });
  send({ type: 'ping' });
  setInterval(() => send({ type: 'ping' }), 5000).unref();
});
sock.on('close', () => process.exit(0));
