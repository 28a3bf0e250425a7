package dev.opsbus.gateway.loops;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * More event loops on the gateway's HTTP port ({@code gateway.eventLoops}): the gateway's own server
 * listens first, then one more server per extra loop binds the same port with the same handlers,
 * each in a verticle instance of its own, so on a context (and an event loop) of its own. Vert.x
 * hands each new TCP connection to the next of the servers sharing the port, and a connection, its
 * requests and the sockets upgraded from it stay on that server's loop for their whole life.
 *
 * <p>So every handler behind the port runs on several loops at once: what they share is safe from
 * any thread (docs/ARCHITECTURE.md, "Event loops"), and what belongs to one socket stays on its loop.
 */
public final class AcceptLoops {

  /** The gateway's own loop and the loops of the extra servers. */
  private final Set<Context> contexts = ConcurrentHashMap.newKeySet();
  private String deployment;

  public AcceptLoops(Context home) {
    contexts.add(home);
  }

  /**
   * Binds {@code extra} more servers on {@code port} (the port the gateway's own server bound) with
   * the handlers of that server. Completes when every one listens.
   */
  public Future<Void> start(Vertx vertx, int extra, HttpServerOptions options, int port, Handler<HttpConnection> connections,
      Handler<HttpServerRequest> invalid, Handler<HttpServerRequest> requests) {
    if (extra <= 0) {
      return Future.succeededFuture();
    }
    HttpServerOptions shared = new HttpServerOptions(options).setPort(port);
    Supplier<VerticleBase> one = () -> new VerticleBase() {
      @Override
      public Future<?> start() {
        contexts.add(context);
        return vertx.createHttpServer(shared)
            .connectionHandler(connections)
            .invalidRequestHandler(invalid)
            .requestHandler(requests)
            .listen();
      }
    };
    return vertx.deployVerticle(one, new DeploymentOptions().setInstances(extra).setThreadingModel(ThreadingModel.EVENT_LOOP))
        .onSuccess(id -> deployment = id)
        .mapEmpty();
  }

  /** How many loops accept connections: 1 plus the extra servers that listen. */
  public int count() {
    return contexts.size();
  }

  /** The contexts of every loop accepting on the port, the gateway's own among them. */
  public List<Context> contexts() {
    return List.copyOf(contexts);
  }

  /**
   * Closes the extra servers. Deployed from the gateway's start, they are its children: undeploying
   * the gateway undeploys them first, and then there is nothing left to do here.
   */
  public Future<Void> stop(Vertx vertx) {
    if (deployment == null) {
      return Future.succeededFuture();
    }
    String id = deployment;
    deployment = null;
    return vertx.deploymentIDs().contains(id) ? vertx.undeploy(id).recover(err -> Future.succeededFuture()) : Future.succeededFuture();
  }
}
