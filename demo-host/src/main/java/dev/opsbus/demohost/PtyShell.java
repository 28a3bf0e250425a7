package dev.opsbus.demohost;

import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import com.pty4j.WinSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * An interactive shell on a real pseudo-terminal (pty4j), so that full-screen programs work and
 * window-change requests reach the shell as a new size.
 */
final class PtyShell extends ProcessCommand {

  static final int DEFAULT_COLUMNS = 80;
  static final int DEFAULT_ROWS = 24;

  private final Path workingDirectory;
  private final String user;
  private volatile PtyProcess pty;

  PtyShell(ExecutorService io, Path workingDirectory, String user) {
    super(io);
    this.workingDirectory = workingDirectory;
    this.user = user;
  }

  static String shellPath() {
    return Files.isExecutable(Path.of("/bin/bash")) ? "/bin/bash" : "/bin/sh";
  }

  @Override
  protected Process launch(ChannelSession channel, Environment env) throws IOException {
    String shell = shellPath();
    Map<String, String> e = new HashMap<>(System.getenv());
    e.putAll(ShellEnvironment.forUser(user, workingDirectory, env));
    e.put("SHELL", shell);
    String term = env.getEnv().get(Environment.ENV_TERM);
    e.put("TERM", term == null || term.isBlank() ? "dumb" : term);
    pty = new PtyProcessBuilder(new String[] {shell, "-i"})
        .setEnvironment(e)
        .setDirectory(workingDirectory.toString())
        .setInitialColumns(dimension(env, Environment.ENV_COLUMNS, DEFAULT_COLUMNS))
        .setInitialRows(dimension(env, Environment.ENV_LINES, DEFAULT_ROWS))
        .setConsole(false)
        .setRedirectErrorStream(true)
        .start();
    // MINA updates COLUMNS and LINES from the window-change request before it raises WINCH
    env.addSignalListener((ch, signal) -> resize(env), Signal.WINCH);
    return pty;
  }

  private void resize(Environment env) {
    PtyProcess p = pty;
    if (p != null && p.isAlive()) {
      p.setWinSize(new WinSize(dimension(env, Environment.ENV_COLUMNS, DEFAULT_COLUMNS),
          dimension(env, Environment.ENV_LINES, DEFAULT_ROWS)));
    }
  }

  private static int dimension(Environment env, String name, int fallback) {
    String v = env.getEnv().get(name);
    try {
      int n = v == null ? 0 : Integer.parseInt(v.trim());
      return n > 0 && n <= 10_000 ? n : fallback;
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  @Override
  protected List<CompletableFuture<Void>> pumpOutput(Process p) {
    // stderr goes to the pty like stdout, as on any terminal
    return List.of(pump(p.getInputStream(), out));
  }

  @Override
  protected void clientEof(Process p) {
    // a terminal has no EOF of its own (the user types ^D); the channel closing ends the shell
  }

  @Override
  protected String describe() {
    return "pty shell";
  }
}
