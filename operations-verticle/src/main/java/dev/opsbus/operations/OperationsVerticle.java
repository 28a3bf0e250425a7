package dev.opsbus.operations;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Operations and activity. Not built yet: it deploys so that a node's verticle list is already the
 * final one, and registers nothing on the bus, so requests to {@code ops.*} fail with "no handlers".
 */
public class OperationsVerticle extends VerticleBase {

  private final OperationsConfig config;

  public OperationsVerticle(OperationsConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    return Future.succeededFuture(config);
  }
}
