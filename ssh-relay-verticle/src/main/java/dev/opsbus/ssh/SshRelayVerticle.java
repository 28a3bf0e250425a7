package dev.opsbus.ssh;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.hosts.HostsClient;
import dev.opsbus.ssh.exec.ExecService;
import dev.opsbus.ssh.monitor.HostMonitor;
import dev.opsbus.ssh.terminal.TerminalService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSH relay: command execution for other verticles ({@code ssh.exec}), shared browser
 * terminals ({@code ssh.open}, {@code ssh.join}, {@code ssh.session.<sid>.*}), host key scans,
 * log tails and host health. sshj always runs on worker threads or on the relay's own
 * {@link RelayThreads}, shut down when it stops; secrets never leave this verticle.
 */
public class SshRelayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SshRelayVerticle.class);

  private final SshRelayConfig config;
  private Pool pool;
  private RelayThreads threads;
  private ExecService exec;
  private TerminalService terminals;
  private HostMonitor monitor;

  public SshRelayVerticle(SshRelayConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(config.dbPoolSize())).connectingTo(config.db()).using(vertx).build();
    SshConnector connector = new SshConnector(config.connectTimeout());
    threads = RelayThreads.forRelay(config, ExecService.MAX_RUNNING);
    if (config.secrets() == null) {
      return Future.failedFuture(new IllegalStateException("the relay was given no credentials key (SshRelayConfig.secrets)"));
    }
    return Future.succeededFuture(config.secrets().cipher())
        .compose(cipher -> {
          HostDirectory hosts = new HostDirectory(new HostsClient(vertx), cipher);
          exec = new ExecService(vertx, config, hosts, connector, threads);
          terminals = new TerminalService(vertx, config, hosts, connector, threads);
          monitor = new HostMonitor(vertx, config, hosts, connector, threads);
          // metrics count this relay online while it answers; the consumer goes with the verticle
          Future<Void> ping = vertx.eventBus().consumer(Addresses.NODE_SSH_PING.format(config.nodeId()), m -> m.reply(null)).completion();
          return Future.all(exec.start(), terminals.start(), monitor.start(), ping);
        })
        .onSuccess(v -> LOG.info("ssh relay of node {} ready", config.nodeId()));
  }

  @Override
  public Future<?> stop() {
    Future<?> m = monitor == null ? Future.succeededFuture() : monitor.stop();
    Future<?> t = terminals == null ? Future.succeededFuture() : terminals.stop();
    Future<?> e = exec == null ? Future.succeededFuture() : exec.stop();
    return Future.join(m, t, e).eventually(() -> {
      // last: the services have ended their commands, shells and tails; this interrupts what is left
      if (threads != null) {
        threads.shutdown();
      }
      return pool == null ? Future.succeededFuture() : pool.close();
    });
  }
}
