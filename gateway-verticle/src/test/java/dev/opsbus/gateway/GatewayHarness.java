package dev.opsbus.gateway;

import dev.opsbus.gateway.bridge.BridgeLimits;
import dev.opsbus.testkit.Await;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.testkit.TestDatabase;
import dev.opsbus.testkit.TestSecrets;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

/** A real gateway on a real (embedded) PostgreSQL, on a free port, with helpers to log in and make users. */
public final class GatewayHarness implements AutoCloseable {

  public static final String ADMIN_PASSWORD = "admin-secret-pw";

  public final Vertx vertx;
  public final GatewayVerticle gateway;
  public final WebClient http;
  public final String nodeId;
  private final String deploymentId;

  private GatewayHarness(Vertx vertx, GatewayVerticle gateway, String deploymentId, String nodeId) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.deploymentId = deploymentId;
    this.nodeId = nodeId;
    // a pooled connection is dropped by the client (1 s) before any test's server idle timeout (3 s at
    // the least) can close it under a request in flight, which the client would see as "Connection was closed"
    this.http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("localhost").setDefaultPort(gateway.actualPort())
        .setKeepAliveTimeout(1));
  }

  /** System property: the event loops every harness gateway accepts on (unset: what the test's config says). */
  public static final String LOOPS_PROPERTY = "opsbus.test.gatewayLoops";

  public static GatewayConfig config(String nodeId, BridgeLimits limits) {
    return new GatewayConfig(nodeId, "test", "127.0.0.1", 0, TestDatabase.connectOptions(), 4,
        PermissionRules.defaults(), List.of("http://console.example"), GatewayConfig.DEFAULT_TOKEN_TTL, false, ADMIN_PASSWORD, limits)
        .withSecrets(TestSecrets.SECRETS);
  }

  /** A fresh database and a gateway on a new Vert.x. */
  public static GatewayHarness start() {
    return start(UnaryOperator.identity());
  }

  public static GatewayHarness start(UnaryOperator<GatewayConfig> tweak) {
    TestDatabase.reset();
    return startOn(Vertx.vertx(), tweak);
  }

  /** A gateway on the given Vert.x, on the database as it is. */
  public static GatewayHarness startOn(Vertx vertx, UnaryOperator<GatewayConfig> tweak) {
    String nodeId = "node-" + UUID.randomUUID().toString().substring(0, 8);
    GatewayConfig config = tweak.apply(config(nodeId, BridgeLimits.defaults()));
    // -Dopsbus.test.gatewayLoops=N runs every gateway test that did not choose its loops on N event loops
    int loops = Integer.getInteger(LOOPS_PROPERTY, config.connections().eventLoops());
    if (config.connections().eventLoops() == 1 && loops != 1) {
      config = config.withConnections(config.connections().withEventLoops(loops));
    }
    // a tweak that rebuilt the record without keys gets the test keys back
    GatewayVerticle gateway = new GatewayVerticle(config.secrets() == null ? config.withSecrets(TestSecrets.SECRETS) : config);
    String id = Await.result(vertx.deployVerticle(gateway));
    vertx.sharedData().<String, String>getLocalMap(GatewayVerticle.NODE_MAP).put(GatewayVerticle.NODE_MAP_DEPLOYED, "gateway");
    return new GatewayHarness(vertx, gateway, id, nodeId);
  }

  public int port() {
    return gateway.actualPort();
  }

  public HttpResponse<Buffer> login(String username, String password) {
    return Await.result(http.post("/api/login").sendJsonObject(new JsonObject().put("username", username).put("password", password)));
  }

  public String token(String username, String password) {
    HttpResponse<Buffer> r = login(username, password);
    if (r.statusCode() != 200) {
      throw new AssertionError("login of " + username + " failed: " + r.statusCode() + " " + r.bodyAsString());
    }
    return r.bodyAsJsonObject().getString("token");
  }

  public String adminToken() {
    return token("admin", ADMIN_PASSWORD);
  }

  /** Creates a user through the admin API and returns a token for it. */
  public String user(String username, List<String> roles, List<String> hosts) {
    String password = username + "-password";
    HttpResponse<Buffer> r = Await.result(http.post("/api/users").bearerTokenAuthentication(adminToken())
        .sendJsonObject(new JsonObject().put("username", username).put("password", password)
            .put("roles", new JsonArray(roles)).put("hosts", new JsonArray(hosts))));
    if (r.statusCode() != 201) {
      throw new AssertionError("creating " + username + " failed: " + r.statusCode() + " " + r.bodyAsString());
    }
    return token(username, password);
  }

  public BridgeClient client(BridgeClient.Transport transport, String token) {
    return BridgeClient.connect(vertx, transport, port(), token);
  }

  @Override
  public void close() {
    Await.result(vertx.undeploy(deploymentId));
    Await.result(vertx.close());
  }
}
