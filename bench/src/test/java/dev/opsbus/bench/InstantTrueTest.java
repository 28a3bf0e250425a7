package dev.opsbus.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.demohost.DemoSshServer;
import dev.opsbus.ssh.exec.RemoteProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.transport.verification.PromiscuousVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bench host's in-process {@code true} answers exactly what the relay sends for an operation's
 * {@code true} (so a change of that command line shows here, not as a bench that quietly spawns
 * processes again), with the pid line and exit status 0 a shell gives; anything else still runs.
 */
class InstantTrueTest {

  @Test
  void theRelaysTrueIsAnsweredInProcessAndOtherCommandsRunAsProcesses(@TempDir Path dir) throws Exception {
    DemoSshServer.Options options = new DemoSshServer.Options(0, dir.resolve("host.key"), "bench", "pw", List.of(),
        Files.createDirectories(dir.resolve("home")));
    try (DemoSshServer server = DemoSshServer.start(options.answeringInProcess(InstantTrue.commands()));
        SSHClient ssh = new SSHClient(new DefaultConfig())) {
      ssh.addHostKeyVerifier(new PromiscuousVerifier());
      ssh.connect(DemoSshServer.LOOPBACK, server.port());
      ssh.authPassword("bench", "pw");

      for (String tag : new String[] {null, "op-1"}) {
        long before = InstantTrue.answered();
        try (RemoteProcess p = tag == null ? RemoteProcess.start(ssh, "true") : RemoteProcess.start(ssh, "true", tag)) {
          List<String> err = new ArrayList<>();
          p.pumpStdout(line -> { });
          p.pumpStderr(err::add);
          assertThat(p.awaitPid(5_000)).isGreaterThan(100_000);
          assertThat(err).isEmpty();
          assertThat(p.exitStatus(5_000)).isEqualTo(0);
        }
        assertThat(InstantTrue.answered()).isEqualTo(before + 1);
      }

      long before = InstantTrue.answered();
      try (RemoteProcess p = RemoteProcess.start(ssh, "echo from-a-shell")) {
        List<String> out = new ArrayList<>();
        p.pumpStdout(out::add);
        p.pumpStderr(line -> { });
        assertThat(out).containsExactly("from-a-shell");
        assertThat(p.exitStatus(5_000)).isEqualTo(0);
      }
      assertThat(InstantTrue.answered()).isEqualTo(before);
    }
  }
}
