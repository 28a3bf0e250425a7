package dev.opsbus.bench;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A WebSocket client on a plain blocking socket, shaped like sshj's shell streams: the caller's
 * thread writes a frame straight to the socket, and one reader thread hands each message over. The
 * terminal bench uses it so that the opsbus path and the sshj path have the same threads on the
 * client side (a Vert.x client would add a hop from the typing thread to its event loop, which the
 * sshj path does not have).
 */
final class BlockingWebSocket implements AutoCloseable {

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final Thread reader;

  /** A binary message and the time the reader thread had it whole (System.nanoTime). */
  interface BinaryHandler {
    void handle(byte[] data, long nanos);
  }

  private BlockingWebSocket(Socket socket, DataInputStream in, BinaryHandler onBinary, Consumer<String> onText,
      Consumer<String> onClosed) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = in;
    this.reader = new Thread(() -> read(onBinary, onText, onClosed), "blocking-ws-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Opens {@code ws://host:port path} with the given extra header lines ({@code "Name: value"}).
   * Handlers are called on the reader thread, binary messages with the receive time taken there.
   */
  static BlockingWebSocket open(String host, int port, String path, java.util.List<String> headers,
      BinaryHandler onBinary, Consumer<String> onText, Consumer<String> onClosed) throws IOException {
    Socket s = new Socket(host, port);
    s.setTcpNoDelay(true);
    byte[] nonce = new byte[16];
    ThreadLocalRandom.current().nextBytes(nonce);
    String key = Base64.getEncoder().encodeToString(nonce);
    StringBuilder req = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host).append(':').append(port)
        .append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(key)
        .append("\r\nSec-WebSocket-Version: 13\r\n");
    for (String h : headers) {
      req.append(h).append("\r\n");
    }
    s.getOutputStream().write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
    String status = line(in);
    String accept = null;
    for (String l = line(in); !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      if (colon > 0 && l.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("sec-websocket-accept")) {
        accept = l.substring(colon + 1).trim();
      }
    }
    if (!status.startsWith("HTTP/1.1 101") || !NettyWebSocketHandler.expectedAccept(key).equals(accept)) {
      s.close();
      throw new IOException("upgrade refused: " + status);
    }
    return new BlockingWebSocket(s, in, onBinary, onText, onClosed);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("connection closed during the upgrade");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /** Sends one binary message, masked, on the caller's thread. */
  void writeBinary(byte[] payload) throws IOException {
    write(0x2, payload);
  }

  void writeText(String text) throws IOException {
    write(0x1, text.getBytes(StandardCharsets.UTF_8));
  }

  private synchronized void write(int opcode, byte[] payload) throws IOException {
    io.netty.buffer.ByteBuf frame = NettyWebSocketHandler.masked(io.netty.buffer.Unpooled.buffer(payload.length + 14), opcode, payload);
    try {
      byte[] bytes = new byte[frame.readableBytes()];
      frame.readBytes(bytes);
      out.write(bytes);
      out.flush();
    } finally {
      frame.release();
    }
  }

  private void read(BinaryHandler onBinary, Consumer<String> onText, Consumer<String> onClosed) {
    ByteArrayOutputStream fragments = new ByteArrayOutputStream();
    int fragmentedOpcode = 0;
    try {
      while (true) {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7f;
        if (len == 126) {
          len = in.readUnsignedShort();
        } else if (len == 127) {
          len = in.readLong();
        }
        if ((b1 & 0x80) != 0 || len < 0 || len > (16 << 20)) {
          throw new IOException("a masked or oversized frame from the server");
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        long at = System.nanoTime();
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0f;
        if (opcode == 0x8) {
          onClosed.accept("the terminal WebSocket closed");
          return;
        }
        if (opcode == 0x9) {
          write(0xA, payload);
          continue;
        }
        if (opcode == 0x1 || opcode == 0x2) {
          if (!fin) {
            fragmentedOpcode = opcode;
            fragments.reset();
            fragments.write(payload);
            continue;
          }
        } else if (opcode == 0x0) {
          fragments.write(payload);
          if (!fin) {
            continue;
          }
          opcode = fragmentedOpcode;
          payload = fragments.toByteArray();
        } else {
          continue; // pong
        }
        if (opcode == 0x2) {
          onBinary.handle(payload, at);
        } else {
          onText.accept(new String(payload, StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      onClosed.accept(socket.isClosed() ? "the terminal WebSocket closed" : "read failed: " + e.getMessage());
    }
  }

  @Override
  public void close() throws IOException {
    try {
      write(0x8, new byte[] {0x03, (byte) 0xe8});
    } catch (IOException e) {
      // already gone
    }
    socket.close();
  }
}
