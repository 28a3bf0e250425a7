package dev.opsbus.gateway.terminal;

import dev.opsbus.gateway.bridge.Delivery;
import dev.opsbus.gateway.bridge.Subscriber;
import dev.opsbus.gateway.bridge.SubscriptionIndex;
import dev.opsbus.gateway.http.BusCalls;
import dev.opsbus.gateway.telemetry.TerminalHops;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.debug.HopTimes;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.PermissionRule.Overflow;
import dev.opsbus.model.Principal;
import dev.opsbus.model.WriterRule;
import dev.opsbus.model.wire.FlowHold;
import dev.opsbus.model.wire.SessionEvent;
import dev.opsbus.model.wire.SessionParticipant;
import dev.opsbus.model.wire.TerminalAttached;
import dev.opsbus.model.wire.TerminalControl;
import dev.opsbus.model.wire.TerminalRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Base64;

/**
 * One browser's terminal WebSocket: output bytes down as binary frames, keystrokes up (writers
 * only), JSON text frames for control ({@code resize}) and session events. It subscribes through
 * the bridge's subscription index (one bus consumer per address per node), attaches to the session
 * on the relay, replays the scrollback, then forwards live output, using byte offsets so nothing
 * is shown twice or skipped.
 *
 * <p>Flow: when the browser reads slower than the shell writes, output waits here; past
 * {@value #HOLD_BYTES} bytes the socket holds the session's output at the relay ({@link
 * Addresses#SSH_FLOW}), so the shell is paced by its slowest reader like a slow line, and lets it
 * go once it has caught up. A browser that stops reading altogether (no progress for {@value
 * #STALL_MS} ms) or falls {@value #MAX_PENDING_BYTES} bytes behind is cut off with {@code
 * slow_consumer}, which releases its hold: the others carry on, and it may reattach (scrollback).
 */
final class TerminalSocket implements Subscriber {

  /**
   * Output bytes a socket may fall behind by before it is cut off: the memory bound. It is well above
   * {@link #HOLD_BYTES} because output already on its way when a hold reaches the relay still arrives
   * (a relay reading faster than this event loop writes can be a few MB ahead).
   */
  static final int MAX_PENDING_BYTES = 4 * 1024 * 1024;
  /** Output waiting for this browser past which the session's output is held at the relay. */
  static final int HOLD_BYTES = 64 * 1024;
  /** A socket with output waiting that makes no progress for this long has stopped reading: cut off. */
  static final long STALL_MS = 5_000;
  /** A hold is renewed at this period while in force (the relay lets it lapse after 15 s). */
  static final long HOLD_RENEW_MS = 5_000;

  private record Chunk(long off, Buffer bytes) {
  }

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final SubscriptionIndex index;
  private final BusCalls bus;
  private final String sid;
  private final TerminalToken auth;
  private Principal principal;
  private final String outAddress;
  private final String eventsAddress;
  private final ArrayDeque<Chunk> early = new ArrayDeque<>();
  private final ArrayDeque<Buffer> pending = new ArrayDeque<>();
  private int earlyBytes;
  private int pendingBytes;
  private boolean draining;
  private boolean attached;
  private boolean closed;
  private long offset;
  private String role;
  private String hostId;
  private long lastRefusal;
  private final String holder = java.util.UUID.randomUUID().toString();
  private boolean holding;
  private long holdSentAt;
  private long stallTimer = -1;
  /** Keystrokes typed before the relay answered the attach. */
  private final InputBuffer input = new InputBuffer();
  private final InputPacer pacer;
  private final ResizeCoalescer resizes;
  private final TerminalHops hops;
  /** Keystroke frames until the next timed one ({@link HopTimes#SAMPLE_EVERY}). */
  private int untilTimed = 1;
  /** The loop this socket lives on (the one that accepted it): its output is delivered there. */
  private final io.vertx.core.Context loop = dev.opsbus.gateway.loops.Loops.current();

  @Override
  public io.vertx.core.Context lane() {
    return loop;
  }

  TerminalSocket(Vertx vertx, ServerWebSocket ws, SubscriptionIndex index, BusCalls bus, String sid, TerminalToken auth,
      TerminalHops hops) {
    this.vertx = vertx;
    this.hops = hops;
    this.auth = auth;
    Principal principal = auth.principal();
    this.ws = ws;
    this.index = index;
    this.bus = bus;
    this.sid = sid;
    this.principal = principal;
    this.outAddress = Addresses.SSH_SESSION_OUT.format(sid);
    this.eventsAddress = Addresses.SSH_SESSION_EVENTS.format(sid);
    this.pacer = new InputPacer(vertx, ws);
    this.resizes = new ResizeCoalescer(vertx,
        (cols, rows) -> bus.request(Addresses.SSH_RESIZE, TerminalRequest.resize(sid, cols, rows).toJson(), principal, "SSH relay"),
        err -> error(BusFailures.codeOf(err), err.getMessage()));
  }

  void start() {
    auth.start(this::fail);
    ws.closeHandler(v -> cleanup());
    ws.binaryMessageHandler(data -> {
      long arrived = timedNow();
      pacer.took();
      keystrokes(data, arrived);
    });
    ws.textMessageHandler(text -> {
      pacer.took();
      control(text);
    });
    // subscribe first, attach second: output racing the attach is held and trimmed by offset
    index.subscribe(outAddress, this);
    index.subscribe(eventsAddress, this);
    bus.<JsonObject>request(Addresses.SSH_ATTACH, TerminalRequest.of(sid).toJson(), principal, "SSH relay")
        .map(TerminalAttached::fromJson)
        .onSuccess(this::attachedWith)
        .onFailure(err -> fail(BusFailures.explain(err, "SSH relay")));
  }

  private void attachedWith(TerminalAttached reply) {
    if (closed) {
      return;
    }
    role = reply.role() == null ? SessionParticipant.VIEWER : reply.role();
    ws.writeTextMessage(TerminalReady.of(reply, role, input.bytes()).toJson().encode());
    hostId = reply.hostId();
    String scrollback = reply.scrollback() == null ? "" : reply.scrollback();
    if (!scrollback.isEmpty()) {
      write(Buffer.buffer(Base64.getDecoder().decode(scrollback)));
    }
    offset = reply.offset();
    attached = true;
    while (!early.isEmpty()) {
      Chunk c = early.poll();
      forward(c.off(), c.bytes());
    }
    earlyBytes = 0;
    typedBeforeReady();
  }

  /** What was typed before {@code ready} goes now, in order, or is refused with an event: never lost in silence. */
  private void typedBeforeReady() {
    boolean refused = input.refused();
    int bytes = input.bytes();
    java.util.List<Buffer> typed = input.drain();
    String refusal = writeRefusal();
    if (!typed.isEmpty() && refusal != null) {
      error(ErrorCode.ACCESS_DENIED, refusal + ": the " + bytes + " bytes typed before it was ready were not sent");
      return;
    }
    for (Buffer b : typed) {
      sendInput(b);
    }
    if (refused) {
      error(ErrorCode.TOO_LARGE, "input typed before the terminal was ready went over " + InputBuffer.MAX_BYTES / 1024
          + " KB: the first " + bytes + " bytes were sent, the rest was not");
    }
  }

  /** Why this socket's keystrokes are not sent, or null: a typing role in the session, and the one writer rule. */
  private String writeRefusal() {
    if (!SessionParticipant.DRIVER.equals(role) && !SessionParticipant.WRITER.equals(role)) {
      return "you joined this terminal as a viewer";
    }
    return WriterRule.refusal(principal, hostId);
  }

  @Override
  public void deliver(String address, Delivery delivery, Overflow overflow) {
    if (closed) {
      return;
    }
    if (address.equals(outAddress)) {
      Buffer bytes = delivery.bytes();
      if (bytes == null) {
        return;
      }
      long[] stamps = HopTimes.SAMPLE_EVERY == 0 ? null : HopTimes.decode(delivery.message().headers().get(HopTimes.OUT_HEADER));
      long gatewayOut = stamps == null ? 0 : System.nanoTime();
      String off = delivery.message().headers().get(TerminalControl.OFFSET_HEADER);
      long start = off == null ? offset : Long.parseLong(off);
      if (!attached) {
        early.add(new Chunk(start, bytes));
        earlyBytes += bytes.length();
        if (earlyBytes > MAX_PENDING_BYTES) {
          slow("fell more than " + MAX_PENDING_BYTES / 1024 + " KB behind");
        }
        return;
      }
      forward(start, bytes);
      if (stamps != null) {
        hops.record(stamps, gatewayOut, System.nanoTime());
      }
    } else if (delivery.message().body() instanceof JsonObject event) {
      ws.writeTextMessage(event.encode());
      if (isClosedEvent(event)) {
        cleanup();
        ws.close((short) 1000, RelayLoss.REASON.equals(event.getString("reason")) ? RelayLoss.REASON : "session_closed");
      }
    }
  }

  /** Writes what the client has not seen yet of a chunk starting at byte {@code start}. */
  private void forward(long start, Buffer bytes) {
    long end = start + bytes.length();
    if (end <= offset) {
      return;
    }
    Buffer fresh = start < offset ? bytes.getBuffer((int) (offset - start), bytes.length()) : bytes;
    offset = end;
    write(fresh);
  }

  private void write(Buffer bytes) {
    if (pending.isEmpty() && !ws.writeQueueFull()) {
      ws.writeBinaryMessage(bytes);
      return;
    }
    pending.add(bytes);
    pendingBytes += bytes.length();
    if (pendingBytes > MAX_PENDING_BYTES) {
      slow("fell more than " + MAX_PENDING_BYTES / 1024 + " KB behind");
      return;
    }
    if (pendingBytes >= HOLD_BYTES && !holding) {
      hold(true);
    }
    awaitDrain();
  }

  private void awaitDrain() {
    if (!draining) {
      draining = true;
      ws.drainHandler(v -> {
        draining = false;
        progress();
        flush();
      });
    }
    if (stallTimer < 0) {
      stallTimer = vertx.setTimer(STALL_MS, t -> {
        stallTimer = -1;
        if (!closed && !pending.isEmpty()) {
          slow("stopped reading for " + STALL_MS / 1000 + " s");
        }
      });
    }
  }

  /** The browser took some output: it is reading, so the stall clock starts again. */
  private void progress() {
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
    if (holding && System.nanoTime() - holdSentAt >= HOLD_RENEW_MS * 1_000_000L) {
      hold(true);
    }
  }

  private void flush() {
    while (!closed && !pending.isEmpty() && !ws.writeQueueFull()) {
      Buffer b = pending.poll();
      pendingBytes -= b.length();
      ws.writeBinaryMessage(b);
    }
    if (!pending.isEmpty()) {
      awaitDrain();
    } else if (holding) {
      hold(false);
    }
  }

  /** Holds (or lets go of) the session's output at the relay on behalf of this socket. */
  private void hold(boolean on) {
    holding = on;
    holdSentAt = System.nanoTime();
    DeliveryOptions opts = BusIdentity.stamp(new DeliveryOptions(), principal).addHeader(TerminalControl.OP_HEADER, Addresses.SSH_FLOW);
    vertx.eventBus().send(Addresses.SSH_SESSION_CONTROL.format(sid), new FlowHold(holder, on).toJson(), opts);
  }

  private void slow(String what) {
    pending.clear();
    error(ErrorCode.SLOW_CONSUMER, "this browser " + what + " and was disconnected so the terminal can go on: reconnect to reattach (the scrollback is replayed)");
    cleanup();
    ws.close((short) 1013, ErrorCode.SLOW_CONSUMER.wireName());
  }

  private static boolean isClosedEvent(JsonObject event) {
    try {
      return SessionEvent.fromJson(event).isClosed();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Now, when this keystroke frame is one to time; else 0. */
  private long timedNow() {
    if (HopTimes.SAMPLE_EVERY == 0 || --untilTimed > 0) {
      return 0;
    }
    untilTimed = HopTimes.SAMPLE_EVERY;
    return System.nanoTime();
  }

  private void keystrokes(Buffer data, long arrived) {
    if (closed) {
      return;
    }
    if (!attached) {
      // typed before ready: kept in order for the attach, or refused out loud past the bound
      boolean wasRefusing = input.refused();
      if (!input.offer(data) && !wasRefusing) {
        error(ErrorCode.TOO_LARGE, "the terminal is not ready yet and " + InputBuffer.MAX_BYTES / 1024
            + " KB of input are already waiting: input is refused until it is ready");
      }
      return;
    }
    String refusal = writeRefusal();
    if (refusal != null) {
      long now = System.currentTimeMillis();
      if (now - lastRefusal > 1000) {
        lastRefusal = now;
        error(ErrorCode.ACCESS_DENIED, refusal + ": your keystrokes are not sent");
      }
      return;
    }
    sendInput(data, arrived);
  }

  private void sendInput(Buffer data) {
    sendInput(data, 0);
  }

  /** @param arrived when the frame arrived, for a timed keystroke; else 0 */
  private void sendInput(Buffer data, long arrived) {
    DeliveryOptions opts = BusIdentity.stamp(new DeliveryOptions(), principal);
    if (arrived != 0) {
      opts.addHeader(HopTimes.IN_HEADER, Long.toString(arrived));
    }
    vertx.eventBus().send(Addresses.SSH_SESSION_IN.format(sid), data, opts);
  }

  private void control(String text) {
    if (closed) {
      return;
    }
    JsonObject msg;
    try {
      msg = new JsonObject(text);
    } catch (DecodeException e) {
      error(ErrorCode.INVALID_JSON, "text frames carry JSON control messages; send keystrokes as binary frames");
      return;
    }
    switch (String.valueOf(msg.getValue("type"))) {
      case "resize" -> {
        Object cols = msg.getValue("cols");
        Object rows = msg.getValue("rows");
        if (!(cols instanceof Number c) || !(rows instanceof Number r) || c.intValue() < 1 || r.intValue() < 1 || c.intValue() > 1000 || r.intValue() > 1000) {
          error(ErrorCode.INVALID_REQUEST, "resize needs whole numbers cols and rows from 1 to 1000");
          return;
        }
        resizes.resize(c.intValue(), r.intValue());
      }
      case "token" -> auth.renew(msg.getValue("token") instanceof String t ? t : null)
          .onSuccess(p -> {
            principal = p;
            ws.writeTextMessage(new JsonObject().put("type", "token").put("expiresAt", p.expiresAt().toString()).encode());
          })
          .onFailure(err -> error(BusFailures.codeOf(err), err.getMessage()));
      case "input" -> {
        Object data = msg.getValue("data");
        if (data instanceof String s) {
          keystrokes(Buffer.buffer(s), 0);
        }
      }
      default -> error(ErrorCode.INVALID_FRAME, "unknown control message type (resize, input, token)");
    }
  }

  private void error(ErrorCode code, String message) {
    if (!closed) {
      ws.writeTextMessage(new JsonObject().put("type", "error").put("code", code.wireName()).put("message", message).encode());
    }
  }

  private void fail(OpsbusException e) {
    error(e.code(), e.getMessage());
    cleanup();
    ws.close((short) 1008, e.code().wireName());
  }

  /** Leaves the index and tells the relay this socket is gone; safe to call more than once. */
  private void cleanup() {
    auth.stop();
    boolean wasAttached = attached;
    closed = true;
    attached = false;
    index.unsubscribe(outAddress, this);
    index.unsubscribe(eventsAddress, this);
    early.clear();
    pending.clear();
    input.drain();
    pacer.stop();
    resizes.stop();
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
    if (holding) {
      hold(false);
    }
    if (wasAttached) {
      vertx.eventBus().send(Addresses.SSH_DETACH, TerminalRequest.of(sid).toJson(),
          BusIdentity.stamp(new DeliveryOptions(), principal));
    }
  }
}
