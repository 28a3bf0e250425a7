package dev.opsbus.ssh;

import dev.opsbus.testkit.TestSecrets;
import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.gateway.hosts.HostService;
import dev.opsbus.gateway.hosts.HostStore;
import dev.opsbus.model.hosts.HostRecord;
import dev.opsbus.model.hosts.HostsClient;
import dev.opsbus.model.secret.CredentialCipher;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
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
 * database with hosts in it, registered through their owner (the gateway's {@link HostStore},
 * secrets sealed with the cluster key) whose {@link HostService} answers the relay's
 * {@code hosts.*} requests on this Vert.x, and a record of every bus message body and header sent
 * during the test, to prove no secret ever travels.
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
  /** The relay's directory: a client of the owner's bus service, like the verticle's. */
  public final HostDirectory hosts;
  /** The owner of the hosts table, for registering hosts as the API or the launcher would. */
  public final HostStore owner;
  private final HostService ownerService;
  public final SshConnector connector = new SshConnector(CONNECT_TIMEOUT);
  public final SshRelayConfig config;
  /** The relay's threads for the services under test; shut down by {@link #close()}. */
  public final RelayThreads threads;
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
    cipher = TestSecrets.cipher();
    owner = await(HostStore.open(vertx, TestDatabase.connectOptions(), cipher));
    ownerService = new HostService(vertx, owner);
    await(ownerService.start());
    hosts = new HostDirectory(new HostsClient(vertx), cipher);
    SshRelayConfig d = SshRelayConfig.defaults("test-node", TestDatabase.connectOptions(), dir);
    config = d.toBuilder().connectTimeout(CONNECT_TIMEOUT).healthPeriod(healthPeriod).build();
    threads = RelayThreads.forRelay(config, dev.opsbus.ssh.exec.ExecService.MAX_RUNNING);
  }

  /** Registers a host reached as {@code address:port} with {@code password}, pinned to {@code fingerprint}. */
  public void addHost(String id, int port, String password, String fingerprint, JsonArray logs) throws Exception {
    await(owner.register(new HostStore.HostInput(id, "host " + id, DemoSshServer.LOOPBACK, port, USER, HostRecord.PASSWORD, password,
        logs == null ? new JsonArray() : logs), fingerprint));
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
      await(ownerService.stop());
      await(owner.close());
      await(pool.close());
    } finally {
      threads.shutdown();
      server.close();
    }
  }
}
