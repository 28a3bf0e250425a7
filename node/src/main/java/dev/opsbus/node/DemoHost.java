package dev.opsbus.node;

import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.gateway.hosts.HostStore;
import dev.opsbus.model.hosts.HostRecord;
import dev.opsbus.model.secret.CredentialCipher;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --demo}: an SSH server on loopback for the OS user running the node, registered as host
 * {@code demo} with its host key pinned and a password generated at each start (kept only
 * encrypted, in the hosts table). The row is written through the table's owner, the gateway's
 * {@link HostStore}, whichever verticles this node runs. Blocks: runs on the launcher's thread,
 * after Vert.x is up and before the verticles deploy.
 */
final class DemoHost {

  private static final Logger LOG = LoggerFactory.getLogger(DemoHost.class);

  static final String HOST_ID = "demo";
  static final String HOST_NAME = "Demo host (this machine, loopback)";

  private static final Duration REGISTER_TIMEOUT = Duration.ofSeconds(30);
  private static final SecureRandom RANDOM = new SecureRandom();

  private DemoHost() {
  }

  /** Starts the server and upserts host {@code demo}; the caller closes the server on stop. */
  static DemoSshServer start(Path dataDir, Vertx vertx, PgConnectOptions db, CredentialCipher cipher) {
    Path dir = dataDir.toAbsolutePath().normalize().resolve("demo-host");
    String user = System.getProperty("user.name");
    String password = randomSecret(24);
    Path home = Path.of(System.getProperty("user.home"));
    DemoSshServer server;
    try {
      Files.createDirectories(dir);
      server = DemoSshServer.start(DemoSshServer.Options.of(dir.resolve("host.key"), user, password,
          Files.isDirectory(home) ? home : dir));
    } catch (IOException | RuntimeException e) {
      throw new NodeStartException("the demo SSH host did not start: " + NodeDatabase.rootMessage(e), e);
    }
    try {
      register(vertx, db, cipher, server, user, password);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      server.close();
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new NodeStartException("the demo host could not be registered in the database: " + NodeDatabase.rootMessage(cause), cause);
    } catch (InterruptedException e) {
      server.close();
      Thread.currentThread().interrupt();
      throw new NodeStartException("interrupted while registering the demo host", e);
    }
    LOG.info("demo host '{}' on {}:{} (user {}), host key {} pinned", HOST_ID, server.host(), server.port(), user,
        server.fingerprint());
    return server;
  }

  private static void register(Vertx vertx, PgConnectOptions db, CredentialCipher cipher, DemoSshServer server, String user,
      String password)
      throws ExecutionException, TimeoutException, InterruptedException {
    // logs left null: an admin's log settings on host demo survive a restart
    HostStore.HostInput demo = new HostStore.HostInput(HOST_ID, HOST_NAME, server.host(), server.port(), user, HostRecord.PASSWORD,
        password, null);
    HostStore.open(vertx, db, cipher)
        .compose(store -> store.register(demo, server.fingerprint()).eventually(store::close))
        .toCompletionStage().toCompletableFuture().get(REGISTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static String randomSecret(int bytes) {
    byte[] raw = new byte[bytes];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }
}
