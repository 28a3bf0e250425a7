package dev.opsbus.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One client WebSocket of {@link NettySubscriberClient}: sends the upgrade request, checks the
 * {@code 101} answer and its {@code Sec-WebSocket-Accept}, then reads frames (RFC 6455, server frames
 * unmasked) straight from the receive buffer. A text frame's stamp is found by {@link StampScan} where
 * it lies; only frames without a stamp are copied, for the protocol's parser. A frame split across two
 * reads is joined by {@link ByteToMessageDecoder}'s cumulation, the only other copy. Frames it sends
 * (subscribe, heartbeats, replies) are masked as a client must.
 */
final class NettyWebSocketHandler extends ByteToMessageDecoder {

  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  private static final int MAX_HEAD = 16 * 1024;
  private static final int MAX_MESSAGE = 4 << 20;
  /** One scanner per I/O thread: it keeps match state between bytes of one scan. */
  private static final ThreadLocal<StampScan> SCAN = ThreadLocal.withInitial(() -> new StampScan(StampScan.KEY));

  private final String hostPort;
  private final String path;
  private final WireProtocol protocol;
  private final boolean fastPath;
  /** Scanners for a protocol that packs stamped frames into one message (SockJS), else null. */
  private final StampScan packedStamps;
  private final StampScan packedErrors;
  private final SubscriberClient.Events events;
  private final Promise<SubscriberClient.ClientSocket> opened;
  private final String key;
  private Channel channel;
  private Socket socket;
  private boolean upgraded;
  private long now;
  private ByteBuf fragments;

  NettyWebSocketHandler(String hostPort, String path, WireProtocol protocol, SubscriberClient.Events events,
      Promise<SubscriberClient.ClientSocket> opened) {
    this.hostPort = hostPort;
    this.path = path;
    this.protocol = protocol;
    this.fastPath = protocol.stampsOneDeliveryPerFrame();
    this.packedStamps = protocol.packedStampKey() == null ? null : new StampScan(protocol.packedStampKey());
    this.packedErrors = protocol.packedErrorKey() == null ? null : new StampScan(protocol.packedErrorKey());
    this.events = events;
    this.opened = opened;
    byte[] nonce = new byte[16];
    ThreadLocalRandom.current().nextBytes(nonce);
    this.key = Base64.getEncoder().encodeToString(nonce);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    channel = ctx.channel();
    String request = "GET " + path + " HTTP/1.1\r\nHost: " + hostPort + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    ctx.writeAndFlush(ctx.alloc().buffer(request.length()).writeBytes(request.getBytes(StandardCharsets.US_ASCII)));
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    now = System.nanoTime(); // one clock read per socket read, as the Vert.x client per message
    super.channelRead(ctx, msg);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!upgraded && !upgrade(ctx, in)) {
      return;
    }
    while (in.isReadable() && frame(ctx, in)) {
      // one frame per turn
    }
  }

  private boolean upgrade(ChannelHandlerContext ctx, ByteBuf in) {
    int end = ByteBufUtil.indexOf(CRLFCRLF, in);
    if (end < 0) {
      if (in.readableBytes() > MAX_HEAD) {
        fail(ctx, "upgrade answer longer than " + MAX_HEAD + " bytes");
      }
      return false;
    }
    String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
    in.readerIndex(end + 4);
    String[] lines = head.split("\r\n");
    if (!lines[0].startsWith("HTTP/1.1 101")) {
      fail(ctx, "upgrade refused: " + lines[0]);
      return false;
    }
    String accept = null;
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("sec-websocket-accept")) {
        accept = line.substring(colon + 1).trim();
      }
    }
    if (!expectedAccept(key).equals(accept)) {
      fail(ctx, "upgrade answer has a wrong Sec-WebSocket-Accept: " + accept);
      return false;
    }
    upgraded = true;
    socket = new Socket(channel);
    opened.tryComplete(socket);
    return true;
  }

  private static final ByteBuf CRLFCRLF = io.netty.buffer.Unpooled.unreleasableBuffer(
      io.netty.buffer.Unpooled.wrappedBuffer("\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));

  static String expectedAccept(String key) {
    try {
      byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Handles one whole frame at the reader index and returns true, or returns false to wait for more bytes. */
  private boolean frame(ChannelHandlerContext ctx, ByteBuf in) {
    int start = in.readerIndex();
    int available = in.readableBytes();
    if (available < 2) {
      return false;
    }
    int b0 = in.getUnsignedByte(start);
    int b1 = in.getUnsignedByte(start + 1);
    int header = 2;
    long length = b1 & 0x7f;
    if (length == 126) {
      if (available < 4) {
        return false;
      }
      length = in.getUnsignedShort(start + 2);
      header = 4;
    } else if (length == 127) {
      if (available < 10) {
        return false;
      }
      length = in.getLong(start + 2);
      header = 10;
    }
    if ((b1 & 0x80) != 0 || length < 0 || length > MAX_MESSAGE) {
      fail(ctx, (b1 & 0x80) != 0 ? "the server masked a frame" : "frame of " + length + " bytes");
      in.skipBytes(available);
      return false;
    }
    if (available < header + length) {
      return false;
    }
    int from = start + header;
    int to = from + (int) length;
    boolean fin = (b0 & 0x80) != 0;
    int opcode = b0 & 0x0f;
    switch (opcode) {
      case 0x1, 0x2 -> {
        if (fin) {
          message(in, from, to);
        } else {
          fragments = ctx.alloc().buffer((int) length * 2);
          fragments.writeBytes(in, from, (int) length);
        }
      }
      case 0x0 -> {
        if (fragments != null) {
          fragments.writeBytes(in, from, (int) length);
          if (fragments.readableBytes() > MAX_MESSAGE) {
            fail(ctx, "fragmented message over " + MAX_MESSAGE + " bytes");
          } else if (fin) {
            message(fragments, fragments.readerIndex(), fragments.writerIndex());
            fragments.release();
            fragments = null;
          }
        }
      }
      case 0x8 -> {
        ctx.writeAndFlush(control(ctx, 0x8, in, from, to)).addListener(ChannelFutureListener.CLOSE);
      }
      case 0x9 -> ctx.writeAndFlush(control(ctx, 0xA, in, from, to));
      default -> {
        // pong or reserved: ignored
      }
    }
    in.readerIndex(to);
    return true;
  }

  /** A whole message in {@code buf[from, to)}: its stamp where the protocol allows, else the protocol's parser. */
  private void message(ByteBuf buf, int from, int to) {
    if (fastPath) {
      long t = SCAN.get().find(buf, from, to);
      if (t != StampScan.NONE) {
        events.delivery(t, now);
        return;
      }
    } else if (packedStamps != null && packed(buf, from, to)) {
      return;
    }
    Buffer data = Buffer.buffer(ByteBufUtil.getBytes(buf, from, to - from));
    long at = now;
    protocol.onFrames(data, f -> {
      if (f.kind() == WireProtocol.Kind.DELIVERY) {
        events.delivery(f.t(), at);
      } else {
        events.frame(socket, f);
      }
    });
  }

  /**
   * Every stamp of a packed message (SockJS {@code a[...]}), counted where it lies: true when at least
   * one was found and the message holds no error frame; false sends the message to the protocol's parser.
   */
  private boolean packed(ByteBuf buf, int from, int to) {
    if (to - from < 2 || buf.getByte(from) != 'a' || (packedErrors != null && packedErrors.contains(buf, from, to))) {
      return false;
    }
    int found = 0;
    int at = from;
    while (at < to) {
      long t = packedStamps.find(buf, at, to);
      if (t == StampScan.NONE) {
        break;
      }
      events.delivery(t, now);
      found++;
      at = packedStamps.end();
    }
    return found > 0;
  }

  private static ByteBuf control(ChannelHandlerContext ctx, int opcode, ByteBuf in, int from, int to) {
    byte[] payload = ByteBufUtil.getBytes(in, from, to - from);
    return masked(ctx.alloc().buffer(payload.length + 6), opcode, payload);
  }

  /** A masked client frame with {@code payload}, FIN set. */
  static ByteBuf masked(ByteBuf out, int opcode, byte[] payload) {
    int n = payload.length;
    out.writeByte(0x80 | opcode);
    if (n < 126) {
      out.writeByte(0x80 | n);
    } else if (n < 65_536) {
      out.writeByte(0x80 | 126).writeShort(n);
    } else {
      out.writeByte(0x80 | 127).writeLong(n);
    }
    int mask = ThreadLocalRandom.current().nextInt();
    out.writeInt(mask);
    for (int i = 0; i < n; i++) {
      out.writeByte(payload[i] ^ (mask >>> (24 - 8 * (i & 3))));
    }
    return out;
  }

  private void fail(ChannelHandlerContext ctx, String message) {
    if (!opened.tryFail(new IllegalStateException(message)) && upgraded) {
      events.error(message);
    }
    ctx.close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, String.valueOf(cause.getMessage()));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (fragments != null) {
      fragments.release();
      fragments = null;
    }
    if (upgraded) {
      events.closed();
    } else {
      opened.tryFail(new IllegalStateException("connection closed before the upgrade"));
    }
    super.channelInactive(ctx);
  }

  /** The open connection as the generator sees it. */
  private record Socket(Channel channel) implements SubscriberClient.ClientSocket {
    @Override
    public void writeText(String text) {
      byte[] payload = text.getBytes(StandardCharsets.UTF_8);
      channel.writeAndFlush(masked(channel.alloc().buffer(payload.length + 14), 0x1, payload));
    }

    @Override
    public Future<Void> close() {
      Promise<Void> closed = Promise.promise();
      channel.closeFuture().addListener(f -> closed.tryComplete());
      // a close frame with status 1000, then the TCP close
      channel.writeAndFlush(masked(channel.alloc().buffer(8), 0x8, new byte[] {0x03, (byte) 0xe8}))
          .addListener(ChannelFutureListener.CLOSE);
      return closed.future();
    }
  }
}
