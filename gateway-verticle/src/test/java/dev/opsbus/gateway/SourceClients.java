package dev.opsbus.gateway;

import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/** HTTP clients that connect from a chosen loopback address (127.0.0.x), a real source address the gateway sees. */
final class SourceClients {

  private SourceClients() {
  }

  static WebClient from(GatewayHarness gw, String localAddress) {
    return from(gw, localAddress, 1);
  }

  /** With room for {@code parallel} requests in flight at once. */
  static WebClient from(GatewayHarness gw, String localAddress, int parallel) {
    WebClientOptions o = new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gw.port());
    o.setLocalAddress(localAddress);
    return WebClient.create(gw.vertx, o, new PoolOptions().setHttp1MaxSize(parallel));
  }
}
