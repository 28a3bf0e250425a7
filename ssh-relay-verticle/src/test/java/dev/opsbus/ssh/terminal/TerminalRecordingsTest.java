package dev.opsbus.ssh.terminal;

import static dev.opsbus.ssh.terminal.TerminalHarness.await;
import static dev.opsbus.ssh.terminal.TerminalHarness.refusal;
import static dev.opsbus.ssh.terminal.TerminalHarness.request;
import static dev.opsbus.ssh.terminal.TerminalHarness.type;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.gateway.hosts.HostService;
import dev.opsbus.gateway.hosts.HostStore;
import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.hosts.HostRecord;
import dev.opsbus.model.hosts.HostsClient;
import dev.opsbus.ssh.HostDirectory;
import dev.opsbus.ssh.RelayThreads;
import dev.opsbus.ssh.SshConnector;
import dev.opsbus.ssh.SshRelayConfig;
import dev.opsbus.ssh.recording.RecordingLimits;
import dev.opsbus.ssh.terminal.TerminalHarness.Screen;
import dev.opsbus.ssh.terminal.TerminalHarness.Who;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import dev.opsbus.testkit.TestSecrets;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Terminal recordings in the database: listed per host and session for admins, read page by page
 * by any relay once the one that recorded the session is gone, stopped with a marker at their size
 * limit, and swept past their age and the total. A real SSH server, a real PostgreSQL.
 */
@ExtendWith(VertxExtension.class)
class TerminalRecordingsTest {

  private static final String HOST = "rec-host";
  private static final Who ALICE = new Who("alice", "operator", HOST);
  private static final Who ADMIN = new Who("root-admin", "admin", "");

  @TempDir
  static Path tmp;

  private static Vertx vertx;
  private static Pool pool;
  private static DemoSshServer server;
  private static String password;

  private final List<String> deployments = new ArrayList<>();
  private final List<TerminalService> services = new ArrayList<>();
  private HostStore owner;
  private HostService ownerService;

  @BeforeAll
  static void startServer(Vertx v) throws IOException {
    vertx = v;
    TestDatabase.start();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(TestDatabase.connectOptions()).using(vertx).build();
    password = "pw-" + UUID.randomUUID();
    server = DemoSshServer.start(DemoSshServer.Options.of(tmp.resolve("hostkey"), "demo", password, Files.createDirectories(tmp.resolve("home"))));
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
    if (pool != null) {
      await(pool.close());
    }
  }

  @BeforeEach
  void hosts() {
    TestDatabase.reset();
    owner = await(HostStore.open(vertx, TestDatabase.connectOptions(), TestSecrets.cipher()));
    ownerService = new HostService(vertx, owner);
    await(ownerService.start());
    await(owner.register(new HostStore.HostInput(HOST, HOST, "127.0.0.1", server.port(), "demo", HostRecord.PASSWORD, password, null),
        server.fingerprint()));
  }

  @AfterEach
  void undeploy() {
    for (String id : deployments) {
      await(vertx.undeploy(id));
    }
    await(ownerService.stop());
    await(owner.close());
  }

  private SshRelayConfig config(String nodeId, RecordingLimits limits) {
    return SshRelayConfig.builder(nodeId, TestDatabase.connectOptions(), tmp)
        .connectTimeout(Duration.ofSeconds(5)).reattachGrace(Duration.ofSeconds(30)).idleTimeout(Duration.ofMinutes(5))
        .maxSessionsPerUser(4).maxSessionsPerNode(20).recordInput(true).healthPeriod(Duration.ofSeconds(30))
        .recordings(limits).build();
  }

  /** A relay's terminal service on its own event-loop context, as the verticle runs it; answers its deployment id. */
  private String deploy(SshRelayConfig config) {
    HostDirectory hosts = new HostDirectory(new HostsClient(vertx), TestSecrets.cipher());
    SshConnector connector = new SshConnector(config.connectTimeout());
    String id = await(vertx.deployVerticle(new VerticleBase() {
      private TerminalService service;
      private RelayThreads threads;

      @Override
      public Future<?> start() {
        threads = RelayThreads.forRelay(config, 0);
        service = new TerminalService(vertx, config, hosts, connector, threads);
        services.add(service);
        return service.start();
      }

      @Override
      public Future<?> stop() {
        return service.stop().eventually(() -> {
          threads.shutdown();
          return Future.succeededFuture();
        });
      }
    }));
    deployments.add(id);
    return id;
  }

  private static String open() {
    JsonObject reply = request(vertx, Addresses.SSH_OPEN, new JsonObject().put("hostId", HOST).put("cols", 80).put("rows", 24), ALICE);
    return reply.getString("sessionId");
  }

  /** Types {@code command}, waits for {@code shown} on the screen, closes the session and waits for its recording to end. */
  private static JsonObject record(String command, String shown) {
    String sid = open();
    Screen screen = Screen.attach(vertx, sid, ALICE);
    type(vertx, sid, ALICE, command + "\r");
    screen.awaitText(shown);
    request(vertx, Addresses.SSH_CLOSE, new JsonObject().put("sessionId", sid), ALICE);
    Await.until("the recording of " + sid + " ended", TerminalHarness.WAIT, () -> {
      JsonObject e = entry(sid);
      return e != null && e.getString("endedAt") != null;
    });
    return entry(sid);
  }

  private static JsonObject entry(String sid) {
    JsonArray l = list(new JsonObject().put("sessionId", sid));
    return l.isEmpty() ? null : l.getJsonObject(0);
  }

  private static JsonArray list(JsonObject query) {
    JsonObject reply = request(vertx, Addresses.RECORDINGS_LIST, query, ADMIN);
    return reply.getJsonArray("recordings");
  }

  /** The whole cast, page by page, as the gateway streams it. */
  private static String read(String sid) {
    StringBuilder all = new StringBuilder();
    Integer from = 0;
    while (from != null) {
      JsonObject page = request(vertx, Addresses.RECORDINGS_READ, new JsonObject().put("sessionId", sid).put("from", from), ADMIN);
      all.append(page.getString("text"));
      from = page.getInteger("next");
    }
    return all.toString();
  }

  @Test
  void recordingsAreListedPerHostAndSessionAndServedByAnotherRelayAfterTheFirstIsGone() {
    String first = deploy(config("node-a", RecordingLimits.DEFAULTS));
    JsonObject one = record("echo listed-$((6*7))", "listed-42\r\n");
    JsonObject two = record("echo second-$((6*7))", "second-42\r\n");
    String sid = one.getString("sessionId");

    assertThat(one.getString("hostId")).isEqualTo(HOST);
    assertThat(one.getString("owner")).isEqualTo("alice");
    assertThat(one.getString("node")).isEqualTo("node-a");
    assertThat(one.getString("startedAt")).isNotNull();
    assertThat(java.time.Instant.parse(one.getString("endedAt"))).isAfterOrEqualTo(java.time.Instant.parse(one.getString("startedAt")));
    assertThat(one.getBoolean("truncated")).isFalse();
    assertThat(one.getLong("sizeBytes")).isPositive();
    // per host, newest first; another host has none
    JsonArray ofHost = list(new JsonObject().put("hostId", HOST));
    assertThat(ofHost.stream().map(o -> ((JsonObject) o).getString("sessionId")).toList())
        .containsExactly(two.getString("sessionId"), sid);
    assertThat(list(new JsonObject().put("hostId", "elsewhere"))).isEmpty();

    // the relay that recorded it is gone (its sessions forgotten): another one lists and serves it from the database
    await(vertx.undeploy(first));
    deployments.remove(first);
    deploy(config("node-b", RecordingLimits.DEFAULTS));
    assertThat(entry(sid)).isEqualTo(one);
    String cast = read(sid);
    assertThat(cast.getBytes(StandardCharsets.UTF_8)).hasSize((int) one.getLong("sizeBytes").longValue());
    String[] lines = cast.split("\n");
    assertThat(new JsonObject(lines[0]).getInteger("version")).isEqualTo(2);
    StringBuilder output = new StringBuilder();
    for (int i = 1; i < lines.length; i++) {
      JsonArray ev = new JsonArray(lines[i]);
      if ("o".equals(ev.getString(1))) {
        output.append(ev.getString(2));
      }
    }
    assertThat(output.toString()).contains("listed-42\r\n").doesNotContain("second-42");
    // the older whole-text address reads the database too
    assertThat((String) request(vertx, Addresses.SSH_RECORDING, new JsonObject().put("sessionId", sid), ADMIN)).isEqualTo(cast);

    // admins only, and bad input has its code
    assertThat(refusal(vertx, Addresses.RECORDINGS_LIST, new JsonObject(), ALICE)).isEqualTo(ErrorCode.ACCESS_DENIED);
    assertThat(refusal(vertx, Addresses.RECORDINGS_READ, new JsonObject().put("sessionId", sid), ALICE)).isEqualTo(ErrorCode.ACCESS_DENIED);
    assertThat(refusal(vertx, Addresses.RECORDINGS_READ, new JsonObject().put("sessionId", "x"), ADMIN)).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(refusal(vertx, Addresses.RECORDINGS_READ, new JsonObject().put("sessionId", sid).put("from", -1), ADMIN))
        .isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(refusal(vertx, Addresses.RECORDINGS_LIST, new JsonObject().put("limit", 0), ADMIN)).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(refusal(vertx, Addresses.RECORDINGS_READ, new JsonObject().put("sessionId", "0".repeat(32)), ADMIN))
        .isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void aRecordingThatReachesItsSizeLimitStopsWithAMarkerAndIsFlagged() {
    long limit = RecordingLimits.MIN_BYTES * 2;
    deploy(config("node-a", RecordingLimits.DEFAULTS.withMaxBytes(limit)));
    // some 29 KB of output: far past the limit
    JsonObject e = record("seq 1 6000; echo seq-$((6*7))", "seq-42\r\n");
    String sid = e.getString("sessionId");

    assertThat(e.getBoolean("truncated")).isTrue();
    assertThat(e.getString("stopReason")).contains("size limit of " + limit + " bytes");
    assertThat(e.getLong("sizeBytes")).isLessThanOrEqualTo(limit);
    String cast = read(sid);
    assertThat((long) cast.getBytes(StandardCharsets.UTF_8).length).isEqualTo(e.getLong("sizeBytes"));
    String[] lines = cast.split("\n");
    JsonArray last = new JsonArray(lines[lines.length - 1]);
    assertThat(last.getString(1)).isEqualTo("m");
    assertThat(last.getString(2)).startsWith("recording stopped: size limit of " + limit + " bytes");
    assertThat(cast).contains(",\"i\",\"seq 1 6000").doesNotContain("seq-42");
  }

  @Test
  void theSweepDeletesRecordingsPastTheirAgeThenTheOldestPastTheTotalButNoneStillRecording() {
    RecordingLimits limits = new RecordingLimits(RecordingLimits.MIN_BYTES, Duration.ofHours(1), 10_000, Duration.ofHours(1));
    deploy(config("node-a", limits));
    String aged = record("echo aged", "aged\r\n").getString("sessionId");
    String older = record("echo older", "older\r\n").getString("sessionId");
    String newest = record("echo newest", "newest\r\n").getString("sessionId");
    String live = open();
    Await.until("the live recording listed", TerminalHarness.WAIT, () -> entry(live) != null);
    // two hours old; then sizes so that only the newest ended one fits in the total beside the live one (which
    // counts, but is never deleted for the total)
    sql("UPDATE terminal_recordings SET started_at = now() - interval '3 hours', ended_at = now() - interval '2 hours' WHERE session_id = $1", aged);
    sql("UPDATE terminal_recordings SET started_at = now() - interval '20 minutes', size_bytes = 6000 WHERE session_id = $1", older);
    sql("UPDATE terminal_recordings SET started_at = now() - interval '10 minutes', size_bytes = 4000 WHERE session_id = $1", newest);
    sql("UPDATE terminal_recordings SET size_bytes = 2000 WHERE session_id = $1", live);

    int deleted = await(services.get(0).recordingService().sweep());

    assertThat(deleted).isEqualTo(2);
    assertThat(list(new JsonObject()).stream().map(o -> ((JsonObject) o).getString("sessionId")).toList())
        .containsExactlyInAnyOrder(newest, live);
    Long chunksLeft = await(pool.preparedQuery("SELECT count(*) FROM terminal_recording_chunks WHERE session_id = ANY($1)")
        .execute(Tuple.of((Object) new String[] {aged, older}))).iterator().next().getLong(0);
    assertThat(chunksLeft).isZero();
    assertThat(refusal(vertx, Addresses.RECORDINGS_READ, new JsonObject().put("sessionId", aged), ADMIN)).isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void theSweepRunsByItselfEveryPeriod() {
    deploy(config("node-a", new RecordingLimits(RecordingLimits.MIN_BYTES, Duration.ofHours(1), 1_000_000, Duration.ofMillis(200))));
    String sid = record("echo swept", "swept\r\n").getString("sessionId");
    sql("UPDATE terminal_recordings SET started_at = now() - interval '3 hours', ended_at = now() - interval '2 hours' WHERE session_id = $1", sid);
    Await.until("the periodic sweep deleted the aged recording", TerminalHarness.WAIT, () -> entry(sid) == null);
  }

  private static void sql(String statement, String sid) {
    assertThat(await(pool.preparedQuery(statement).execute(Tuple.of(sid))).rowCount()).isEqualTo(1);
  }
}
