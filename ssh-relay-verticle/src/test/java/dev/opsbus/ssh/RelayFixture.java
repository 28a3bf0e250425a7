package dev.opsbus.ssh;

import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.model.db.Settings;
import dev.opsbus.model.secret.CredentialCipher;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What the relay's exec and monitor tests share: a real SSH server (the demo host), the real
 * database with hosts in it (secrets encrypted with the cluster key), and a record of every bus
 * message body and header sent during the test, to prove no secret ever travels.
 */
public final class RelayFixture implements AutoCloseable {

  public static final String USER = "relay-test";
  public static final String PASSWORD = "pw-" + Long.toHexString(System.nanoTime()) + "-Zq9";
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration WAIT = Duration.ofSeconds(20);
  /** A well-formed fingerprint no server offers. */
  public static final String WRONG_FINGERPRINT = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

  public final Vertx vertx;
  public final DemoSshServer server;
  public final Pool pool;
  public final CredentialCipher cipher;
  public final HostDirectory hosts;
  public final SshConnector connector = new SshConnector(CONNECT_TIMEOUT);
  public final SshRelayConfig config;
  public final List<String> busTraffic = new CopyOnWriteArrayList<>();

  public RelayFixture(Vertx vertx, Path dir, Duration healthPeriod) throws Exception {
    this.vertx = vertx;
    vertx.eventBus().addOutboundInterceptor(ctx -> {
      busTraffic.add(ctx.message().address() + " " + ctx.message().headers() + " " + ctx.message().body());
      ctx.next();
    });
    Path home = Files.createDirectories(dir.resolve("home"));
    server = DemoSshServer.start(DemoSshServer.Options.of(dir.resolve("host.key"), USER, PASSWORD, home));
    TestDatabase.reset();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4)).connectingTo(TestDatabase.connectOptions()).using(vertx).build();
    cipher = new CredentialCipher(await(new Settings(pool).getOrCreateSecret(CredentialCipher.SETTINGS_KEY, CredentialCipher.KEY_BYTES)));
    hosts = new HostDirectory(pool, cipher);
    SshRelayConfig d = SshRelayConfig.defaults("test-node", TestDatabase.connectOptions(), dir);
    config = new SshRelayConfig(d.nodeId(), d.db(), d.dataDir(), CONNECT_TIMEOUT, d.reattachGrace(), d.idleTimeout(),
        d.maxSessionsPerUser(), d.maxSessionsPerNode(), d.scrollbackBytes(), d.recordInput(), healthPeriod, d.dbPoolSize());
  }

  /** Inserts a host reached as {@code address:port} with {@code password}, pinned to {@code fingerprint}. */
  public void addHost(String id, int port, String password, String fingerprint, JsonArray logs) throws Exception {
    await(pool.preparedQuery("INSERT INTO hosts (id, name, address, port, username, auth_type, secret_encrypted, host_key_fingerprint, logs)"
            + " VALUES ($1, $2, $3, $4, $5, 'password', $6, $7, $8::jsonb)")
        .execute(Tuple.of(id, "host " + id, DemoSshServer.LOOPBACK, port, USER, cipher.encrypt(password), fingerprint,
            logs == null ? new JsonArray() : logs)));
  }

  /** The demo server, correctly pinned, with the right password. */
  public void addGoodHost(String id, JsonArray logs) throws Exception {
    addHost(id, server.port(), PASSWORD, server.fingerprint(), logs);
  }

  /** A loopback port with nothing listening on it. */
  public static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Every recorded bus message that contains the host password (there must be none). */
  public List<String> trafficWithSecret() {
    return busTraffic.stream().filter(s -> s.contains(PASSWORD)).toList();
  }

  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      await(pool.close());
    } finally {
      server.close();
    }
  }
}
