package dev.opsbus.gateway.bridge.sockjs;

import dev.opsbus.gateway.loops.Loops;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One SockJS session, whatever carries it. Messages written while no receiver is attached (between
 * two polls) wait here, up to a bound; what waits when a receiver is there goes out packed into one
 * {@code a[...]} frame after the writes already queued on the event loop.
 *
 * <p>A close by the server keeps its order: what was written before goes out first, then the
 * {@code c[code,"reason"]} frame carrying the caller's code and reason (not SockJS's generic
 * {@code 3000 "Go away!"}), on whichever receiver comes next. The session then stays for the
 * disconnect delay and answers its close frame to any poll that arrives meanwhile.
 *
 * <p>Everything runs on the gateway's event loop.
 */
public final class SockJsSession {

  /** Characters of messages (in their escaped SockJS form) packed into one frame at most. */
  static final int PACK_CHARS = 24 * 1024;

  private final SockJsServer server;
  /** Null for the websocket transport, which needs no lookup by id. */
  private final String id;
  private final String transport;
  private final String remoteAddress;

  private Receiver receiver;
  /** Messages not yet framed; created on the first one, since a keeping-up session rarely needs it. */
  private List<String> pending;
  private int pendingChars;
  private boolean flushScheduled;
  private boolean openSent;
  /** The close frame once the session is closing; sent after everything pending. */
  private String closeFrame;
  private int closeCode;
  private String closeReason;
  /** The application was told the session is over; nothing more goes to it or comes from it. */
  private boolean ended;
  private long lastSentNanos = System.nanoTime();
  private long detachedNanos = System.nanoTime();

  private Handler<Buffer> dataHandler;
  private Handler<Void> closeHandler;
  private Handler<Void> drainHandler;
  private Handler<Long> oversizeHandler;
  /**
   * The loop of the request that opened the session: the session and its bridge connection live
   * there. Its later requests may come in on other loops (each poll is a new request, maybe on a new
   * TCP connection); they hand their part over with {@link #run}, and the session writes their answers
   * from here (the server then runs without strict thread mode).
   */
  private final io.vertx.core.Context loop;
  private Handler<Void> activityHandler;

  SockJsSession(SockJsServer server, String id, String transport, String remoteAddress) {
    this.loop = Loops.current();
    this.server = server;
    this.id = id;
    this.transport = transport;
    this.remoteAddress = remoteAddress;
  }

  /** Runs {@code task} on the session's loop (at once when called there). */
  void run(Runnable task) {
    Loops.run(loop, task);
  }

  // ---- the application's side ----

  /** Queues one message; sent packed with whatever else waits. Ignored once the session is closing. */
  public void write(String message) {
    if (closeFrame != null || ended) {
      return;
    }
    writeQuoted(quoted(message));
  }

  /**
   * A message in its SockJS form, as {@link #writeQuoted} takes it: a JSON string, every character
   * outside printable ASCII escaped. Made once for a message fanned out to many sessions.
   */
  public static String quoted(String message) {
    StringBuilder sb = new StringBuilder(message.length() + 8);
    SockJsFrames.quote(sb, message);
    return sb.toString();
  }

  /**
   * Queues one message already in its SockJS form ({@link #quoted}): the same string may be queued
   * by every session it goes to, and is packed into each one's {@code a[...]} frame as it is.
   */
  public void writeQuoted(String quotedMessage) {
    if (closeFrame != null || ended) {
      return;
    }
    if (pending == null) {
      pending = new ArrayList<>(4);
    }
    pending.add(quotedMessage);
    pendingChars += quotedMessage.length();
    if (pendingChars >= server.options().maxPendingChars() && receiver != null && !receiver.writeQueueFull()) {
      // a burst past the bound goes out now: the bound is for a client that does not read, not for a busy turn
      flush();
    } else {
      scheduleFlush();
    }
  }

  /** Full while messages wait for the next poll past the bound, or the receiver's connection is backed up. */
  public boolean writeQueueFull() {
    return pendingChars >= server.options().maxPendingChars() || (receiver != null && receiver.writeQueueFull());
  }

  /** Called once, the next time the session can take writes again. */
  public void drainHandler(Handler<Void> handler) {
    drainHandler = handler;
    watchReceiverDrain();
  }

  /** Each message the client sent, one buffer per message. */
  public void handler(Handler<Buffer> handler) {
    dataHandler = handler;
  }

  /** Called once when the session is over, whoever ended it. */
  public void closeHandler(Handler<Void> handler) {
    closeHandler = handler;
  }

  /** Signs of life that carry no message: WebSocket pings and pongs on the websocket transport. */
  public void activityHandler(Handler<Void> handler) {
    activityHandler = handler;
  }

  /** Called when the client sent a request body over the limit, instead of closing at once. */
  public void oversizeHandler(Handler<Long> handler) {
    oversizeHandler = handler;
  }

  /**
   * Closes after what was written so far: the client gets it, then {@code c[code,"reason"]}; on
   * the websocket transport the WebSocket then closes with the same code and reason.
   */
  public void close(int code, String reason) {
    if (closeFrame != null || ended) {
      return;
    }
    closeCode = code;
    closeReason = reason;
    closeFrame = SockJsFrames.close(code, reason);
    end();
    scheduleFlush();
  }

  /** The SockJS transport name: websocket, xhr-streaming, xhr-polling, eventsource, htmlfile, jsonp-polling. */
  public String transport() {
    return transport;
  }

  public String remoteAddress() {
    return remoteAddress;
  }

  // ---- the server's side ----

  String id() {
    return id;
  }

  boolean isEnded() {
    return ended;
  }

  /** A receiving request (or the WebSocket) arrived. */
  void attach(Receiver r) {
    if (closeFrame != null && (pending == null || pending.isEmpty())) {
      // closed: every receiver from now on learns how, then ends
      sendClose(r);
      return;
    }
    if (ended && closeFrame == null) {
      sendAndEnd(r, SockJsFrames.close(3000, "session ended"), 3000, "session ended");
      return;
    }
    if (receiver != null) {
      sendAndEnd(r, SockJsFrames.close(2010, "Another connection still open"), 2010, "Another connection still open");
      return;
    }
    receiver = r;
    if (!openSent) {
      openSent = true;
      sendFrame(SockJsFrames.OPEN);
    }
    flush();
  }

  /** The client dropped a receiving request or the WebSocket: it is gone. */
  void receiverGone(Receiver r) {
    if (receiver != r) {
      return;
    }
    receiver = null;
    detachedNanos = System.nanoTime();
    drop();
  }

  /** Messages from the client, in order. */
  void receive(List<String> messages) {
    for (String m : messages) {
      if (ended || dataHandler == null) {
        return;
      }
      dataHandler.handle(Buffer.buffer(m));
    }
  }

  void activity() {
    if (activityHandler != null && !ended) {
      activityHandler.handle(null);
    }
  }

  /** A request body over the limit: the application says why and closes; without one, close here. */
  void oversized(long bytes) {
    if (oversizeHandler != null && !ended) {
      oversizeHandler.handle(bytes);
    }
    close(1009, "too_large");
  }

  /** Periodic: heartbeats on quiet receivers, and sessions nobody came back for are dropped. */
  void sweep(long now, long heartbeatNanos, long disconnectNanos) {
    if (receiver != null) {
      if (closeFrame == null && now - lastSentNanos >= heartbeatNanos) {
        sendFrame(SockJsFrames.HEARTBEAT);
      }
    } else if (now - detachedNanos >= disconnectNanos) {
      drop();
    }
  }

  // ---- internals ----

  private void scheduleFlush() {
    if (!flushScheduled && receiver != null) {
      flushScheduled = true;
      loop.runOnContext(v -> flush());
    }
  }

  private void flush() {
    flushScheduled = false;
    if (receiver == null) {
      return;
    }
    while (receiver != null && pending != null && !pending.isEmpty()) {
      if (receiver.writeQueueFull()) {
        watchReceiverDrain();
        return;
      }
      sendFrame(SockJsFrames.packed(takePacked()));
    }
    drained();
    if (closeFrame != null && receiver != null && (pending == null || pending.isEmpty())) {
      Receiver r = receiver;
      receiver = null;
      detachedNanos = System.nanoTime();
      sendClose(r);
    }
  }

  /**
   * The messages of the next frame: as many waiting ones as fit in {@link #PACK_CHARS} (a larger one
   * alone), since WebSocket clients other than browsers refuse frames past 64 KB by default.
   */
  private List<String> takePacked() {
    int n = 0;
    int chars = 0;
    while (n < pending.size() && (n == 0 || chars + pending.get(n).length() <= PACK_CHARS)) {
      chars += pending.get(n).length();
      n++;
    }
    List<String> batch;
    if (n == pending.size()) {
      batch = pending;
      pending = null;
    } else {
      batch = new ArrayList<>(pending.subList(0, n));
      pending.subList(0, n).clear();
    }
    pendingChars -= chars;
    return batch;
  }

  private void drained() {
    Handler<Void> h = drainHandler;
    if (h == null || ended) {
      return;
    }
    if (!writeQueueFull()) {
      drainHandler = null;
      h.handle(null);
    } else {
      watchReceiverDrain();
    }
  }

  /** While the receiver's connection is backed up, its drain resumes the flush and the application. */
  private void watchReceiverDrain() {
    Receiver r = receiver;
    if (r != null && r.writeQueueFull()) {
      r.drainHandler(v -> run(() -> {
        if (receiver == r) {
          flush();
          drained();
        }
      }));
    }
  }

  /** Writes one frame; a receiver that is done after it (an answered poll) ends and is let go. */
  private void sendFrame(String frame) {
    Receiver r = receiver;
    lastSentNanos = System.nanoTime();
    r.send(frame);
    if (r.done()) {
      receiver = null;
      detachedNanos = lastSentNanos;
      r.end(1000, "");
    }
  }

  private void sendClose(Receiver r) {
    sendAndEnd(r, closeFrame, closeCode, closeReason);
  }

  private static void sendAndEnd(Receiver r, String frame, int code, String reason) {
    r.send(frame);
    r.end(code, reason);
  }

  /** The session is over for the application: its close handler runs once. */
  private void end() {
    if (ended) {
      return;
    }
    ended = true;
    Handler<Void> h = closeHandler;
    closeHandler = null;
    dataHandler = null;
    drainHandler = null;
    activityHandler = null;
    if (h != null) {
      h.handle(null);
    }
  }

  /** Forgets the session: nobody is there to read anything more. */
  private void drop() {
    pending = null;
    pendingChars = 0;
    server.remove(this);
    end();
  }
}
