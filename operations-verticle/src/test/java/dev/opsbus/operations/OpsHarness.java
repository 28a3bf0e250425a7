package dev.opsbus.operations;

import dev.opsbus.testkit.TestSecrets;
import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.gateway.hosts.HostService;
import dev.opsbus.gateway.hosts.HostStore;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.hosts.HostRecord;
import dev.opsbus.ssh.SshRelayConfig;
import dev.opsbus.ssh.SshRelayVerticle;
import dev.opsbus.testkit.Await;
import dev.opsbus.testkit.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
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
import java.util.Collections;
import java.util.WeakHashMap;
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
  /** The Vert.x instances the host owner is deployed on (weakly: a closed one is forgotten). */
  private static final Set<Vertx> withHostOwner = Collections.newSetFromMap(new WeakHashMap<>());

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

  /** Registers the SSH server as host {@code demo} through the owner of the hosts table (the gateway's store). */
  static void registerDemoHost(Vertx vertx) {
    DemoSshServer s = ssh();
    HostStore store = result(HostStore.open(vertx, TestDatabase.connectOptions(), TestSecrets.cipher()));
    try {
      result(store.register(new HostStore.HostInput("demo", "demo", "127.0.0.1", s.port(), System.getProperty("user.name"),
          HostRecord.PASSWORD, "demo-pass-123", null), s.fingerprint()));
    } finally {
      result(store.close());
    }
  }

  /**
   * The gateway's host service on this Vert.x, once: relay and operations ask it about hosts, as
   * they ask a gateway of the cluster in production. Undeployed when the Vert.x closes.
   */
  static synchronized void deployHostOwner(Vertx vertx) {
    if (!withHostOwner.add(vertx)) {
      return;
    }
    result(vertx.deployVerticle(new VerticleBase() {
      private HostStore store;
      private HostService service;

      @Override
      public Future<?> start() {
        return HostStore.open(vertx, TestDatabase.connectOptions(), TestSecrets.cipher()).compose(s -> {
          store = s;
          service = new HostService(vertx, s);
          return service.start();
        });
      }

      @Override
      public Future<?> stop() {
        return service.stop().eventually(() -> store.close());
      }
    }));
  }

  static OperationsConfig config(String nodeId, List<OperationsConfig.CommandOperation> commands) {
    return OperationsConfig.defaults(nodeId, TestDatabase.connectOptions()).withCommands(commands)
        .withLiveness(Duration.ofMillis(500), Duration.ofSeconds(3));
  }

  static void deployRelay(Vertx vertx, String nodeId) {
    deployHostOwner(vertx);
    result(vertx.deployVerticle(new SshRelayVerticle(SshRelayConfig.defaults(nodeId, TestDatabase.connectOptions(), dir)
        .withSecrets(TestSecrets.SECRETS))));
  }

  static String deployOperations(Vertx vertx, OperationsConfig config) {
    deployHostOwner(vertx);
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
