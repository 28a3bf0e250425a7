#!/usr/bin/env python3
"""Publish to an opsbus address over the TCP event-bus bridge, standard library only.

usage: OPSBUS_KEY=opsk_... python3 tcp_bridge_publish.py HOST PORT ADDRESS JSON-BODY [--tls]
(with --tls, OPSBUS_CA may name a PEM file of the CA to trust, for a self-signed certificate)
Frames are a 4-byte big-endian length, then UTF-8 JSON. The key logs in on the first frame.
"""
import json, os, socket, ssl, struct, sys

def send(sock, frame):
    data = json.dumps(frame).encode("utf-8")
    sock.sendall(struct.pack(">I", len(data)) + data)

def recv(sock):
    def exactly(n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed by the server")
            buf += chunk
        return buf
    (length,) = struct.unpack(">I", exactly(4))
    return json.loads(exactly(length).decode("utf-8"))

host, port, address, body = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
sock = socket.create_connection((host, port), timeout=10)
if "--tls" in sys.argv:
    sock = ssl.create_default_context(cafile=os.environ.get("OPSBUS_CA")).wrap_socket(sock, server_hostname=host)
auth = {"authorization": "Bearer " + os.environ["OPSBUS_KEY"]}
send(sock, {"type": "publish", "address": address, "headers": auth, "body": body})
send(sock, {"type": "ping"})           # the server answers pong once the publish was handled
reply = recv(sock)
if reply.get("type") == "err":
    sys.exit("refused: %s %s" % (reply.get("failureType"), reply.get("message")))
print("published to %s" % address)
