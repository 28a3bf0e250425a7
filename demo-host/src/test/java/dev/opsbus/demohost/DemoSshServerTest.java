package dev.opsbus.demohost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.IOUtils;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.userauth.UserAuthException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo SSH server against a real SSH client (sshj), as the relay will use it. */
class DemoSshServerTest {

  private static final String USER = "demo";
  private static final String PASSWORD = "s3cret-pw";
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  private DemoSshServer server;
  private final List<PublicKey> seenHostKeys = new CopyOnWriteArrayList<>();
  private final List<SSHClient> clients = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    server = DemoSshServer.start(options());
  }

  private DemoSshServer.Options options() throws IOException {
    Path home = Files.createDirectories(dir.resolve("home"));
    return DemoSshServer.Options.of(dir.resolve("keys/host.key"), USER, PASSWORD, home);
  }

  @AfterEach
  void stop() throws IOException {
    for (SSHClient c : clients) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private SSHClient connect(String password) throws IOException {
    SSHClient ssh = new SSHClient();
    clients.add(ssh);
    ssh.setConnectTimeout((int) WAIT.toMillis());
    ssh.setTimeout((int) WAIT.toMillis());
    ssh.addHostKeyVerifier(new HostKeyVerifier() {
      @Override
      public boolean verify(String host, int port, PublicKey key) {
        seenHostKeys.add(key);
        return true;
      }

      @Override
      public List<String> findExistingAlgorithms(String host, int port) {
        return List.of();
      }
    });
    ssh.connect(server.host(), server.port());
    ssh.authPassword(USER, password);
    return ssh;
  }

  /** OpenSSH's form, computed here from the key sshj received: SHA256 of the wire blob, base64 unpadded. */
  private static String opensshFingerprint(PublicKey key) throws Exception {
    byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
    return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(blob));
  }

  private static Session.Command exec(SSHClient ssh, String command) throws IOException {
    Session session = ssh.startSession();
    Session.Command cmd = session.exec(command);
    return cmd;
  }

  @Test
  void execOfEchoReturnsItsOutputAndExitStatusZero() throws Exception {
    SSHClient ssh = connect(PASSWORD);

    Session.Command cmd = exec(ssh, "echo hi");
    String out = IOUtils.readFully(cmd.getInputStream()).toString(StandardCharsets.UTF_8);
    cmd.join(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(out).isEqualTo("hi\n");
    assertThat(cmd.getExitStatus()).isZero();
  }

  @Test
  void execReportsTheCommandsExitStatusAndKeepsStderrApart() throws Exception {
    SSHClient ssh = connect(PASSWORD);

    Session.Command cmd = exec(ssh, "echo oops >&2; exit 3");
    String err = IOUtils.readFully(cmd.getErrorStream()).toString(StandardCharsets.UTF_8);
    String out = IOUtils.readFully(cmd.getInputStream()).toString(StandardCharsets.UTF_8);
    cmd.join(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(cmd.getExitStatus()).isEqualTo(3);
    assertThat(err).isEqualTo("oops\n");
    assertThat(out).isEmpty();
  }

  @Test
  void execRunsInTheWorkingDirectoryWithHomeAndUserSet() throws Exception {
    SSHClient ssh = connect(PASSWORD);

    Session.Command cmd = exec(ssh, "pwd; echo \"$HOME $USER\"");
    String out = IOUtils.readFully(cmd.getInputStream()).toString(StandardCharsets.UTF_8);
    cmd.join(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    Path home = dir.resolve("home").toRealPath();
    assertThat(out).isEqualTo(home + "\n" + dir.resolve("home").toAbsolutePath().normalize() + " " + USER + "\n");
  }

  @Test
  void execReadsStdinUntilTheClientSendsEof() throws Exception {
    SSHClient ssh = connect(PASSWORD);

    Session.Command cmd = exec(ssh, "tr a-z A-Z");
    try (OutputStream in = cmd.getOutputStream()) { // closing it sends EOF
      in.write("loud\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
    }
    String out = IOUtils.readFully(cmd.getInputStream()).toString(StandardCharsets.UTF_8);
    cmd.join(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    assertThat(out).isEqualTo("LOUD\n");
    assertThat(cmd.getExitStatus()).isZero();
  }

  @Test
  void closingAnExecChannelKillsTheCommandAndItsChildren() throws Exception {
    SSHClient ssh = connect(PASSWORD);
    Session.Command cmd = exec(ssh, "sleep 300 & echo child=$!; echo shell=$$; wait");
    StreamWatcher out = new StreamWatcher(cmd.getInputStream(), "exec-out");
    long child = Long.parseLong(out.await("child=(\\d+)", WAIT));
    long shell = Long.parseLong(out.await("shell=(\\d+)", WAIT));
    assertThat(ProcessHandle.of(child)).hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());

    cmd.close();

    awaitGone(child);
    awaitGone(shell);
  }

  private static void awaitGone(long pid) throws Exception {
    var handle = ProcessHandle.of(pid);
    if (handle.isPresent()) {
      handle.get().onExit().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Test
  void shellOnAPtyHasTheRequestedSizeAndFollowsWindowChanges() throws Exception {
    SSHClient ssh = connect(PASSWORD);
    Session session = ssh.startSession();
    session.allocatePTY("xterm", 100, 40, 0, 0, Map.of());
    Session.Shell shell = session.startShell();
    StreamWatcher out = new StreamWatcher(shell.getInputStream(), "shell-out");
    OutputStream in = shell.getOutputStream();

    type(in, "stty size; echo \"term=$TERM\"\n");
    assertThat(out.await("(?m)^(\\d+ \\d+)\\r?$", WAIT)).isEqualTo("40 100");
    assertThat(out.await("(?m)^term=(\\S+)\\r?$", WAIT)).isEqualTo("xterm");

    shell.changeWindowDimensions(90, 30, 0, 0);
    type(in, "stty size\n");
    assertThat(out.await("(?m)^(\\d+ \\d+)\\r?$", WAIT)).isEqualTo("30 90");
  }

  @Test
  void shellExitClosesTheChannelWithTheShellsStatus() throws Exception {
    SSHClient ssh = connect(PASSWORD);
    Session session = ssh.startSession();
    session.allocatePTY("xterm", 80, 24, 0, 0, Map.of());
    Session.Shell shell = session.startShell();
    StreamWatcher out = new StreamWatcher(shell.getInputStream(), "shell-out");

    type(shell.getOutputStream(), "exit 5\n");

    out.awaitEnd(WAIT);
    shell.join(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(((Session.Command) shell).getExitStatus()).isEqualTo(5);
  }

  @Test
  void closingAShellChannelKillsTheShell() throws Exception {
    SSHClient ssh = connect(PASSWORD);
    Session session = ssh.startSession();
    session.allocatePTY("xterm", 80, 24, 0, 0, Map.of());
    Session.Shell shell = session.startShell();
    StreamWatcher out = new StreamWatcher(shell.getInputStream(), "shell-out");
    type(shell.getOutputStream(), "echo pid=$$\n");
    long pid = Long.parseLong(out.await("(?m)^pid=(\\d+)", WAIT));

    shell.close();

    awaitGone(pid);
  }

  private static void type(OutputStream in, String text) throws IOException {
    in.write(text.getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  @Test
  void wrongPasswordIsRefused() {
    assertThatThrownBy(() -> connect("not-the-password")).isInstanceOf(UserAuthException.class);
  }

  @Test
  void otherUserIsRefusedEvenWithThePassword() throws Exception {
    SSHClient ssh = new SSHClient();
    clients.add(ssh);
    ssh.addHostKeyVerifier(server.fingerprint());
    ssh.connect(server.host(), server.port());

    assertThatThrownBy(() -> ssh.authPassword("root", PASSWORD)).isInstanceOf(UserAuthException.class);
  }

  @Test
  void fingerprintIsWhatTheClientSeesAndPinningItIsAccepted() throws Exception {
    connect(PASSWORD);

    assertThat(seenHostKeys).hasSize(1);
    assertThat(server.fingerprint()).matches("SHA256:[A-Za-z0-9+/]{43}").isEqualTo(opensshFingerprint(seenHostKeys.get(0)));

    SSHClient pinned = new SSHClient();
    clients.add(pinned);
    pinned.addHostKeyVerifier(server.fingerprint());
    pinned.connect(server.host(), server.port());
    pinned.authPassword(USER, PASSWORD);
    assertThat(pinned.isAuthenticated()).isTrue();
  }

  @Test
  void aDifferentPinnedFingerprintIsRefusedByTheClient() {
    SSHClient pinned = new SSHClient();
    clients.add(pinned);
    pinned.addHostKeyVerifier("SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(new byte[32]));

    assertThatThrownBy(() -> pinned.connect(server.host(), server.port())).isInstanceOf(TransportException.class);
  }

  @Test
  void theSameKeyFileGivesTheSameFingerprintAfterARestart() throws Exception {
    String before = server.fingerprint();
    Path keyFile = dir.resolve("keys/host.key");
    String fileText = Files.readString(keyFile);
    server.close();
    server = null;

    server = DemoSshServer.start(options());

    assertThat(server.fingerprint()).isEqualTo(before);
    assertThat(Files.readString(keyFile)).isEqualTo(fileText).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
    connect(PASSWORD);
    assertThat(opensshFingerprint(seenHostKeys.get(0))).isEqualTo(before);
  }

  @Test
  void anotherKeyFileGivesAnotherFingerprint() throws Exception {
    try (DemoSshServer other = DemoSshServer.start(options().withPort(0)
        .withAuthorizedKeys(List.of()))) {
      assertThat(other.fingerprint()).isEqualTo(server.fingerprint());
    }
    try (DemoSshServer other = DemoSshServer.start(DemoSshServer.Options.of(dir.resolve("other.key"), USER, PASSWORD,
        dir.resolve("home")))) {
      assertThat(other.fingerprint()).isNotEqualTo(server.fingerprint());
      assertThat(other.port()).isNotEqualTo(server.port());
    }
  }

  @Test
  void theServerListensOnLoopbackOnly() throws Exception {
    assertThat(server.host()).isEqualTo("127.0.0.1");
    for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      for (var addr : java.util.Collections.list(nic.getInetAddresses())) {
        if (addr.isLoopbackAddress() || addr instanceof java.net.Inet6Address) {
          continue;
        }
        try (java.net.Socket s = new java.net.Socket()) {
          assertThatThrownBy(() -> s.connect(new java.net.InetSocketAddress(addr, server.port()), 2000))
              .as("connect via %s", addr).isInstanceOf(IOException.class);
        }
      }
    }
  }
}
