package dev.opsbus.ssh.terminal;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.event.ActivityEvent;
import dev.opsbus.model.wire.SessionSnapshot;
import dev.opsbus.model.wire.TerminalControl;
import dev.opsbus.model.wire.TerminalRequest;
import dev.opsbus.ssh.HostDirectory;
import dev.opsbus.ssh.RelayThreads;
import dev.opsbus.ssh.SshConnector;
import dev.opsbus.ssh.SshRelayConfig;
import dev.opsbus.ssh.SshTarget;
import dev.opsbus.ssh.WireBodies;
import dev.opsbus.ssh.recording.RecordingService;
import dev.opsbus.ssh.recording.RecordingStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Browser terminals of this relay: opens PTY shells, shares them between users, keeps them through
 * a browser drop, records them, and reports them on {@code ssh.sessions} and {@code activity.events}.
 *
 * <p>Cluster design. A terminal lives on the relay that opened it. That relay registers the
 * session's own addresses ({@code ssh.session.<sid>.in} and {@code ssh.session.<sid>.control}) as
 * clustered consumers. The fixed request addresses ({@code ssh.join}, {@code ssh.attach},
 * {@code ssh.detach}, {@code ssh.resize}, {@code ssh.invite}, {@code ssh.close},
 * {@code ssh.recording}) are served by every relay, and the bus hands each request to any one of
 * them: a relay that owns the session answers at once, any other forwards the request (same body,
 * identity headers, and the original address in the {@code op} header) to
 * {@code ssh.session.<sid>.control}, and passes back the owner's answer or failure. Nobody listens
 * there once a session is forgotten: the bus's {@code no_handler} for that address is answered
 * {@code not_found} on purpose (the session does not exist any more, as far as any caller can
 * tell), while every other failure keeps its code ({@link BusFailures}). A closed session stays
 * known to its owner for {@link #CLOSED_RETENTION_MS} so that a late attach learns
 * {@code session_closed} and an admin can still fetch the recording through any node.
 * {@code ssh.list} is answered from this relay's sessions plus a cluster view built from everyone's
 * {@code ssh.sessions} publications (a relay that starts later learns about older remote sessions
 * at their next change).
 */
public final class TerminalService implements TerminalSession.Listener {

  static final long CLOSED_RETENTION_MS = 10 * 60 * 1000;
  static final int MAX_CLOSED_KEPT = 1000;
  /** Connections for writing, listing and reading recordings. */
  static final int RECORDING_POOL_SIZE = 2;

  private static final Logger LOG = LoggerFactory.getLogger(TerminalService.class);
  private static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{32}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final SshRelayConfig config;
  private final HostDirectory hosts;
  private final SshConnector connector;
  private final RelayThreads threads;
  private final Map<String, TerminalSession> sessions = new LinkedHashMap<>();
  private final Map<String, SessionSnapshot> remoteView = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Context context;
  private boolean stopping;
  private Pool recordingsPool;
  private RecordingStore recordings;
  private RecordingService recordingService;

  public TerminalService(Vertx vertx, SshRelayConfig config, HostDirectory hosts, SshConnector connector, RelayThreads threads) {
    this.vertx = vertx;
    this.config = config;
    this.hosts = hosts;
    this.connector = connector;
    this.threads = threads;
  }

  /** Registers the fixed addresses; call it on the verticle's context, which then owns every session. */
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.SSH_OPEN, this::open));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.SSH_LIST, this::list));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.SSH_SESSIONS, this::onSessionChange));
    for (String op : List.of(Addresses.SSH_JOIN, Addresses.SSH_ATTACH, Addresses.SSH_DETACH, Addresses.SSH_RESIZE,
        Addresses.SSH_INVITE, Addresses.SSH_CLOSE, Addresses.SSH_RECORDING)) {
      consumers.add(vertx.eventBus().<JsonObject>consumer(op, msg -> route(op, msg)));
    }
    List<Future<Void>> ready = new ArrayList<>();
    consumers.forEach(c -> ready.add(c.completion()));
    // recordings live in the shared database, so any node lists and serves them after this one forgot the session
    recordingsPool = PgBuilder.pool().with(new PoolOptions().setMaxSize(RECORDING_POOL_SIZE)).connectingTo(config.db()).using(vertx).build();
    recordings = new RecordingStore(recordingsPool);
    recordingService = new RecordingService(vertx, recordings, config.recordings(), config.nodeId());
    ready.add(recordingService.start());
    return Future.all(ready).mapEmpty();
  }

  /** Closes every open terminal (participants are told why) and unregisters everything. */
  public Future<Void> stop() {
    stopping = true;
    List<Future<Void>> closing = new ArrayList<>();
    for (TerminalSession s : new ArrayList<>(sessions.values())) {
      closing.add(s.close("the ssh relay on node " + config.nodeId() + " is stopping").transform(ar -> s.forget()));
    }
    // the fixed addresses go last, so this relay still sees its own sessions' final changes
    return Future.join(closing).transform(ignored -> {
      List<Future<Void>> gone = new ArrayList<>();
      consumers.forEach(c -> gone.add(c.unregister()));
      consumers.clear();
      if (recordingService != null) {
        gone.add(recordingService.stop());
      }
      return Future.join(gone).transform(v -> recordingsPool == null ? Future.<Void>succeededFuture() : recordingsPool.close());
    });
  }

  /** The recordings' service: its sweep, for tests. */
  RecordingService recordingService() {
    return recordingService;
  }

  // ---------------------------------------------------------------- ssh.open

  private void open(Message<JsonObject> msg) {
    Principal caller = BusIdentity.of(msg.headers());
    if (caller == null) {
      BusFailures.fail(msg, ErrorCode.ACCESS_DENIED, "no user on the request");
      return;
    }
    TerminalRequest req;
    try {
      req = WireBodies.read(msg.body(), TerminalRequest::fromJson, Addresses.SSH_OPEN + " request");
      if (req.hostId() == null || req.hostId().isBlank()) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "ssh.open needs a hostId");
      }
      ParticipantPolicy.checkOpen(caller, req.hostId());
    } catch (OpsbusException e) {
      BusFailures.fail(msg, e.code(), e.getMessage());
      return;
    }
    String hostId = req.hostId();
    int cols = req.cols() == null ? 80 : req.cols();
    int rows = req.rows() == null ? 24 : req.rows();
    if (cols < 1 || cols > 1000 || rows < 1 || rows > 1000) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, "cols and rows must be from 1 to 1000");
      return;
    }
    if (stopping) {
      BusFailures.fail(msg, ErrorCode.UNAVAILABLE, "the ssh relay on node " + config.nodeId() + " is stopping");
      return;
    }
    long onNode = sessions.values().stream().filter(s -> !s.isClosed()).count();
    long ofUser = sessions.values().stream().filter(s -> !s.isClosed() && s.owner().equals(caller.username())).count();
    if (onNode >= config.maxSessionsPerNode()) {
      BusFailures.fail(msg, ErrorCode.TOO_MANY_SESSIONS, "node " + config.nodeId() + " already has "
          + config.maxSessionsPerNode() + " terminals open, its limit");
      return;
    }
    if (ofUser >= config.maxSessionsPerUser()) {
      BusFailures.fail(msg, ErrorCode.TOO_MANY_SESSIONS, "user '" + caller.username() + "' already has "
          + config.maxSessionsPerUser() + " terminals open on node " + config.nodeId() + ", the limit");
      return;
    }
    String sid = HexFormat.of().formatHex(randomBytes(16));
    TerminalSession session = new TerminalSession(vertx, context, config, threads, recordings, this, sid, hostId, caller.username(), cols, rows);
    sessions.put(sid, session);
    changed(session);
    hosts.target(hostId)
        .compose(target -> vertx.executeBlocking(() -> connect(target, cols, rows), false))
        .compose(conn -> {
          if (stopping) {
            vertx.executeBlocking(() -> {
              conn.closeQuietly();
              return null;
            }, false);
            return Future.failedFuture(new OpsbusException(ErrorCode.UNAVAILABLE, "the ssh relay on node " + config.nodeId() + " is stopping"));
          }
          return session.start(conn).recover(e -> {
            vertx.executeBlocking(() -> {
              conn.closeQuietly();
              return null;
            }, false);
            return Future.failedFuture(e);
          });
        })
        .onSuccess(v -> {
          activity(ActivityEvent.SSH_CONNECT, session, null, "opened a terminal on host '" + hostId + "'");
          msg.reply(session.view().toJson());
        })
        .onFailure(e -> {
          ErrorCode code = e instanceof OpsbusException o ? o.code() : ErrorCode.INTERNAL_ERROR;
          String why = e instanceof OpsbusException ? e.getMessage() : "could not open a terminal on host '" + hostId + "': " + e;
          LOG.info("terminal {} of {} on host {} not opened on node {}: {} {}", sid, caller.username(), hostId, config.nodeId(),
              code.wireName(), why);
          session.failedToOpen(why);
          sessions.remove(sid);
          activity(ActivityEvent.SSH_CONNECT, session, code, why);
          BusFailures.fail(msg, code, why);
        });
  }

  /** Blocking: connect, authenticate, allocate the PTY and start the shell. */
  private ShellConnection connect(SshTarget target, int cols, int rows) {
    SSHClient ssh = connector.connect(target);
    try {
      Session session = ssh.startSession();
      session.allocatePTY(TerminalSession.TERM, cols, rows, 0, 0, Map.of());
      Session.Shell shell = session.startShell();
      return new ShellConnection(ssh, session, shell);
    } catch (IOException | RuntimeException e) {
      try {
        ssh.disconnect();
      } catch (IOException ignored) {
        // the shell failed; the connection goes with it
      }
      throw new OpsbusException(ErrorCode.HOST_UNREACHABLE, "host '" + target.hostId() + "' accepted the login but no shell: " + e.getMessage());
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  // ---------------------------------------------------------------- per-session requests from any node

  private void route(String op, Message<JsonObject> msg) {
    String sid;
    try {
      sid = WireBodies.read(msg.body(), TerminalRequest::fromJson, op + " request").sessionId();
    } catch (OpsbusException e) {
      sid = null;
    }
    if (sid == null || !SESSION_ID.matcher(sid).matches()) {
      BusFailures.fail(msg, ErrorCode.INVALID_REQUEST, op + " needs a sessionId of 32 hex digits");
      return;
    }
    TerminalSession local = sessions.get(sid);
    if (local != null) {
      local.handle(op, msg);
      return;
    }
    if (op.equals(Addresses.SSH_RECORDING)) {
      recordingOfForgotten(sid, msg);
      return;
    }
    forward(op, sid, msg);
  }

  /**
   * A recording outlives its session: read from the database. A session another relay holds may
   * have its last second of output still unwritten there, so that one is asked of its owner.
   */
  private void recordingOfForgotten(String sid, Message<JsonObject> msg) {
    Principal caller = BusIdentity.of(msg.headers());
    if (caller == null || !caller.hasRole(Role.ADMIN)) {
      BusFailures.fail(msg, ErrorCode.ACCESS_DENIED, "only an admin may fetch a recording");
      return;
    }
    if (remoteView.containsKey(sid)) {
      forward(Addresses.SSH_RECORDING, sid, msg);
      return;
    }
    recordings.get(sid).onComplete(ar -> {
      if (ar.failed()) {
        BusFailures.fail(msg, ErrorCode.UNAVAILABLE, "the recording of terminal " + sid + " cannot be read: " + ar.cause().getMessage());
      } else if (ar.result().isEmpty()) {
        // not in the database (yet): the relay holding the session may still be creating it
        forward(Addresses.SSH_RECORDING, sid, msg);
      } else {
        recordings.readAll(sid).onSuccess(msg::reply)
            .onFailure(e -> BusFailures.fail(msg, ErrorCode.UNAVAILABLE, "the recording of terminal " + sid + " cannot be read: " + e.getMessage()));
      }
    });
  }

  /**
   * Hands a request for a session this relay does not hold to its owner and passes the answer
   * back. Nobody serving the session's control address means no relay holds it: {@code not_found}.
   */
  private void forward(String op, String sid, Message<JsonObject> msg) {
    DeliveryOptions opts = new DeliveryOptions().addHeader(TerminalControl.OP_HEADER, op);
    BusIdentity.copy(msg.headers(), opts.getHeaders());
    String control = Addresses.SSH_SESSION_CONTROL.format(sid);
    if (msg.replyAddress() == null) {
      vertx.eventBus().send(control, msg.body(), opts);
      return;
    }
    vertx.eventBus().request(control, msg.body(), opts).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result().body());
      } else if (BusFailures.codeOf(ar.cause()) == ErrorCode.NO_HANDLER) {
        BusFailures.fail(msg, ErrorCode.NOT_FOUND, "no terminal session " + sid);
      } else {
        OpsbusException e = BusFailures.explain(ar.cause(), "relay holding terminal " + sid);
        BusFailures.fail(msg, e.code(), e.getMessage());
      }
    });
  }

  // ---------------------------------------------------------------- ssh.list and the cluster view

  private void onSessionChange(Message<JsonObject> msg) {
    SessionSnapshot s;
    try {
      s = msg.body() == null ? null : SessionSnapshot.fromJson(msg.body());
    } catch (IllegalArgumentException e) {
      LOG.debug("ignoring an unreadable ssh.sessions entry: {}", e.getMessage());
      return;
    }
    if (s == null || s.sessionId() == null || s.status() == null || config.nodeId().equals(s.node())) {
      return;
    }
    if (s.status().ended()) {
      remoteView.remove(s.sessionId());
      return;
    }
    SessionSnapshot known = remoteView.get(s.sessionId());
    if (known == null || known.version() < s.version()) {
      remoteView.put(s.sessionId(), s);
    }
  }

  /** A user sees the sessions it may join; a caller inside the cluster (no identity headers, e.g. metrics) sees every one. */
  private void list(Message<JsonObject> msg) {
    Principal caller = BusIdentity.of(msg.headers());
    JsonArray out = new JsonArray();
    for (TerminalSession s : sessions.values()) {
      if (!s.isClosed()) {
        SessionSnapshot v = s.view();
        if (maySee(caller, v)) {
          out.add(v.toJson());
        }
      }
    }
    for (SessionSnapshot v : remoteView.values()) {
      if (!sessions.containsKey(v.sessionId()) && maySee(caller, v)) {
        out.add(v.toJson());
      }
    }
    // a bridge client subscribing to ssh.sessions gets the current list first, as the replay answer
    boolean replay = msg.body() != null && Boolean.TRUE.equals(msg.body().getValue(SessionSnapshot.REPLAY));
    msg.reply(replay ? new JsonObject().put(SessionSnapshot.REPLAY_CHANGES, out) : out);
  }

  private static boolean maySee(Principal caller, SessionSnapshot session) {
    return caller == null || caller.hasRole(Role.ADMIN) || caller.mayAccessHost(session.hostId()) || session.participant(caller.username()).isPresent();
  }

  // ---------------------------------------------------------------- what sessions report

  @Override
  public void changed(TerminalSession session) {
    vertx.eventBus().publish(Addresses.SSH_SESSIONS, session.snapshot().toJson());
  }

  @Override
  public void closed(TerminalSession session) {
    activity(ActivityEvent.SSH_DISCONNECT, session, null, session.view().reason());
    long kept = sessions.values().stream().filter(TerminalSession::isClosed).count();
    if (kept > MAX_CLOSED_KEPT) {
      sessions.values().stream().filter(TerminalSession::isClosed).findFirst().ifPresent(this::forget);
    }
    if (!stopping) {
      vertx.setTimer(CLOSED_RETENTION_MS, t -> forget(session));
    }
  }

  private void forget(TerminalSession session) {
    if (sessions.get(session.id()) == session) {
      sessions.remove(session.id());
      session.forget();
    }
  }

  private void activity(String action, TerminalSession s, ErrorCode code, String message) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("sessionId", s.id());
    data.put("hostId", s.hostId());
    ActivityEvent ev = ActivityEvent.of(action, s.owner(), config.nodeId(),
        ActivityEvent.SSH_CONNECT.equals(action) ? Addresses.SSH_OPEN : Addresses.SSH_CLOSE,
        code == null ? null : code.wireName(), message, data);
    vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, Json.toJsonObject(ev));
  }

  /** Open and recently closed sessions of this relay, for tests and metrics. */
  int openSessions() {
    return (int) sessions.values().stream().filter(s -> !s.isClosed()).count();
  }
}
