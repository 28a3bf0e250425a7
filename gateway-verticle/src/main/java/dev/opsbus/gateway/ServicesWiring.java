package dev.opsbus.gateway;

import dev.opsbus.gateway.auth.AccessPolicy;
import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.gateway.bridge.BridgeServer;
import dev.opsbus.gateway.bridge.ConnectionAddresses;
import dev.opsbus.gateway.bridge.tcp.TcpBridgeServer;
import dev.opsbus.gateway.http.Authn;
import dev.opsbus.gateway.http.BusApi;
import dev.opsbus.gateway.notifications.NotificationService;
import dev.opsbus.gateway.notifications.NotificationStore;
import dev.opsbus.gateway.servicekeys.KeyConnections;
import dev.opsbus.gateway.servicekeys.KeySecret;
import dev.opsbus.gateway.servicekeys.ServiceKeyAccess;
import dev.opsbus.gateway.servicekeys.ServiceKeyApi;
import dev.opsbus.gateway.servicekeys.ServiceKeyStore;
import dev.opsbus.gateway.servicekeys.ServiceKeys;
import dev.opsbus.gateway.servicekeys.ServiceRules;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.ResourceGuard;
import dev.opsbus.model.event.ActivityEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Issue 15's parts of the gateway, wired in one place so {@link GatewayVerticle} only calls it:
 * service keys (as bearer credentials everywhere, their API, revocation), the rules for service
 * namespaces, notifications and connection addresses ({@code conn.*}), HTTP publish and request, the TCP bridge and notifications.
 */
final class ServicesWiring {

  private final Vertx vertx;
  private final GatewayConfig config;
  private final ServiceKeys keys;
  private final NotificationService notifications;
  private final PermissionRules rules;
  private final ResourceGuard guard;
  private ServiceKeyAccess access;
  private TcpBridgeServer tcp;
  private IntConsumer httpMessages = n -> { };

  ServicesWiring(Vertx vertx, GatewayConfig config, Pool pool, ResourceGuard sessions) {
    this.vertx = vertx;
    this.config = config;
    this.keys = new ServiceKeys(vertx, new ServiceKeyStore(pool), config.services());
    this.notifications = new NotificationService(vertx, new NotificationStore(pool));
    this.rules = ConnectionAddresses.withRules(NotificationService.withRules(ServiceRules.withRules(config.rules(), config.services())));
    this.guard = NotificationService.guard(sessions);
  }

  /** The configured rules plus those of service namespaces, notifications and connection addresses. */
  PermissionRules rules() {
    return rules;
  }

  ResourceGuard guard() {
    return guard;
  }

  public ServiceKeys keys() {
    return keys;
  }

  /** Service keys become bearer credentials wherever tokens are taken; returns the access policy for the bridge and HTTP. */
  ServiceKeyAccess access(TokenService tokens) {
    tokens.acceptServiceKeys(KeySecret.PREFIX, keys::verify);
    access = new ServiceKeyAccess(AccessPolicy.of(rules, guard), keys, config.services().namespacePatterns());
    return access;
  }

  /** Told how many messages HTTP publish and request put on the bus (the {@code http} transport's count). */
  void countHttpMessages(IntConsumer messages) {
    this.httpMessages = messages;
  }

  void mount(Router router, Authn authn, Consumer<ActivityEvent> activity) {
    new ServiceKeyApi(keys, authn, activity, config.nodeId()).mount(router);
    new BusApi(vertx, authn, access, config.bridge().requestTimeout().toMillis()).counting(httpMessages).mount(router);
  }

  Future<Void> start(BridgeServer bridge) {
    Future<Void> revocations = keys.start(new KeyConnections() {
      @Override
      public Set<String> principals() {
        return bridge.connectedPrincipals();
      }

      @Override
      public int cut(String principalName, ErrorCode code, String reason) {
        return bridge.closeConnectionsOf(principalName, code, reason);
      }
    });
    Future<Integer> tcpStarted = Future.succeededFuture(-1);
    if (config.services().tcpBridgeOn()) {
      tcp = new TcpBridgeServer(vertx, bridge, config.services(), config.bridge().maxFrameBytes());
      tcpStarted = tcp.start();
    }
    return Future.all(revocations, notifications.start(), tcpStarted).mapEmpty();
  }

  /** The TCP bridge's port, or -1 when it is off. */
  int tcpBridgePort() {
    return tcp == null ? -1 : tcp.actualPort();
  }

  Future<Void> stop() {
    keys.stop();
    notifications.stop();
    return tcp == null ? Future.succeededFuture() : tcp.stop();
  }
}
