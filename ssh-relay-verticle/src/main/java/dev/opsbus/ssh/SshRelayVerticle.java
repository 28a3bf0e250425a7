package dev.opsbus.ssh;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * The SSH relay. Not built yet: it deploys so that a node's verticle list is already the final one,
 * and registers nothing on the bus, so requests to {@code ssh.*} fail with "no handlers".
 */
public class SshRelayVerticle extends VerticleBase {

  private final SshRelayConfig config;

  public SshRelayVerticle(SshRelayConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    return Future.succeededFuture(config);
  }
}
