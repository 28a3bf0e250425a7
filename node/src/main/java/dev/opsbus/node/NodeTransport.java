package dev.opsbus.node;

import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network transport the node's Vert.x runs on ({@code --transport}): Java NIO, or Netty's native
 * epoll or io_uring (from the native jars matching the Netty that Vert.x uses). A native transport
 * that this machine cannot load (not Linux x86_64, io_uring disabled or too old a kernel) falls back to
 * NIO with a warning that says why; the transport in use is logged at start as {@code transport: NAME}.
 */
public enum NodeTransport {
  NIO("nio", Transport.NIO),
  EPOLL("epoll", Transport.EPOLL),
  IO_URING("io_uring", Transport.IO_URING);

  /** Epoll: Netty's recommended transport on Linux, and the faster gateway in docs/BENCHMARKS.md. */
  public static final NodeTransport DEFAULT = EPOLL;

  private static final Logger LOG = LoggerFactory.getLogger(NodeTransport.class);

  private final String wireName;
  private final Transport vertxTransport;

  NodeTransport(String wireName, Transport vertxTransport) {
    this.wireName = wireName;
    this.vertxTransport = vertxTransport;
  }

  public String wireName() {
    return wireName;
  }

  /** Whether this machine can run the transport. */
  public boolean available() {
    return vertxTransport != null && vertxTransport.available();
  }

  /** Why the transport cannot run here, or null when it can. */
  public Throwable unavailabilityCause() {
    if (vertxTransport == null) {
      return new IllegalStateException("Vert.x has no " + wireName + " transport");
    }
    return vertxTransport.available() ? null : vertxTransport.unavailabilityCause();
  }

  /** {@code nio}, {@code epoll} or {@code io_uring} (also {@code io-uring}), any case. */
  public static NodeTransport parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    for (NodeTransport t : values()) {
      if (t.wireName.equals(n)) {
        return t;
      }
    }
    throw new IllegalArgumentException("'" + name + "' is not a transport (" + knownNames() + ")");
  }

  public static String knownNames() {
    return Arrays.stream(values()).map(NodeTransport::wireName).collect(Collectors.joining(", "));
  }

  /**
   * The transport that will run: this one when available, else NIO. Logs {@code transport: NAME}, and
   * a warning with the cause when it fell back.
   */
  public NodeTransport resolve() {
    if (this == NIO || available()) {
      LOG.info("transport: {}", wireName);
      return this;
    }
    Throwable cause = unavailabilityCause();
    LOG.warn("transport: nio ({} requested but unavailable: {})", wireName,
        cause == null ? "unknown reason" : rootMessage(cause));
    return NIO;
  }

  /** A Vert.x builder with {@code options} on the transport {@link #resolve()} picks. */
  public VertxBuilder builder(VertxOptions options) {
    NodeTransport used = resolve();
    return Vertx.builder().with(options).withTransport(used.vertxTransport);
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
