package dev.opsbus.ssh.terminal;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.debug.HopTimes;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.wire.FlowHold;
import dev.opsbus.model.wire.SessionEvent;
import dev.opsbus.model.wire.SessionGrant;
import dev.opsbus.model.wire.SessionSnapshot;
import dev.opsbus.model.wire.SessionStatus;
import dev.opsbus.model.wire.TerminalAttached;
import dev.opsbus.model.wire.TerminalControl;
import dev.opsbus.model.wire.TerminalInput;
import dev.opsbus.model.wire.TerminalRequest;
import dev.opsbus.ssh.RelayThreads;
import dev.opsbus.ssh.SshRelayConfig;
import dev.opsbus.ssh.WireBodies;
import dev.opsbus.ssh.recording.RecordingStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shared PTY shell on a host, owned by the relay that opened it: its life (open, grace after
 * the last browser left, idle timeout, close), its recording, and what it publishes
 * ({@code ssh.sessions} through its {@link Listener}, {@code ssh.session.<sid>.events}). Who may
 * do what is its {@link ParticipantPolicy}; output goes through its {@link OutputPump}; keystrokes
 * and window sizes through {@link ShellWrites}. All of its state lives on the relay's event loop;
 * sshj is touched only by relay and worker threads, so the event loop never waits on the network.
 */
final class TerminalSession implements OutputPump.Sink {

  static final String TERM = "xterm-256color";
  static final long REFUSAL_EVENT_INTERVAL_NANOS = 1_000_000_000L;

  /** What the session tells its service: a change to publish, and its end. */
  interface Listener {
    void changed(TerminalSession session);

    void closed(TerminalSession session);
  }

  private static final Logger LOG = LoggerFactory.getLogger(TerminalSession.class);

  private final Vertx vertx;
  private final SshRelayConfig config;
  private final Listener listener;
  private final String sid;
  private final String hostId;
  private final String owner;
  private final Instant openedAt = Instant.now();
  private final ParticipantPolicy policy;
  private final OutputPump pump;
  /** A timed keystroke waiting for its echo (see {@link HopProbe}). */
  private final HopProbe.Slot probes = new HopProbe.Slot();
  private final RecordingStore recordings;
  private final AsciicastRecorder recorder;
  private final Map<String, Long> lastRefusal = new HashMap<>();
  private final Promise<Void> closedPromise = Promise.promise();

  private int cols;
  private int rows;
  private SessionStatus status = SessionStatus.AUTHENTICATING;
  private String reason;
  private long version;
  private long seq;
  private boolean everAttached;
  private boolean idle;

  private ShellConnection conn;
  private ShellWrites writes;
  private MessageConsumer<Object> inConsumer;
  private MessageConsumer<JsonObject> controlConsumer;
  private long lastActivityNanos = System.nanoTime();
  private long graceTimer = -1;
  private long idleTimer = -1;

  TerminalSession(Vertx vertx, Context context, SshRelayConfig config, RelayThreads threads, RecordingStore recordings,
      Listener listener, String sid, String hostId, String owner, int cols, int rows) {
    this.vertx = vertx;
    this.config = config;
    this.listener = listener;
    this.sid = sid;
    this.hostId = hostId;
    this.owner = owner;
    this.cols = cols;
    this.rows = rows;
    this.policy = new ParticipantPolicy(sid, hostId, owner);
    this.pump = new OutputPump(vertx, context, threads, sid, hostId, config.scrollbackBytes(), this, probes);
    this.recordings = recordings;
    this.recorder = new AsciicastRecorder(vertx, recordings, config.recordings(), sid, hostId, owner, config.nodeId());
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
    return status.ended();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Takes over an open shell: registers the per-session addresses (cluster-wide), opens the
   * recording, starts reading the shell and the timers. Completes once every other node can reach it.
   */
  Future<Void> start(ShellConnection connection) {
    this.conn = connection;
    this.writes = new ShellWrites(vertx, connection, sid, probes);
    inConsumer = vertx.eventBus().consumer(Addresses.SSH_SESSION_IN.format(sid), this::onInput);
    controlConsumer = vertx.eventBus().consumer(Addresses.SSH_SESSION_CONTROL.format(sid),
        msg -> handle(msg.headers().get(TerminalControl.OP_HEADER), msg));
    return Future.all(inConsumer.completion(), controlConsumer.completion(), recorder.open(cols, rows, owner + "@" + hostId))
        .<Void>mapEmpty()
        .compose(v -> {
          pump.start(connection.shell().getInputStream());
          return Future.<Void>succeededFuture();
        })
        .onSuccess(v -> {
          status = SessionStatus.ACTIVE;
          startGrace();
          scheduleIdleCheck(idleThreshold());
          event(SessionEvent.JOINED, owner, SessionRole.DRIVER, null);
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
    status = SessionStatus.CLOSED;
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
    pump.stop();
    status = hostEnded ? SessionStatus.DISCONNECTED : SessionStatus.CLOSED;
    reason = why;
    cancelTimer(graceTimer);
    cancelTimer(idleTimer);
    graceTimer = idleTimer = -1;
    if (inConsumer != null) {
      inConsumer.unregister();
    }
    event(SessionEvent.CLOSED, null, null, why);
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

  // ---------------------------------------------------------------- what the output pump reports

  @Override
  public void published(byte[] bytes) {
    recorder.output(bytes);
  }

  @Override
  public void activity() {
    lastActivityNanos = System.nanoTime();
    if (idle) {
      idle = false;
      refreshStatus(false);
    }
  }

  @Override
  public void ended(String why) {
    close(why, true);
  }

  // ---------------------------------------------------------------- keystrokes

  private void onInput(Message<Object> msg) {
    Principal caller = BusIdentity.of(msg.headers());
    String user = caller == null ? null : caller.username();
    if (isClosed()) {
      BusFailures.fail(msg, ErrorCode.SESSION_CLOSED, "terminal " + sid + " is closed: " + reason);
      return;
    }
    try {
      policy.checkType(caller);
    } catch (OpsbusException refused) {
      long now = System.nanoTime();
      Long last = lastRefusal.get(String.valueOf(user));
      if (last == null || now - last >= REFUSAL_EVENT_INTERVAL_NANOS) {
        // one event per user per second: a viewer typing a sentence is one refusal, not forty
        lastRefusal.put(String.valueOf(user), now);
        SessionRole role = policy.roleOf(user);
        event(SessionEvent.INPUT_REFUSED, user, role, null);
        LOG.info("terminal {}: keystrokes of {} ({}) refused", sid, user, role == null ? "not a participant" : role.wireName());
      }
      BusFailures.fail(msg, refused.code(), refused.getMessage());
      return;
    }
    byte[] bytes;
    try {
      // bytes from a terminal socket; a string or a TerminalInput from a bridge client
      bytes = TerminalInput.bytesOf(msg.body());
    } catch (OpsbusException bad) {
      BusFailures.fail(msg, bad.code(), bad.getMessage());
      return;
    }
    if (bytes.length == 0) {
      replyOk(msg);
      return;
    }
    HopProbe probe = HopProbe.of(msg.headers().get(HopTimes.IN_HEADER));
    Future<Void> written;
    try {
      written = writes.input(bytes, probe);
    } catch (OpsbusException full) {
      BusFailures.fail(msg, full.code(), full.getMessage());
      return;
    }
    if (config.recordInput()) {
      recorder.input(bytes);
    }
    activity();
    written.onComplete(ar -> {
      if (ar.succeeded()) {
        replyOk(msg);
      } else {
        BusFailures.fail(msg, ErrorCode.SESSION_CLOSED, "terminal " + sid + " did not take the input: " + ar.cause().getMessage());
      }
    });
  }

  // ---------------------------------------------------------------- control

  /** Serves one request forwarded from {@code ssh.join}, {@code ssh.attach} ...; {@code op} names which. */
  void handle(String op, Message<JsonObject> msg) {
    Principal caller = BusIdentity.of(msg.headers());
    if (caller == null) {
      BusFailures.fail(msg, ErrorCode.ACCESS_DENIED, "no user on the request");
      return;
    }
    try {
      switch (op == null ? "" : op) {
        case Addresses.SSH_JOIN -> join(msg, caller, request(op, msg));
        case Addresses.SSH_ATTACH -> attach(msg, caller);
        case Addresses.SSH_DETACH -> detach(msg, caller, request(op, msg));
        case Addresses.SSH_RESIZE -> resize(msg, caller, request(op, msg));
        case Addresses.SSH_INVITE -> invite(msg, caller, request(op, msg));
        case Addresses.SSH_CLOSE -> closeBy(msg, caller);
        case Addresses.SSH_RECORDING -> recording(msg, caller);
        case Addresses.SSH_FLOW -> flow(msg, caller);
        default -> BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "unknown terminal operation '" + op + "'");
      }
    } catch (OpsbusException e) {
      BusFailures.fail(msg, e.code(), e.getMessage());
    }
  }

  private static TerminalRequest request(String op, Message<JsonObject> msg) {
    return WireBodies.read(msg.body(), TerminalRequest::fromJson, op + " request");
  }

  private void join(Message<JsonObject> msg, Principal caller, TerminalRequest req) {
    requireOpen();
    ParticipantPolicy.Joined joined = policy.join(caller, req.mode());
    if (joined.changed()) {
      event(SessionEvent.JOINED, caller.username(), joined.role(), null);
      listener.changed(this);
    }
    if (TerminalRequest.WRITE.equals(req.mode()) && joined.role() == SessionRole.VIEWER) {
      // asked to write, may only watch: the driver and writers hear it and may invite
      event(SessionEvent.WRITE_REQUESTED, caller.username(), joined.role(), null);
    }
    msg.reply(new SessionGrant(sid, caller.username(), joined.role().wireName()).toJson());
  }

  private void attach(Message<JsonObject> msg, Principal caller) {
    requireOpen();
    SessionRole role = policy.attach(caller);
    everAttached = true;
    cancelTimer(graceTimer);
    graceTimer = -1;
    event(SessionEvent.ATTACHED, caller.username(), role, null);
    refreshStatus(true);
    msg.reply(new TerminalAttached(sid, hostId, role.wireName(), cols, rows, status,
        Base64.getEncoder().encodeToString(pump.scrollback()), pump.offset()).toJson());
  }

  private void detach(Message<JsonObject> msg, Principal caller, TerminalRequest req) {
    requireOpen();
    ParticipantPolicy.Detached d = policy.detach(caller.username(), Boolean.TRUE.equals(req.leave()));
    if (d == null) {
      replyOk(msg);
      return;
    }
    if (d.detached()) {
      event(SessionEvent.DETACHED, caller.username(), d.role(), null);
    }
    if (d.left()) {
      event(SessionEvent.LEFT, caller.username(), d.role(), null);
    }
    if (policy.attached() == 0) {
      startGrace();
    }
    refreshStatus(true);
    replyOk(msg);
  }

  private void resize(Message<JsonObject> msg, Principal caller, TerminalRequest req) {
    requireOpen();
    SessionRole role = policy.checkResize(caller);
    int c = dimension(req.cols(), "cols");
    int r = dimension(req.rows(), "rows");
    writes.resize(c, r).onComplete(ar -> {
      if (ar.failed()) {
        BusFailures.fail(msg, ErrorCode.SESSION_CLOSED, "terminal " + sid + " could not be resized: " + ar.cause().getMessage());
        return;
      }
      if (isClosed()) {
        BusFailures.fail(msg, ErrorCode.SESSION_CLOSED, "terminal " + sid + " is closed: " + reason);
        return;
      }
      cols = c;
      rows = r;
      recorder.resize(c, r);
      event(SessionEvent.RESIZED, caller.username(), role, null);
      listener.changed(this);
      msg.reply(view().toJson());
    });
  }

  private void invite(Message<JsonObject> msg, Principal caller, TerminalRequest req) {
    requireOpen();
    SessionRole role = policy.invite(caller, req.username(), req.mode());
    publishEvent(eventOf(SessionEvent.INVITED, req.username(), role, null, caller.username()));
    msg.reply(new SessionGrant(sid, req.username(), role.wireName()).toJson());
  }

  private void closeBy(Message<JsonObject> msg, Principal caller) {
    if (!isClosed()) {
      close(policy.checkClose(caller));
    }
    msg.reply(view().toJson());
  }

  /** A participant's socket fell behind (hold) or caught up (release): the reader stops while any hold is in force. */
  private void flow(Message<JsonObject> msg, Principal caller) {
    if (isClosed()) {
      replyOk(msg);
      return;
    }
    policy.checkHold(caller);
    FlowHold hold = WireBodies.read(msg.body(), FlowHold::fromJson, Addresses.SSH_FLOW + " message");
    if (!hold.isValid()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "a flow message needs a holder (string) and hold (true or false)");
    }
    pump.hold(hold.holder(), hold.hold());
    replyOk(msg);
  }

  private void recording(Message<JsonObject> msg, Principal caller) {
    policy.checkRecording(caller);
    recorder.flush()
        .compose(v -> recordings.readAll(sid))
        .onSuccess(msg::reply)
        .onFailure(e -> BusFailures.fail(msg, ErrorCode.NOT_FOUND, "the recording of terminal " + sid + " cannot be read: " + e.getMessage()));
  }

  private void requireOpen() {
    if (isClosed()) {
      throw new OpsbusException(ErrorCode.SESSION_CLOSED, "terminal " + sid + " is closed: " + reason);
    }
    if (status == SessionStatus.AUTHENTICATING) {
      throw new OpsbusException(ErrorCode.UNAVAILABLE, "terminal " + sid + " is still connecting");
    }
  }

  private static int dimension(Integer value, String name) {
    if (value == null || value < 1 || value > 1000) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, name + " must be a number from 1 to 1000");
    }
    return value;
  }

  private static void replyOk(Message<?> msg) {
    if (msg.replyAddress() != null) {
      msg.reply(TerminalControl.ok());
    }
  }

  // ---------------------------------------------------------------- timers and status

  private void startGrace() {
    if (graceTimer >= 0 || isClosed()) {
      return;
    }
    Duration grace = config.reattachGrace();
    graceTimer = vertx.setTimer(Math.max(1, grace.toMillis()), t -> {
      graceTimer = -1;
      if (policy.attached() == 0) {
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

  /** Recomputes the status; publishes the snapshot when it or (if {@code participantsChanged}) the participants changed. */
  private void refreshStatus(boolean participantsChanged) {
    if (isClosed() || status == SessionStatus.AUTHENTICATING) {
      return;
    }
    SessionStatus next = idle || everAttached && policy.attached() == 0 ? SessionStatus.IDLE : SessionStatus.ACTIVE;
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
  SessionSnapshot snapshot() {
    version++;
    return view();
  }

  /** The same entry without counting a change, for {@code ssh.list} and the answers to open, resize and close. */
  SessionSnapshot view() {
    Instant now = Instant.now();
    Instant lastActivity = now.minusNanos(Math.max(0, System.nanoTime() - lastActivityNanos));
    return new SessionSnapshot(SessionSnapshot.TYPE, now, version, sid, hostId, owner, config.nodeId(), status, cols,
        rows, policy.participants(), openedAt, reason, lastActivity);
  }

  private void event(String type, String user, SessionRole role, String why) {
    publishEvent(eventOf(type, user, role, why, null));
  }

  private SessionEvent eventOf(String type, String user, SessionRole role, String why, String by) {
    return new SessionEvent(type, Instant.now(), sid, ++seq, user, role == null ? null : role.wireName(), cols, rows, why, by);
  }

  private void publishEvent(SessionEvent event) {
    vertx.eventBus().publish(Addresses.SSH_SESSION_EVENTS.format(sid), event.toJson());
  }
}
