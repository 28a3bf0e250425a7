package dev.opsbus.operations;

import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.ssh.SshRelayConfig;
import dev.opsbus.ssh.SshRelayVerticle;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import dev.opsbus.testkit.TestHosts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A real SSH server, the real relay and the operations verticle on a real database, for tests. */
final class OpsHarness {

  static final Principal ADMIN = new Principal("alice", Set.of(Role.ADMIN), Set.of("*"), null);
  static final Principal OPERATOR = new Principal("otto", Set.of(Role.OPERATOR), Set.of("demo"), null);
  static final Principal VIEWER = new Principal("vic", Set.of(Role.VIEWER), Set.of("demo"), null);

  static DemoSshServer ssh;
  static Path dir;

  private OpsHarness() {
  }

  /** One SSH server for the test JVM, registered as host {@code demo} with its key pinned. */
  static synchronized DemoSshServer ssh() {
    if (ssh == null) {
      try {
        dir = Files.createTempDirectory("ops-test");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ssh = DemoSshServer.start(DemoSshServer.Options.of(dir.resolve("host.key"), System.getProperty("user.name"), "demo-pass-123", dir));
      Runtime.getRuntime().addShutdownHook(new Thread(ssh::close));
    }
    return ssh;
  }

  static void registerDemoHost() {
    DemoSshServer s = ssh();
    TestHosts.password("demo", "127.0.0.1", s.port(), System.getProperty("user.name"), "demo-pass-123", s.fingerprint());
  }

  static OperationsConfig config(String nodeId, List<OperationsConfig.CommandOperation> commands) {
    return OperationsConfig.defaults(nodeId, TestDatabase.connectOptions()).withCommands(commands)
        .withLiveness(Duration.ofMillis(500), Duration.ofSeconds(3));
  }

  static void deployRelay(Vertx vertx, String nodeId) {
    result(vertx.deployVerticle(new SshRelayVerticle(SshRelayConfig.defaults(nodeId, TestDatabase.connectOptions(), dir))));
  }

  static String deployOperations(Vertx vertx, OperationsConfig config) {
    return result(vertx.deployVerticle(new OperationsVerticle(config)));
  }

  static Future<JsonObject> request(Vertx vertx, String address, JsonObject body, Principal as) {
    DeliveryOptions opts = new DeliveryOptions().setSendTimeout(30_000);
    if (as != null) {
      BusIdentity.stamp(opts, as);
    }
    return vertx.eventBus().<JsonObject>request(address, body, opts).map(Message::body);
  }

  /** The failure code of a request that must fail. */
  static int failureCode(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof ReplyException re) {
        return re.failureCode();
      }
      throw new AssertionError("failed, but not with a reply failure: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the request succeeded; a refusal was expected");
  }

  static String failureMessage(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause().getMessage();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the request succeeded; a refusal was expected");
  }

  static <T> T result(Future<T> f) {
    return Await.result(f, Duration.ofSeconds(60));
  }

  static void until(String what, Duration timeout, BooleanSupplier condition) {
    Await.until(what, timeout, condition);
  }

  static OperationsConfig.CommandOperation command(String name, String command) {
    return new OperationsConfig.CommandOperation(name, command, List.of(), List.of("operator"), Duration.ofSeconds(60));
  }
}
