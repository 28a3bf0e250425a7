package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real {@code opsbus.jar}, started as separate processes, as an operator would run it. */
class OpsbusJarIT {

  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration EXIT = Duration.ofSeconds(45);

  @TempDir
  Path tmp;

  private static int get(int port, String path) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build();
    return client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static void awaitAllGone(List<ProcessHandle> processes, Duration timeout) throws Exception {
    try {
      CompletableFuture.allOf(processes.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("still running: " + processes.stream().filter(ProcessHandle::isAlive)
          .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
    }
  }

  private static int freeClosedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void startsOnEmbeddedPostgresAndAnswersHealth() throws Exception {
    Path data = tmp.resolve("data");
    try (NodeProcess node = NodeProcess.start("embedded", tmp, "--http-port", "0", "--data-dir", data.toString())) {
      Matcher ready = node.awaitLine(NodeProcess.LISTENING, START);
      int port = Integer.parseInt(ready.group(2));

      assertThat(get(port, "/health")).isEqualTo(200);
      List<ProcessHandle> postgres = new ArrayList<>(NodeProcess.postgresOf(data));
      assertThat(postgres).as("postgres server of %s", data).isNotEmpty();
      // run from binaries only this OS user can write, not from a shared temporary directory
      Path privateBinaries = Path.of(System.getProperty("user.home"), ".cache", "opsbus", "embedded-pg");
      assertThat(postgres.get(0).info().command()).hasValueSatisfying(cmd -> assertThat(Path.of(cmd)).startsWith(privateBinaries));
      postgres.addAll(postgres.stream().flatMap(ProcessHandle::descendants).toList());
      List<ProcessHandle> children = node.handle().descendants().toList();

      node.terminate();

      assertThat(node.awaitExit(EXIT)).as("exit code after SIGTERM; output:\n%s", node.output()).isZero();
      assertThat(node.output()).contains("embedded PostgreSQL stopped");
      awaitAllGone(postgres, Duration.ofSeconds(10));
      awaitAllGone(children, Duration.ofSeconds(10));
      assertThat(NodeProcess.postgresOf(data)).isEmpty();
    }
  }

  @Test
  void badFlagExitsWithTwoAndNamesIt() throws Exception {
    try (NodeProcess unknown = NodeProcess.start("bad-flag", tmp, "--bogus");
         NodeProcess badValue = NodeProcess.start("bad-value", tmp, "--http-port", "eighty")) {
      assertThat(unknown.awaitExit(EXIT)).isEqualTo(2);
      assertThat(unknown.output()).contains("--bogus").hasLineCount(1);
      assertThat(badValue.awaitExit(EXIT)).isEqualTo(2);
      assertThat(badValue.output()).contains("--http-port").contains("eighty").hasLineCount(1);
    }
  }

  @Test
  void takenPortExitsWithOneAndSaysSo() throws Exception {
    Path data = tmp.resolve("data");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"));
         NodeProcess node = NodeProcess.start("taken-port", tmp,
             "--http-port", String.valueOf(taken.getLocalPort()), "--data-dir", data.toString())) {
      assertThat(node.awaitExit(START)).as("output:\n%s", node.output()).isEqualTo(1);
      assertThat(node.output()).contains("http port " + taken.getLocalPort() + " is already in use");
      // the embedded PostgreSQL it had started is stopped again
      assertThat(node.output()).contains("embedded PostgreSQL stopped");
      awaitAllGone(NodeProcess.postgresOf(data), Duration.ofSeconds(10));
    }
  }

  @Test
  void unreachableDatabaseExitsWithClearError() throws Exception {
    int closed = freeClosedPort();
    long t0 = System.nanoTime();
    try (NodeProcess node = NodeProcess.start("no-db", tmp,
        "--http-port", "0", "--pg-url", "postgresql://opsbus:secret@127.0.0.1:" + closed + "/opsbus")) {
      assertThat(node.awaitExit(EXIT)).isEqualTo(1);
      assertThat(node.output()).contains("cannot reach PostgreSQL at 127.0.0.1:" + closed + ": ").doesNotContain("secret");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }
  }

  @Test
  void restartOnSameDataDirKeepsData() throws Exception {
    Path data = tmp.resolve("data");
    String marker = UUID.randomUUID().toString();
    int migrations;
    String adminPassword;
    try (NodeProcess first = NodeProcess.start("first", tmp, "--http-port", "0", "--data-dir", data.toString())) {
      int pgPort = Integer.parseInt(first.awaitLine(NodeProcess.EMBEDDED_PG_PORT, START).group(1));
      int httpPort = Integer.parseInt(first.awaitLine(NodeProcess.LISTENING, START).group(2));
      adminPassword = first.awaitLine(NodeClient.GENERATED_ADMIN, START).group(1);
      NodeClient client = new NodeClient(httpPort);
      client.user(client.login("admin", adminPassword), "keeper", List.of("operator"), List.of("h1"));
      try (Connection c = connect(data, pgPort);
           PreparedStatement insert = c.prepareStatement("INSERT INTO settings (key, value) VALUES ('it.marker', ?)")) {
        insert.setString(1, marker);
        insert.executeUpdate();
        migrations = count(c, "SELECT count(*) FROM flyway_schema_history WHERE success");
      }
      // the old default login, as any local user would try it
      assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", "postgres"))
          .isInstanceOf(java.sql.SQLException.class).hasMessageContaining("password authentication failed");
      first.terminate();
      assertThat(first.awaitExit(EXIT)).isZero();
    }
    assertThat(migrations).isPositive();

    // keys rotate, from the jar, between the two runs: the second run starts on the new key files
    try (NodeProcess rotate = NodeProcess.start("rotate", tmp, "keys", "rotate", "--data-dir", data.toString());
         NodeProcess bad = NodeProcess.start("keys-bad", tmp, "keys", "turn")) {
      assertThat(rotate.awaitExit(START)).as("output:\n%s", rotate.output()).isZero();
      assertThat(rotate.output()).contains("keys rotated: 0 host secret(s) re-sealed");
      assertThat(bad.awaitExit(EXIT)).isEqualTo(2);
      assertThat(bad.output()).contains("unknown keys command 'turn'");
    }

    try (NodeProcess second = NodeProcess.start("second", tmp, "--http-port", "0", "--data-dir", data.toString())) {
      int pgPort = Integer.parseInt(second.awaitLine(NodeProcess.EMBEDDED_PG_PORT, START).group(1));
      int httpPort = Integer.parseInt(second.awaitLine(NodeProcess.LISTENING, START).group(2));
      assertThat(second.output()).contains("(0 migration(s) applied");
      // users survive, and admin is not created a second time
      assertThat(second.output()).doesNotContain("created user 'admin'");
      NodeClient client = new NodeClient(httpPort);
      assertThat(client.login("admin", adminPassword)).isNotBlank();
      assertThat(client.login("keeper", "keeper-password")).isNotBlank();
      try (Connection c = connect(data, pgPort);
           PreparedStatement q = c.prepareStatement("SELECT value FROM settings WHERE key = 'it.marker'")) {
        try (ResultSet rs = q.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo(marker);
        }
        assertThat(count(c, "SELECT count(*) FROM flyway_schema_history WHERE success")).isEqualTo(migrations);
      }
      second.terminate();
      assertThat(second.awaitExit(EXIT)).isZero();
    }
  }

  /** As the node does: with the password only its OS user can read, in the data dir's keys. */
  private static Connection connect(Path data, int port) throws Exception {
    String password = Files.readString(data.resolve("keys").resolve(EmbeddedAuth.PASSWORD_FILE)).trim();
    return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", "postgres", password);
  }

  private static int count(Connection c, String sql) throws Exception {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void twoClusteredNodesFormOneClusterAndABridgeClientOnBReceivesMetricsOfA() throws Exception {
    TestDatabase.reset();
    String db = TestDatabase.url();
    // a name of its own, so that other clusters on this machine (other test runs) stay apart
    String cluster = "it-" + UUID.randomUUID().toString().substring(0, 8);
    String[] common = {"--cluster", "--cluster-name", cluster, "--http-port", "0", "--pg-url", db};
    Pattern twoMembers = Pattern.compile("cluster has 2 members");
    try (NodeProcess a = NodeProcess.start("node-a", tmp, Stream.concat(Stream.of(common), Stream.of("--data-dir", "a")).toArray(String[]::new));
         NodeProcess b = NodeProcess.start("node-b", tmp, Stream.concat(Stream.of(common), Stream.of("--data-dir", "b")).toArray(String[]::new))) {
      int portA = Integer.parseInt(a.awaitLine(NodeProcess.LISTENING, START).group(2));
      int portB = Integer.parseInt(b.awaitLine(NodeProcess.LISTENING, START).group(2));
      a.awaitLine(twoMembers, START);
      b.awaitLine(twoMembers, START);

      assertThat(get(portA, "/health")).isEqualTo(200);
      assertThat(get(portB, "/health")).isEqualTo(200);
      String nodeA = a.awaitLine(NodeProcess.LISTENING, START).group(1);

      // one of the two created admin on the shared database; both accept its tokens
      String adminPassword = (a.output() + b.output()).lines().map(NodeClient.GENERATED_ADMIN::matcher)
          .filter(Matcher::find).map(m -> m.group(1)).findFirst().orElseThrow();
      NodeClient onA = new NodeClient(portA);
      NodeClient onB = new NodeClient(portB);
      String viewer = onA.user(onA.login("admin", adminPassword), "watcher", List.of("viewer"), List.of());
      try (NodeClient.Bridge bridge = onB.bridge(viewer)) {
        bridge.register("metrics.node");
        JsonObject fromA = bridge.next(f -> "rec".equals(f.getString("type"))
            && nodeA.equals(f.getJsonObject("body").getString("nodeId")), START);
        assertThat(fromA.getString("address")).isEqualTo("metrics.node");
        assertThat(fromA.getJsonObject("body").getLong("rssMb")).isPositive();
      }
      for (NodeProcess n : List.of(a, b)) {
        // the jar manifest opens what Hazelcast needs: no warning about module access
        assertThat(n.output()).doesNotContain("--add-opens").doesNotContain("without proper access");
      }

      b.terminate();
      assertThat(b.awaitExit(EXIT)).isZero();
      a.awaitLine(Pattern.compile("left the cluster; cluster has 1 member$"), START);
      a.terminate();
      assertThat(a.awaitExit(EXIT)).isZero();
    }
  }
}
