package dev.opsbus.bench;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BuildInfo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The opsbus side of the bench: publishes the stamped bench message on {@link #FANOUT_ADDRESS}
 * as a {@link JsonObject}, as real opsbus services publish, and lets the node's gateway bridge fan it
 * out. Serves the bench control API on its own small HTTP server, since the gateway's router is not
 * open to other verticles. Its {@code clients} are the bridge subscriptions the gateway reports (its
 * own node's gateway, or in the cross-node scenario the gateway node's, through
 * {@link OpsbusBenchServer#GATEWAY_STATS_ADDRESS}). {@code /bench/logs/*} drives the log-lines
 * scenario ({@link LogLinePublisher}).
 */
public final class OpsbusBenchPublisher extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OpsbusBenchPublisher.class);

  /**
   * The bench's fan-out address. No default rule names it: the bench server adds its own subscribe
   * rule ({@link OpsbusBenchServer#rules()}), so a production node never bridges it.
   */
  public static final String FANOUT_ADDRESS = "bench.fanout";

  /** How long the control API waits for the gateway's stats reply before answering 503. */
  static final long STATS_TIMEOUT_MILLIS = 5_000;

  /**
   * @param nodeId this node
   * @param host interface the control API binds
   * @param port control API port, 0 for any free one
   * @param statsAddress where the gateway's counts are asked: {@code node.{nodeId}.gateway.stats}, or
   *     {@link OpsbusBenchServer#GATEWAY_STATS_ADDRESS} on a publisher-only node
   */
  public record Config(String nodeId, String host, int port, String statsAddress) {

    /** Counts from this node's own gateway. */
    public Config(String nodeId, String host, int port) {
      this(nodeId, host, port, Addresses.NODE_GATEWAY_STATS.format(nodeId));
    }
  }

  private final Config config;
  private HttpServer server;
  private BenchControl control;
  private LogLinePublisher logs;
  private String statsAddress;
  private int subscribers;

  public OpsbusBenchPublisher(Config config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    statsAddress = config.statsAddress();
    logs = new LogLinePublisher(vertx, context);
    BroadcastPublisher publisher = new BroadcastPublisher(vertx,
        body -> vertx.eventBus().publish(FANOUT_ADDRESS, new JsonObject(body)));
    control = new BenchControl(publisher, () -> subscribers,
        "opsbus " + BuildInfo.version() + " bridge over raw WebSocket (vertx-core " + RawBroadcastServer.vertxVersion()
            + "), Java " + Runtime.version());
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port()))
        .requestHandler(this::handle);
    return server.listen();
  }

  /**
   * Start and stats report the subscriber count, so read it fresh from the gateway first. When the
   * gateway's event loop is too far behind to answer in time (an overloaded point), answer with the
   * last count read: {@code published} and the other figures come from this verticle and are exact.
   */
  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (path.startsWith(LogLinePublisher.PREFIX)) {
      logs.handle(req);
      return;
    }
    if (!path.equals("/bench/stats") && !path.equals("/bench/start")) {
      control.handle(req);
      return;
    }
    vertx.eventBus().<JsonObject>request(statsAddress, null, new DeliveryOptions().setSendTimeout(STATS_TIMEOUT_MILLIS))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            subscribers = ar.result().body().getInteger("bridgeSubscriptions", 0);
          } else {
            LOG.warn("the gateway did not report its bridge subscriptions ({}); answering {} with the last count, {}",
                ar.cause().getMessage(), path, subscribers);
          }
          control.handle(req);
        });
  }

  @Override
  public Future<?> stop() {
    if (logs != null) {
      logs.stop();
    }
    return Future.succeededFuture();
  }

  /** The control API's port (the real one when the config asked for 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
