package dev.opsbus.gateway;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A plain-socket client of the TCP event-bus bridge for tests: length-prefixed JSON frames, read on a thread of its own. */
final class TcpBridgeClient implements AutoCloseable {

  private final Socket socket;
  private final DataOutputStream out;
  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private volatile boolean closed;

  TcpBridgeClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    out = new DataOutputStream(socket.getOutputStream());
    DataInputStream in = new DataInputStream(socket.getInputStream());
    Thread reader = new Thread(() -> {
      try {
        while (true) {
          byte[] b = new byte[in.readInt()];
          in.readFully(b);
          frames.add(new JsonObject(new String(b, StandardCharsets.UTF_8)));
        }
      } catch (IOException e) {
        closed = true;
      }
    }, "tcp-bridge-client");
    reader.setDaemon(true);
    reader.start();
  }

  synchronized void send(JsonObject frame) throws IOException {
    byte[] b = frame.encode().getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
    out.flush();
  }

  /** Announces a frame of {@code length} bytes and sends none of it. */
  synchronized void sendRawLength(int length) throws IOException {
    out.writeInt(length);
    out.flush();
  }

  JsonObject next(Predicate<JsonObject> p, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      JsonObject f = left <= 0 ? null : frames.poll(left, TimeUnit.NANOSECONDS);
      if (f == null) {
        throw new AssertionError("no matching frame within " + timeout + (closed ? " (closed)" : ""));
      }
      if (p.test(f)) {
        return f;
      }
    }
  }

  /** Pings and waits for the pong: every frame sent before was handled. */
  void sync(Duration timeout) throws IOException, InterruptedException {
    send(new JsonObject().put("type", "ping"));
    next(f -> "pong".equals(f.getString("type")), timeout);
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
