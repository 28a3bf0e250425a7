package dev.opsbus.ssh.exec;

import static dev.opsbus.ssh.RelayFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.ssh.RelayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code ssh.exec}, {@code ssh.exec.cancel} and {@code ssh.hostkey.scan} against a real SSH server. */
@ExtendWith(VertxExtension.class)
class ExecServiceTest {

  @TempDir
  Path dir;

  private RelayFixture fx;
  private ExecService exec;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    fx = new RelayFixture(vertx, dir, Duration.ofMinutes(5));
    fx.addGoodHost("demo", null);
    exec = new ExecService(vertx, fx.config, fx.hosts, fx.connector, fx.threads, Duration.ofSeconds(60), Duration.ofMinutes(10));
    await(exec.start());
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      await(exec.stop());
      assertThat(fx.trafficWithSecret()).as("bus messages carrying the host password").isEmpty();
      assertThat(fx.busTraffic).as("the interceptor saw the test's traffic").isNotEmpty();
    } finally {
      fx.close();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The events of one exec's stream, in arrival order. */
  private final class Stream implements AutoCloseable {
    final String execId = "t-" + UUID.randomUUID();
    final LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
    final List<JsonObject> seen = new ArrayList<>();
    final MessageConsumer<JsonObject> consumer;

    Stream() throws Exception {
      consumer = fx.vertx.eventBus().consumer(Addresses.SSH_EXEC_STREAM.format(execId), m -> events.add(m.body()));
      await(consumer.completion());
    }

    JsonObject request(String hostId, String command, Map<String, Object> params, Long timeoutMs) {
      JsonObject body = new JsonObject().put("hostId", hostId).put("execId", execId).put("command", command);
      if (params != null) {
        body.put("params", new JsonObject(params));
      }
      if (timeoutMs != null) {
        body.put("timeoutMs", timeoutMs);
      }
      return body;
    }

    JsonObject start(String hostId, String command, Map<String, Object> params, Long timeoutMs) throws Exception {
      return await(fx.vertx.eventBus().<JsonObject>request(Addresses.SSH_EXEC, request(hostId, command, params, timeoutMs))).body();
    }

    /** Waits (bounded) for the exec_exit event and returns it; everything before it is in {@link #seen}. */
    JsonObject awaitExit(Duration within) throws InterruptedException {
      long deadline = System.nanoTime() + within.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        JsonObject e = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
        assertThat(e).as("exec_exit of %s within %s; seen so far %s", execId, within, seen).isNotNull();
        seen.add(e);
        if ("exec_exit".equals(e.getString("type"))) {
          return e;
        }
      }
    }

    List<String> lines(String stream) {
      return seen.stream().filter(e -> "exec_output".equals(e.getString("type")) && stream.equals(e.getString("stream")))
          .map(e -> e.getString("line")).toList();
    }

    @Override
    public void close() throws Exception {
      await(consumer.unregister());
    }
  }

  private ReplyException failureOf(Stream s, String hostId, String command, Map<String, Object> params) {
    ExecutionException e = catchThrowableOfType(() -> s.start(hostId, command, params, null), ExecutionException.class);
    assertThat(e).as("the request fails").isNotNull();
    assertThat(e.getCause()).isInstanceOf(ReplyException.class);
    return (ReplyException) e.getCause();
  }

  /** Runs a command to its end and returns its stdout lines. */
  private List<String> run(String command, Map<String, Object> params) throws Exception {
    try (Stream s = new Stream()) {
      s.start("demo", command, params, null);
      JsonObject exit = s.awaitExit(RelayFixture.WAIT);
      assertThat(exit.getString("outcome")).as("%s", exit).isEqualTo("completed");
      return s.lines("stdout");
    }
  }

  // ---------------------------------------------------------------- tests

  @Test
  void streamsOutputLinesInOrderAfterTheStepsAndEndsWithOneExit() throws Exception {
    try (Stream s = new Stream()) {
      JsonObject reply = s.start("demo", "printf 'a\\nb\\nc\\n'; echo oops >&2", null, null);
      assertThat(reply).isEqualTo(new JsonObject().put("execId", s.execId).put("status", "started"));
      JsonObject exit = s.awaitExit(RelayFixture.WAIT);

      assertThat(s.lines("stdout")).containsExactly("a", "b", "c");
      assertThat(s.lines("stderr")).containsExactly("oops");
      assertThat(s.seen.stream().filter(e -> "exec_step".equals(e.getString("type"))).map(e -> e.getString("step")))
          .containsExactly("connecting", "authenticating", "running");
      assertThat(s.seen.get(0).getString("step")).isEqualTo("connecting");
      int running = s.seen.indexOf(s.seen.stream().filter(e -> "running".equals(e.getString("step"))).findFirst().orElseThrow());
      assertThat(s.seen.subList(0, running)).noneMatch(e -> "exec_output".equals(e.getString("type")));
      List<Long> seqs = s.seen.stream().map(e -> e.getLong("seq")).toList();
      assertThat(seqs).isSorted().doesNotHaveDuplicates();
      assertThat(s.seen).allMatch(e -> s.execId.equals(e.getString("execId")) && e.getString("ts") != null);
      assertThat(exit.getInteger("exitStatus")).isZero();
      assertThat(exit.getString("outcome")).isEqualTo("completed");
      assertThat(s.events.poll(300, TimeUnit.MILLISECONDS)).as("nothing after exec_exit").isNull();
    }
  }

  @Test
  void reportsTheExitCodeOfAFailingCommand() throws Exception {
    try (Stream s = new Stream()) {
      s.start("demo", "echo before; exit 3", null, null);
      JsonObject exit = s.awaitExit(RelayFixture.WAIT);
      assertThat(exit.getInteger("exitStatus")).isEqualTo(3);
      assertThat(exit.getString("outcome")).isEqualTo("failed");
      assertThat(exit.getString("message")).contains("3");
      assertThat(s.lines("stdout")).containsExactly("before");
    }
  }

  @Test
  void parametersReachTheHostAsLiteralsNeverAsShell() throws Exception {
    String canary = dir.resolve("canary").toString();
    java.nio.file.Files.writeString(dir.resolve("canary"), "still here");
    List<String> nasty = List.of(
        "; rm -rf /",
        "; rm -f " + canary,
        "$(rm -f " + canary + ")",
        "`rm -f " + canary + "`",
        "$(id)",
        "`id`",
        "it's a \"quote\" and a '",
        "'; rm -f " + canary + "; echo '",
        "a\\nb $HOME ${HOME} | cat & wait > /dev/null",
        "--help",
        "");
    for (String value : nasty) {
      List<String> out = run("printf '%s|' {value}; echo", Map.of("value", value));
      assertThat(out).as("echo of %s", value).containsExactly(value + "|");
    }
    assertThat(java.nio.file.Files.readString(dir.resolve("canary"))).isEqualTo("still here");
  }

  @Test
  void environmentValuesAreQuotedToo() throws Exception {
    try (Stream s = new Stream()) {
      JsonObject body = s.request("demo", "printf '%s\\n' \"$OPS_VALUE\"", null, null)
          .put("env", new JsonObject().put("OPS_VALUE", "$(id); `id` 'x'"));
      await(fx.vertx.eventBus().request(Addresses.SSH_EXEC, body));
      s.awaitExit(RelayFixture.WAIT);
      assertThat(s.lines("stdout")).containsExactly("$(id); `id` 'x'");
    }
  }

  @Test
  void badRequestsAreRefusedWithInvalidRequest() throws Exception {
    try (Stream s = new Stream()) {
      ReplyException missing = failureOf(s, "demo", "echo {nope}", Map.of());
      assertThat(ErrorCode.fromFailureCode(missing.failureCode())).isEqualTo(ErrorCode.INVALID_REQUEST);
      assertThat(missing.getMessage()).contains("nope");
      ReplyException object = failureOf(s, "demo", "echo {v}", Map.of("v", Map.of("x", 1)));
      assertThat(ErrorCode.fromFailureCode(object.failureCode())).isEqualTo(ErrorCode.INVALID_REQUEST);
      ExecutionException bad = catchThrowableOfType(() -> await(fx.vertx.eventBus().request(Addresses.SSH_EXEC,
          new JsonObject().put("hostId", "demo").put("execId", "a.b").put("command", "true"))), ExecutionException.class);
      assertThat(ErrorCode.fromFailureCode(((ReplyException) bad.getCause()).failureCode())).isEqualTo(ErrorCode.INVALID_REQUEST);
      ReplyException unknown = failureOf(s, "nosuchhost", "true", null);
      assertThat(ErrorCode.fromFailureCode(unknown.failureCode())).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(s.events.poll(200, TimeUnit.MILLISECONDS)).as("refused before it started: no stream").isNull();
    }
  }

  @Test
  void cancelKillsTheRemoteCommandAndEndsCancelled() throws Exception {
    String secs = "30." + ThreadLocalRandom.current().nextInt(100_000, 999_999);
    try (Stream s = new Stream()) {
      s.start("demo", "echo started; sleep {secs}; echo not-reached", Map.of("secs", secs), null);
      awaitLine(s, "started");
      assertThat(remoteProcessesMatching("[s]leep " + secs)).as("the sleep runs before the cancel").isNotEmpty();

      long t0 = System.nanoTime();
      JsonObject reply = await(fx.vertx.eventBus().<JsonObject>request(Addresses.SSH_EXEC_CANCEL, new JsonObject().put("execId", s.execId))).body();
      assertThat(reply.getString("status")).isEqualTo("cancelling");
      JsonObject exit = s.awaitExit(Duration.ofSeconds(8));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));

      assertThat(exit.getString("outcome")).isEqualTo("cancelled");
      // 143 = killed by TERM: our kill ended it, not the channel closing (that gives no status)
      assertThat(exit.getInteger("exitStatus")).isEqualTo(143);
      assertThat(s.lines("stdout")).containsExactly("started");
      assertThat(remoteProcessesMatching("[s]leep " + secs)).as("the remote sleep is gone").isEmpty();
    }
    ExecutionException again = catchThrowableOfType(() -> await(fx.vertx.eventBus().request(Addresses.SSH_EXEC_CANCEL,
        new JsonObject().put("execId", "no-such-exec"))), ExecutionException.class);
    assertThat(ErrorCode.fromFailureCode(((ReplyException) again.getCause()).failureCode())).isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void timeoutKillsTheRemoteCommandAndEndsTimedOut() throws Exception {
    String secs = "30." + ThreadLocalRandom.current().nextInt(100_000, 999_999);
    try (Stream s = new Stream()) {
      long t0 = System.nanoTime();
      s.start("demo", "sleep {secs}; echo not-reached", Map.of("secs", secs), 1_500L);
      JsonObject exit = s.awaitExit(Duration.ofSeconds(10));
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1_400)).isLessThan(Duration.ofSeconds(7));
      assertThat(exit.getString("outcome")).isEqualTo("timed_out");
      assertThat(exit.getString("message")).contains("1500");
      // the shell never ran on to its next command: it was stopped, not just its sleep
      assertThat(s.lines("stdout")).as("%s", s.seen).isEmpty();
      assertThat(exit.getInteger("exitStatus")).as("%s", s.seen).isEqualTo(143);
      assertThat(remoteProcessesMatching("[s]leep " + secs)).as("the remote sleep is gone").isEmpty();
    }
  }

  @Test
  void aWrongHostKeyIsRefusedFastAsHostKeyMismatchAndRecordedAsActivity() throws Exception {
    java.util.List<JsonObject> activity = new java.util.concurrent.CopyOnWriteArrayList<>();
    await(fx.vertx.eventBus().<JsonObject>consumer(Addresses.ACTIVITY_EVENTS, m -> activity.add(m.body())).completion());
    fx.addHost("spoofed", fx.server.port(), RelayFixture.PASSWORD, RelayFixture.WRONG_FINGERPRINT, null);
    assertConnectFailure("spoofed", ErrorCode.HOST_KEY_MISMATCH);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (activity.stream().noneMatch(a -> "host_key_mismatch".equals(a.getString("code"))) && System.nanoTime() < deadline) {
      synchronized (activity) {
        activity.wait(20);
      }
    }
    JsonObject entry = activity.stream().filter(a -> "host_key_mismatch".equals(a.getString("code"))).findFirst().orElseThrow();
    assertThat(entry.getJsonObject("data").getString("hostId")).isEqualTo("spoofed");
    assertThat(entry.getString("message")).contains("spoofed");
  }

  @Test
  void aHostWithoutPinnedKeyIsRefusedAsHostKeyUnknown() throws Exception {
    fx.addHost("unpinned", fx.server.port(), RelayFixture.PASSWORD, null, null);
    assertConnectFailure("unpinned", ErrorCode.HOST_KEY_UNKNOWN);
  }

  @Test
  void aWrongPasswordIsRefusedFastAsSshAuthFailed() throws Exception {
    fx.addHost("badpw", fx.server.port(), "not-the-password", fx.server.fingerprint(), null);
    assertConnectFailure("badpw", ErrorCode.SSH_AUTH_FAILED);
  }

  @Test
  void aClosedPortIsRefusedFastAsHostUnreachable() throws Exception {
    fx.addHost("closed", RelayFixture.closedPort(), RelayFixture.PASSWORD, fx.server.fingerprint(), null);
    assertConnectFailure("closed", ErrorCode.HOST_UNREACHABLE);
  }

  private void assertConnectFailure(String hostId, ErrorCode expected) throws Exception {
    try (Stream s = new Stream()) {
      long t0 = System.nanoTime();
      ReplyException e = failureOf(s, hostId, "echo never", null);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(ErrorCode.fromFailureCode(e.failureCode())).as("%s", e.getMessage()).isEqualTo(expected);
      assertThat(e.getMessage()).contains(hostId);
      assertThat(took).as("within the connect timeout").isLessThan(RelayFixture.CONNECT_TIMEOUT.plusSeconds(1));
      JsonObject exit = s.awaitExit(Duration.ofSeconds(2));
      assertThat(exit.getString("outcome")).isEqualTo("failed");
      assertThat(exit.getString("error")).isEqualTo(expected.wireName());
      assertThat(exit.getValue("exitStatus")).isNull();
      assertThat(s.lines("stdout")).isEmpty();
    }
  }

  @Test
  void hostKeyScanReportsTheFingerprintTheServerOffers() throws Exception {
    int authBefore = fx.server.authAttempts();
    int connectionsBefore = fx.server.connectionsAccepted();
    JsonObject byAddress = await(fx.vertx.eventBus().<JsonObject>request(Addresses.SSH_HOSTKEY_SCAN,
        new JsonObject().put("address", "127.0.0.1").put("port", fx.server.port()))).body();
    assertThat(byAddress.getString("fingerprint")).isEqualTo(fx.server.fingerprint());
    JsonObject byHost = await(fx.vertx.eventBus().<JsonObject>request(Addresses.SSH_HOSTKEY_SCAN,
        new JsonObject().put("hostId", "demo"))).body();
    assertThat(byHost.getString("fingerprint")).isEqualTo(fx.server.fingerprint());
    assertThat(byHost.getString("hostId")).isEqualTo("demo");
    assertThat(fx.server.connectionsAccepted() - connectionsBefore).as("connections the two scans made").isEqualTo(2);
    assertThat(fx.server.authAttempts()).as("a scan never offers a credential").isEqualTo(authBefore);

    int closed = RelayFixture.closedPort();
    ExecutionException e = catchThrowableOfType(() -> await(fx.vertx.eventBus().request(Addresses.SSH_HOSTKEY_SCAN,
        new JsonObject().put("address", "127.0.0.1").put("port", closed))), ExecutionException.class);
    assertThat(ErrorCode.fromFailureCode(((ReplyException) e.getCause()).failureCode())).isEqualTo(ErrorCode.HOST_UNREACHABLE);
  }

  // ---------------------------------------------------------------- remote checks

  private void awaitLine(Stream s, String line) throws InterruptedException {
    long deadline = System.nanoTime() + RelayFixture.WAIT.toNanos();
    while (!s.lines("stdout").contains(line)) {
      JsonObject e = s.events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(e).as("line %s; seen %s", line, s.seen).isNotNull();
      s.seen.add(e);
    }
  }

  /** Remote processes whose command line matches {@code regex}, listed through another exec. */
  private List<String> remoteProcessesMatching(String regex) throws Exception {
    return run("pgrep -f {re} || true", Map.of("re", regex));
  }
}
