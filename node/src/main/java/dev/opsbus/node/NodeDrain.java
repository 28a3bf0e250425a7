package dev.opsbus.node;

import dev.opsbus.gateway.GatewayVerticle;
import dev.opsbus.model.NodeLocal;
import dev.opsbus.operations.OperationsVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node leaving on SIGTERM, in order: (1) it marks itself draining, so {@code /ready} answers 503
 * {@code node_draining} and the gateway refuses new sockets, operations and terminals; (2) the
 * operations verticle takes no new start; (3) every real-time client gets {@code node_draining} with
 * a reconnect delay spread over {@link DrainConfig#reconnectWindow} (the last node of the cluster
 * first publishes {@code status.server} down); (4) running operations may finish for up to
 * {@link DrainConfig#timeout}, and what is still running then is failed {@code node_shutdown}.
 * Then the node stops as usual. Blocks; call from the shutdown hook's thread.
 */
final class NodeDrain {

  private static final Logger LOG = LoggerFactory.getLogger(NodeDrain.class);
  /** Beyond the drain timeout: time to end the last operations and write their changes. */
  private static final long SLACK_MS = 15_000;

  private NodeDrain() {
  }

  static void run(Vertx vertx, String nodeId, DrainConfig config, GatewayVerticle gateway, OperationsVerticle operations, int clusterSize) {
    long t0 = System.nanoTime();
    vertx.sharedData().getLocalMap(NodeLocal.MAP).put(NodeLocal.DRAINING, String.valueOf(System.currentTimeMillis()));
    LOG.info("node {} draining: /ready answers 503 node_draining; no new connections, operations or terminals here", nodeId);
    Future<Void> opsDone = operations == null ? Future.succeededFuture() : operations.drain(config.timeout());
    if (gateway != null) {
      await(gateway.drain(config.reconnectWindow(), clusterSize <= 1), 10_000, "telling clients to reconnect");
    }
    await(opsDone, config.timeout().toMillis() + SLACK_MS, "letting operations finish");
    LOG.info("node {} drained in {} ms", nodeId, (System.nanoTime() - t0) / 1_000_000);
  }

  private static void await(Future<?> f, long timeoutMs, String what) {
    try {
      f.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn("draining: {} took longer than {} ms; stopping anyway", what, timeoutMs);
    } catch (ExecutionException e) {
      LOG.warn("draining: {} failed: {}", what, NodeDatabase.rootMessage(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
