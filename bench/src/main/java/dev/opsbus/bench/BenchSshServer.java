package dev.opsbus.bench;

import dev.opsbus.demohost.DemoSshServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code ssh-server}: the SSH server of the terminal and operations scenarios, the same
 * {@link DemoSshServer} (Apache MINA SSHD, pty4j shell, 127.0.0.1 only) an opsbus node starts with
 * {@code --demo}, but with a password the bench knows ({@code BENCH_SSH_PASSWORD}), so that both the
 * opsbus relay (the host registered through the API) and sshj straight from the generator log in to
 * the same server. Runs in a process of its own, pinned by run.sh to a core. With
 * {@code --in-process-true} the relay's {@code true} is answered without a process ({@link InstantTrue}). Prints
 * {@code {"listening":PORT,"fingerprint":"SHA256:…","user":"…","pid":PID}} once up.
 */
final class BenchSshServer {

  static final String PASSWORD_ENV = "BENCH_SSH_PASSWORD";

  private BenchSshServer() {
  }

  static void main(String[] args, PrintStream out) throws Exception {
    Flags f = Flags.parse(args, List.of());
    f.checkOnly(List.of("port", "in-process-true"));
    String password = System.getenv(PASSWORD_ENV);
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("set " + PASSWORD_ENV + ": the generator logs in with it");
    }
    Path dir = Files.createTempDirectory("opsbus-bench-ssh-");
    String user = System.getProperty("user.name");
    Path home = Path.of(System.getProperty("user.home"));
    DemoSshServer.Options options = new DemoSshServer.Options(f.integer("port", 0), dir.resolve("host.key"), user,
        password, List.of(), Files.isDirectory(home) ? home : dir);
    DemoSshServer server = DemoSshServer.start(f.bool("in-process-true") ? options.answeringInProcess(InstantTrue.commands()) : options);
    out.println("{\"listening\":" + server.port() + ",\"fingerprint\":\"" + server.fingerprint() + "\",\"user\":\"" + user
        + "\",\"pid\":" + ProcStats.selfPid() + "}");
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
        try (Stream<Path> paths = Files.walk(dir)) {
          paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
          // a temporary directory; the OS cleans it eventually
        }
      } finally {
        stopped.countDown();
      }
    }, "bench-ssh-stop"));
    stopped.await();
  }
}
