package dev.opsbus.ssh.terminal;

import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.ssh.SshRelayConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shared PTY shell on a host, owned by the relay that opened it. All of its state lives on the
 * relay's event loop; sshj is touched only by the session's reader thread (output) and by worker
 * threads (input, resize, close), so the event loop never waits on the network.
 *
 * <p>Output is coalesced and published with its byte offset: output after a quiet spell (no output
 * for {@value #QUIET_MS} ms, as before a keystroke's echo) goes out at once; output that follows
 * closely waits until {@value #FLUSH_DELAY_MS} ms after its first byte or {@value #FLUSH_BYTES}
 * bytes, so a flood is a message per few ms, not one per read; at most {@value #MAX_OUTPUT_IN_FLIGHT}
 * bytes may wait for the event loop, after which the reader thread stops reading and SSH flow
 * control holds the host back. The same happens while a gateway's terminal socket holds the output
 * ({@link Addresses#SSH_FLOW}): a browser that reads slowly paces the shell like a slow line would,
 * instead of piling output up in memory; a hold lapses after {@value #HOLD_LEASE_MS} ms unless renewed.
 * Input is written in arrival order, one write at a time.
 */
final class TerminalSession {

  static final String TERM = "xterm-256color";
  static final int FLUSH_BYTES = 16 * 1024;
  static final long FLUSH_DELAY_MS = 5;
  /** Output arriving after this long without any is published at once (an echo does not wait). */
  static final long QUIET_MS = 2;
  static final int MAX_OUTPUT_IN_FLIGHT = 1024 * 1024;
  static final int MAX_INPUT_PENDING = 256 * 1024;
  static final String OFFSET_HEADER = "off";
  static final String OP_HEADER = "op";
  static final long REFUSAL_EVENT_INTERVAL_NANOS = 1_000_000_000L;
  /** How long a flow hold lasts unless its holder renews it (a gateway that died holds nothing for long). */
  static final long HOLD_LEASE_MS = 15_000;

  enum Status {
    AUTHENTICATING, ACTIVE, IDLE, DISCONNECTED, CLOSED;

    String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A user taking part: their role and how many of their browser sockets are attached now. */
  static final class Participant {
    SessionRole role;
    int attached;

    Participant(SessionRole role) {
      this.role = role;
    }
  }

  /** What the session tells its service: a change to publish, and its end. */
  interface Listener {
    void changed(TerminalSession session);

    void closed(TerminalSession session);
  }

  private static final Logger LOG = LoggerFactory.getLogger(TerminalSession.class);

  private final Vertx vertx;
  private final Context context;
  private final SshRelayConfig config;
  private final Listener listener;
  private final String sid;
  private final String hostId;
  private final String owner;
  private final Instant openedAt = Instant.now();
  private final Map<String, Participant> participants = new LinkedHashMap<>();
  private final Map<String, SessionRole> invites = new LinkedHashMap<>();
  private final Map<String, Long> lastRefusal = new HashMap<>();
  private final Scrollback scrollback;
  private final Semaphore outputInFlight = new Semaphore(MAX_OUTPUT_IN_FLIGHT);
  private final Promise<Void> closedPromise = Promise.promise();
  private final AsciicastRecorder recorder;

  private int cols;
  private int rows;
  private Status status = Status.AUTHENTICATING;
  private String reason;
  private long version;
  private long seq;
  private boolean everAttached;
  private boolean idle;

  private ShellConnection conn;
  private MessageConsumer<Buffer> inConsumer;
  private MessageConsumer<JsonObject> controlConsumer;
  private Buffer pending = Buffer.buffer();
  private long flushTimer = -1;
  private long lastOutputNanos = System.nanoTime() - QUIET_MS * 2_000_000L;
  private long outputOffset;
  private long lastActivityNanos = System.nanoTime();
  private long graceTimer = -1;
  private long idleTimer = -1;
  private Future<Void> writeChain = Future.succeededFuture();
  /** Flow holds by holder (one per gateway terminal socket that fell behind), to the nanoTime they lapse. */
  private final Map<String, Long> holds = new HashMap<>();
  private long holdSweep = -1;
  /** The reader thread waits on this while {@link #held}. */
  private final Object gate = new Object();
  private boolean held;
  private int inputPending;

  TerminalSession(Vertx vertx, Context context, SshRelayConfig config, Listener listener, String sid, String hostId,
      String owner, int cols, int rows) {
    this.vertx = vertx;
    this.context = context;
    this.config = config;
    this.listener = listener;
    this.sid = sid;
    this.hostId = hostId;
    this.owner = owner;
    this.cols = cols;
    this.rows = rows;
    this.scrollback = new Scrollback(config.scrollbackBytes());
    this.recorder = new AsciicastRecorder(vertx, recordingPath(config, sid), sid);
    participants.put(owner, new Participant(SessionRole.DRIVER));
  }

  static String recordingPath(SshRelayConfig config, String sid) {
    return config.dataDir().resolve("recordings").resolve(sid + ".cast").toString();
  }

  String id() {
    return sid;
  }

  String owner() {
    return owner;
  }

  String hostId() {
    return hostId;
  }

  /** Closed, or disconnected by the host: either way over. */
  boolean isClosed() {
    return status == Status.CLOSED || status == Status.DISCONNECTED;
  }

  Future<Void> closedFuture() {
    return closedPromise.future();
  }

  String recordingFile() {
    return recorder.path();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Takes over an open shell: registers the per-session addresses (cluster-wide), opens the
   * recording, starts the reader thread and the timers. Completes once every other node can reach it.
   */
  Future<Void> start(ShellConnection connection) {
    this.conn = connection;
    inConsumer = vertx.eventBus().consumer(Addresses.SSH_SESSION_IN.format(sid), this::onInput);
    controlConsumer = vertx.eventBus().consumer(Addresses.SSH_SESSION_CONTROL.format(sid), this::onControl);
    return Future.all(inConsumer.completion(), controlConsumer.completion(), recorder.open(cols, rows, owner + "@" + hostId))
        .<Void>mapEmpty()
        .onSuccess(v -> {
          status = Status.ACTIVE;
          Thread reader = new Thread(this::readLoop, "ssh-terminal-" + sid.substring(0, 8));
          reader.setDaemon(true);
          reader.start();
          startGrace();
          scheduleIdleCheck(idleThreshold());
          event("joined", owner, SessionRole.DRIVER, null);
          listener.changed(this);
          LOG.info("terminal {} of {} on host {} open on node {} ({}x{})", sid, owner, hostId, config.nodeId(), cols, rows);
        })
        .onFailure(e -> {
          inConsumer.unregister();
          controlConsumer.unregister();
          recorder.close();
        });
  }

  /** The shell could not be opened: the session ends before it began. */
  void failedToOpen(String why) {
    status = Status.CLOSED;
    reason = why;
    closedPromise.tryComplete();
    listener.changed(this);
  }

  /** Ends the session (idempotent): every participant gets a "closed" event with the reason. */
  Future<Void> close(String why) {
    return close(why, false);
  }

  /**
   * @param hostEnded the shell exited or the connection dropped: the final status is
   *     {@code disconnected} rather than {@code closed}
   */
  Future<Void> close(String why, boolean hostEnded) {
    if (isClosed()) {
      return closedPromise.future();
    }
    flush();
    status = hostEnded ? Status.DISCONNECTED : Status.CLOSED;
    reason = why;
    cancelTimer(graceTimer);
    cancelTimer(idleTimer);
    cancelTimer(flushTimer);
    cancelTimer(holdSweep);
    graceTimer = idleTimer = flushTimer = holdSweep = -1;
    holds.clear();
    setHeld(false);
    if (inConsumer != null) {
      inConsumer.unregister();
    }
    event("closed", null, null, why);
    listener.changed(this);
    listener.closed(this);
    LOG.info("terminal {} of {} on host {} closed on node {}: {}", sid, owner, hostId, config.nodeId(), why);
    ShellConnection c = conn;
    // not queued behind pending input: a write stuck on a full SSH window ends when the connection does
    Future<Void> disconnect = c == null ? Future.succeededFuture()
        : vertx.executeBlocking(() -> {
          c.closeQuietly();
          return null;
        }, false);
    Future.join(recorder.close(), disconnect).onComplete(ar -> closedPromise.tryComplete());
    return closedPromise.future();
  }

  /** Drops the cluster-wide control address; the session is forgotten by this relay after that. */
  Future<Void> forget() {
    return controlConsumer == null ? Future.succeededFuture() : controlConsumer.unregister();
  }

  // ---------------------------------------------------------------- output

  private void readLoop() {
    InputStream in = conn.shell().getInputStream();
    byte[] buf = new byte[FLUSH_BYTES];
    String end;
    try {
      while (true) {
        if (!awaitUnheld()) {
          end = "the terminal's reader was interrupted";
          break;
        }
        int n = in.read(buf);
        if (n < 0) {
          end = "the shell exited";
          break;
        }
        if (n == 0) {
          continue;
        }
        byte[] chunk = Arrays.copyOf(buf, n);
        outputInFlight.acquireUninterruptibly(n);
        context.runOnContext(v -> onOutput(chunk));
      }
    } catch (IOException e) {
      end = "the connection to host '" + hostId + "' was lost: " + e.getMessage();
    }
    String why = end;
    context.runOnContext(v -> close(why, true));
  }

  private void onOutput(byte[] chunk) {
    if (isClosed()) {
      outputInFlight.release(chunk.length);
      return;
    }
    pending.appendBytes(chunk);
    activity();
    long now = System.nanoTime();
    boolean quiet = now - lastOutputNanos >= QUIET_MS * 1_000_000L;
    lastOutputNanos = now;
    if (pending.length() >= FLUSH_BYTES || (quiet && pending.length() == chunk.length)) {
      // a full chunk, or the first output after a quiet spell (an echo): no reason to wait
      flush();
    } else if (flushTimer < 0) {
      flushTimer = vertx.setTimer(FLUSH_DELAY_MS, t -> {
        flushTimer = -1;
        flush();
      });
    }
  }

  private void flush() {
    if (flushTimer >= 0) {
      vertx.cancelTimer(flushTimer);
      flushTimer = -1;
    }
    if (pending.length() == 0) {
      return;
    }
    Buffer chunk = pending;
    pending = Buffer.buffer();
    byte[] bytes = chunk.getBytes();
    long off = outputOffset;
    outputOffset += bytes.length;
    scrollback.append(bytes);
    recorder.output(bytes);
    vertx.eventBus().publish(Addresses.SSH_SESSION_OUT.format(sid), chunk,
        new DeliveryOptions().addHeader(OFFSET_HEADER, Long.toString(off)));
    outputInFlight.release(bytes.length);
  }

  // ---------------------------------------------------------------- input

  private void onInput(Message<Buffer> msg) {
    String user = msg.headers().get(BusIdentity.USER);
    if (isClosed()) {
      failIfAsked(msg, ErrorCode.SESSION_CLOSED, "terminal " + sid + " is closed: " + reason);
      return;
    }
    Participant p = user == null ? null : participants.get(user);
    if (p == null || !p.role.mayType()) {
      long now = System.nanoTime();
      Long last = lastRefusal.get(String.valueOf(user));
      if (last == null || now - last >= REFUSAL_EVENT_INTERVAL_NANOS) {
        // one event per user per second: a viewer typing a sentence is one refusal, not forty
        lastRefusal.put(String.valueOf(user), now);
        event("input_refused", user, p == null ? null : p.role, null);
        LOG.info("terminal {}: keystrokes of {} ({}) refused", sid, user, p == null ? "not a participant" : p.role.wireName());
      }
      failIfAsked(msg, ErrorCode.ACCESS_DENIED, "user '" + user + "' is "
          + (p == null ? "not a participant" : "a viewer") + " of terminal " + sid + " and may not type");
      return;
    }
    Buffer body = msg.body();
    if (body == null || body.length() == 0) {
      replyIfAsked(msg);
      return;
    }
    if (inputPending + body.length() > MAX_INPUT_PENDING) {
      failIfAsked(msg, ErrorCode.RATE_LIMITED, "terminal " + sid + " has more than " + MAX_INPUT_PENDING
          + " bytes of input waiting for the host; try again");
      return;
    }
    byte[] bytes = body.getBytes();
    if (config.recordInput()) {
      recorder.input(bytes);
    }
    activity();
    inputPending += bytes.length;
    OutputStream out = conn.shell().getOutputStream();
    Future<Void> w = enqueue(() -> {
      out.write(bytes);
      out.flush();
    });
    w.onComplete(ar -> {
      inputPending -= bytes.length;
      if (ar.succeeded()) {
        replyIfAsked(msg);
      } else {
        failIfAsked(msg, ErrorCode.SESSION_CLOSED, "terminal " + sid + " did not take the input: " + ar.cause().getMessage());
      }
    });
  }

  /** Work on the shell, run on a worker thread after every earlier piece of work of this session. */
  private Future<Void> enqueue(BlockingAction action) {
    Future<Void> next = writeChain.transform(ignored -> vertx.executeBlocking(() -> {
      action.run();
      return null;
    }, false));
    writeChain = next.transform(ignored -> Future.succeededFuture());
    return next;
  }

  private interface BlockingAction {
    void run() throws IOException;
  }

  // ---------------------------------------------------------------- control

  private void onControl(Message<JsonObject> msg) {
    handle(msg.headers().get(OP_HEADER), msg);
  }

  /** Serves one request forwarded from {@code ssh.join}, {@code ssh.attach} ...; {@code op} names which. */
  void handle(String op, Message<JsonObject> msg) {
    Principal caller = BusIdentity.of(msg.headers());
    if (caller == null) {
      failIfAsked(msg, ErrorCode.ACCESS_DENIED, "no user on the request");
      return;
    }
    JsonObject body = msg.body() == null ? new JsonObject() : msg.body();
    try {
      switch (op == null ? "" : op) {
        case Addresses.SSH_JOIN -> join(msg, caller, body);
        case Addresses.SSH_ATTACH -> attach(msg, caller);
        case Addresses.SSH_DETACH -> detach(msg, caller, body);
        case Addresses.SSH_RESIZE -> resize(msg, caller, body);
        case Addresses.SSH_INVITE -> invite(msg, caller, body);
        case Addresses.SSH_CLOSE -> closeBy(msg, caller);
        case Addresses.SSH_RECORDING -> recording(msg, caller);
        case Addresses.SSH_FLOW -> flow(msg, caller, body);
        default -> failIfAsked(msg, ErrorCode.INVALID_REQUEST, "unknown terminal operation '" + op + "'");
      }
    } catch (OpsbusException e) {
      failIfAsked(msg, e.code(), e.getMessage());
    }
  }

  private void join(Message<JsonObject> msg, Principal caller, JsonObject body) {
    requireOpen();
    String user = caller.username();
    String mode = body.getString("mode", "view");
    SessionRole wanted = SessionRole.fromMode(mode);
    if (wanted == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "mode must be 'write' or 'view', not '" + mode + "'");
    }
    Participant existing = participants.get(user);
    SessionRole role;
    if (user.equals(owner)) {
      role = SessionRole.DRIVER;
    } else if (caller.hasRole(Role.ADMIN)) {
      role = wanted;
    } else if (invites.containsKey(user)) {
      role = atMost(wanted, invites.get(user));
    } else if (existing != null) {
      role = atMost(wanted, existing.role);
    } else if (caller.mayAccessHost(hostId)) {
      role = SessionRole.VIEWER;
    } else {
      throw new OpsbusException(ErrorCode.ACCESS_DENIED, "user '" + user + "' is neither invited to terminal " + sid
          + " nor granted host '" + hostId + "'");
    }
    if (existing == null) {
      participants.put(user, new Participant(role));
      event("joined", user, role, null);
      listener.changed(this);
    } else if (existing.role != role) {
      existing.role = role;
      event("joined", user, role, null);
      listener.changed(this);
    }
    msg.reply(new JsonObject().put("sessionId", sid).put("role", role.wireName()));
  }

  private static SessionRole atMost(SessionRole wanted, SessionRole limit) {
    return wanted == SessionRole.WRITER && limit != SessionRole.VIEWER ? SessionRole.WRITER : SessionRole.VIEWER;
  }

  private void attach(Message<JsonObject> msg, Principal caller) {
    requireOpen();
    Participant p = participant(caller);
    p.attached++;
    everAttached = true;
    cancelTimer(graceTimer);
    graceTimer = -1;
    event("attached", caller.username(), p.role, null);
    refreshStatus(true);
    msg.reply(new JsonObject().put("sessionId", sid).put("hostId", hostId).put("role", p.role.wireName())
        .put("cols", cols).put("rows", rows).put("status", status.wireName())
        .put("scrollback", Base64.getEncoder().encodeToString(scrollback.snapshot()))
        .put("offset", outputOffset));
  }

  private void detach(Message<JsonObject> msg, Principal caller, JsonObject body) {
    requireOpen();
    Participant p = participants.get(caller.username());
    if (p == null) {
      replyIfAsked(msg);
      return;
    }
    if (p.attached > 0) {
      p.attached--;
      event("detached", caller.username(), p.role, null);
    }
    if (Boolean.TRUE.equals(body.getBoolean("leave")) && !caller.username().equals(owner) && p.attached == 0) {
      participants.remove(caller.username());
      event("left", caller.username(), p.role, null);
    }
    if (totalAttached() == 0) {
      startGrace();
    }
    refreshStatus(true);
    replyIfAsked(msg);
  }

  private void resize(Message<JsonObject> msg, Principal caller, JsonObject body) {
    requireOpen();
    Participant p = participants.get(caller.username());
    if (p == null || p.role != SessionRole.DRIVER) {
      throw new OpsbusException(ErrorCode.ACCESS_DENIED, "only the driver of terminal " + sid + " (" + owner + ") may resize it");
    }
    int c = dimension(body, "cols");
    int r = dimension(body, "rows");
    ShellConnection shell = conn;
    enqueue(() -> shell.shell().changeWindowDimensions(c, r, 0, 0)).onComplete(ar -> {
      if (ar.failed()) {
        failIfAsked(msg, ErrorCode.SESSION_CLOSED, "terminal " + sid + " could not be resized: " + ar.cause().getMessage());
        return;
      }
      if (isClosed()) {
        failIfAsked(msg, ErrorCode.SESSION_CLOSED, "terminal " + sid + " is closed: " + reason);
        return;
      }
      cols = c;
      rows = r;
      recorder.resize(c, r);
      event("resized", caller.username(), p.role, null);
      listener.changed(this);
      msg.reply(new JsonObject().put("sessionId", sid).put("cols", c).put("rows", r));
    });
  }

  private void invite(Message<JsonObject> msg, Principal caller, JsonObject body) {
    requireOpen();
    Participant p = participants.get(caller.username());
    boolean allowed = caller.hasRole(Role.ADMIN) || (p != null && p.role.mayType());
    if (!allowed) {
      throw new OpsbusException(ErrorCode.ACCESS_DENIED, "only the driver, a writer or an admin may invite to terminal " + sid);
    }
    String user = body.getString("username");
    String mode = body.getString("mode", "view");
    SessionRole role = SessionRole.fromMode(mode);
    if (user == null || user.isBlank() || role == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "an invitation needs a username and a mode ('write' or 'view')");
    }
    invites.put(user, role);
    JsonObject ev = eventBody("invited", user, role, null).put("by", caller.username());
    publishEvent(ev);
    msg.reply(new JsonObject().put("sessionId", sid).put("username", user).put("role", role.wireName()));
  }

  private void closeBy(Message<JsonObject> msg, Principal caller) {
    if (isClosed()) {
      msg.reply(new JsonObject().put("sessionId", sid).put("status", status.wireName()).put("reason", reason));
      return;
    }
    if (!caller.username().equals(owner) && !caller.hasRole(Role.ADMIN)) {
      throw new OpsbusException(ErrorCode.ACCESS_DENIED, "only the driver of terminal " + sid + " (" + owner + ") or an admin may close it");
    }
    String why = caller.username().equals(owner) ? "closed by its driver " + owner : "closed by admin " + caller.username();
    close(why);
    msg.reply(new JsonObject().put("sessionId", sid).put("status", Status.CLOSED.wireName()).put("reason", why));
  }

  /** A participant's socket fell behind (hold) or caught up (release): the reader stops while any hold is in force. */
  private void flow(Message<JsonObject> msg, Principal caller, JsonObject body) {
    if (isClosed()) {
      replyIfAsked(msg);
      return;
    }
    if (!participants.containsKey(caller.username())) {
      throw new OpsbusException(ErrorCode.ACCESS_DENIED, "user '" + caller.username() + "' is not a participant of terminal " + sid);
    }
    Object holder = body.getValue("holder");
    Object hold = body.getValue("hold");
    if (!(holder instanceof String h) || h.isBlank() || h.length() > 100 || !(hold instanceof Boolean on)) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "a flow message needs a holder (string) and hold (true or false)");
    }
    if (on) {
      holds.put(h, System.nanoTime() + HOLD_LEASE_MS * 1_000_000L);
      if (holdSweep < 0) {
        holdSweep = vertx.setPeriodic(1000, t -> sweepHolds());
      }
    } else {
      holds.remove(h);
    }
    setHeld(!holds.isEmpty());
    replyIfAsked(msg);
  }

  private void sweepHolds() {
    long now = System.nanoTime();
    holds.values().removeIf(lapse -> now - lapse >= 0);
    if (holds.isEmpty()) {
      cancelTimer(holdSweep);
      holdSweep = -1;
    }
    setHeld(!holds.isEmpty());
  }

  private void setHeld(boolean on) {
    synchronized (gate) {
      if (held != on) {
        held = on;
        LOG.debug("terminal {}: output {}", sid, on ? "held by a slow reader" : "released");
        gate.notifyAll();
      }
    }
  }

  /** Reader thread: returns once no hold is in force (false if interrupted). */
  private boolean awaitUnheld() {
    synchronized (gate) {
      while (held) {
        try {
          gate.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }

  private void recording(Message<JsonObject> msg, Principal caller) {
    if (!caller.hasRole(Role.ADMIN)) {
      throw new OpsbusException(ErrorCode.ACCESS_DENIED, "only an admin may fetch the recording of terminal " + sid);
    }
    recorder.flush()
        .compose(v -> vertx.fileSystem().readFile(recorder.path()))
        .onSuccess(b -> msg.reply(b.toString(StandardCharsets.UTF_8)))
        .onFailure(e -> failIfAsked(msg, ErrorCode.NOT_FOUND, "the recording of terminal " + sid + " cannot be read: " + e.getMessage()));
  }

  private void requireOpen() {
    if (isClosed()) {
      throw new OpsbusException(ErrorCode.SESSION_CLOSED, "terminal " + sid + " is closed: " + reason);
    }
    if (status == Status.AUTHENTICATING) {
      throw new OpsbusException(ErrorCode.UNAVAILABLE, "terminal " + sid + " is still connecting");
    }
  }

  private Participant participant(Principal caller) {
    Participant p = participants.get(caller.username());
    if (p == null) {
      throw new OpsbusException(ErrorCode.ACCESS_DENIED, "user '" + caller.username() + "' has not joined terminal " + sid);
    }
    return p;
  }

  private static int dimension(JsonObject body, String name) {
    Object v = body.getValue(name);
    if (!(v instanceof Number n) || n.intValue() < 1 || n.intValue() > 1000) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, name + " must be a number from 1 to 1000");
    }
    return n.intValue();
  }

  // ---------------------------------------------------------------- timers and status

  private int totalAttached() {
    int n = 0;
    for (Participant p : participants.values()) {
      n += p.attached;
    }
    return n;
  }

  private void startGrace() {
    if (graceTimer >= 0 || isClosed()) {
      return;
    }
    Duration grace = config.reattachGrace();
    graceTimer = vertx.setTimer(Math.max(1, grace.toMillis()), t -> {
      graceTimer = -1;
      if (totalAttached() == 0) {
        close("no browser attached for " + seconds(grace) + " s");
      }
    });
  }

  private long idleThreshold() {
    return Math.max(1, config.idleTimeout().toMillis() / 2);
  }

  private void scheduleIdleCheck(long delayMs) {
    idleTimer = vertx.setTimer(Math.max(1, delayMs), t -> {
      idleTimer = -1;
      if (isClosed()) {
        return;
      }
      long quietMs = (System.nanoTime() - lastActivityNanos) / 1_000_000;
      long timeout = config.idleTimeout().toMillis();
      if (quietMs >= timeout) {
        close("idle for " + seconds(config.idleTimeout()) + " s (no input, no output)");
        return;
      }
      if (quietMs >= idleThreshold() && !idle) {
        idle = true;
        refreshStatus(false);
      }
      scheduleIdleCheck(idle ? timeout - quietMs : idleThreshold() - quietMs);
    });
  }

  private void activity() {
    lastActivityNanos = System.nanoTime();
    if (idle) {
      idle = false;
      refreshStatus(false);
    }
  }

  /** Recomputes the status; publishes the snapshot when it or (if {@code participantsChanged}) the participants changed. */
  private void refreshStatus(boolean participantsChanged) {
    if (isClosed() || status == Status.AUTHENTICATING) {
      return;
    }
    Status next = idle || everAttached && totalAttached() == 0 ? Status.IDLE : Status.ACTIVE;
    if (next != status || participantsChanged) {
      status = next;
      listener.changed(this);
    }
  }

  private void cancelTimer(long id) {
    if (id >= 0) {
      vertx.cancelTimer(id);
    }
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0);
  }

  // ---------------------------------------------------------------- what goes out

  /** The {@code ssh.sessions} entry for this session; {@code version} grows with every change. */
  JsonObject snapshot() {
    version++;
    return view();
  }

  /** The same entry without counting a change, for {@code ssh.list}. */
  JsonObject view() {
    JsonArray ps = new JsonArray();
    participants.forEach((user, p) -> ps.add(new JsonObject().put("username", user).put("role", p.role.wireName()).put("attached", p.attached)));
    JsonObject j = new JsonObject().put("type", "ssh_session").put("ts", Instant.now().toString()).put("version", version)
        .put("sessionId", sid).put("hostId", hostId).put("owner", owner).put("node", config.nodeId())
        .put("status", status.wireName()).put("cols", cols).put("rows", rows).put("participants", ps)
        .put("openedAt", openedAt.toString());
    if (reason != null) {
      j.put("reason", reason);
    }
    return j;
  }

  private void event(String type, String user, SessionRole role, String why) {
    publishEvent(eventBody(type, user, role, why));
  }

  private JsonObject eventBody(String type, String user, SessionRole role, String why) {
    JsonObject j = new JsonObject().put("type", type).put("ts", Instant.now().toString()).put("sessionId", sid).put("seq", ++seq);
    if (user != null) {
      j.put("username", user);
    }
    if (role != null) {
      j.put("role", role.wireName());
    }
    j.put("cols", cols).put("rows", rows);
    if (why != null) {
      j.put("reason", why);
    }
    return j;
  }

  private void publishEvent(JsonObject event) {
    vertx.eventBus().publish(Addresses.SSH_SESSION_EVENTS.format(sid), event);
  }

  static void replyIfAsked(Message<?> msg) {
    if (msg.replyAddress() != null) {
      msg.reply(new JsonObject().put("ok", true));
    }
  }

  static void failIfAsked(Message<?> msg, ErrorCode code, String text) {
    if (msg.replyAddress() != null) {
      msg.fail(code.failureCode(), text);
    }
  }
}
