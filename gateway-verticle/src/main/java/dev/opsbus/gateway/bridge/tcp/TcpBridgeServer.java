package dev.opsbus.gateway.bridge.tcp;

import dev.opsbus.gateway.bridge.BridgeServer;
import dev.opsbus.gateway.servicekeys.ServiceSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge ({@code --tcp-bridge-port}, off by default): the Vert.x TCP bridge
 * protocol on a {@link NetServer}, TLS when the {@code services} section names PEM files. Every
 * connection is an ordinary {@link BridgeServer} connection, so it has the same frame parser,
 * permission checks (rules plus service-key grants), limits, err frames and identity stamping as
 * the WebSocket bridge; it logs in with {@code headers.authorization: "Bearer opsk_..."} on a
 * frame. Not {@code vertx-tcp-eventbus-bridge}: its permission model (regex allow-lists per
 * bridge) cannot express per-principal rules, and two permission models would drift apart.
 */
public final class TcpBridgeServer {

  private static final Logger LOG = LoggerFactory.getLogger(TcpBridgeServer.class);

  private final Vertx vertx;
  private final BridgeServer bridge;
  private final ServiceSettings settings;
  private final int maxFrameBytes;
  private NetServer server;

  public TcpBridgeServer(Vertx vertx, BridgeServer bridge, ServiceSettings settings, int maxFrameBytes) {
    this.vertx = vertx;
    this.bridge = bridge;
    this.settings = settings;
    this.maxFrameBytes = maxFrameBytes;
  }

  public Future<Integer> start() {
    NetServerOptions opts = new NetServerOptions().setHost(settings.tcpBridgeHost()).setPort(settings.tcpBridgePort()).setTcpNoDelay(true);
    if (settings.tls()) {
      opts.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(settings.tlsCertPem()).setKeyPath(settings.tlsKeyPem()));
    }
    server = vertx.createNetServer(opts);
    server.connectHandler(socket -> bridge.accept(new TcpTransport(socket, maxFrameBytes)));
    return server.listen()
        .recover(err -> Future.failedFuture(new IllegalStateException("tcp bridge port " + settings.tcpBridgePort() + " on "
            + settings.tcpBridgeHost() + " is not available: " + err.getMessage(), err)))
        .map(s -> {
          LOG.info("TCP event-bus bridge listening on {}:{}{}", settings.tcpBridgeHost(), s.actualPort(), settings.tls() ? " (TLS)" : "");
          return s.actualPort();
        });
  }

  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
