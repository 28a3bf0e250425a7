package dev.opsbus.demohost;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.channel.ChannelSession;

/** An exec request: {@code /bin/sh -c <command>} as a plain process, stdout and stderr kept apart. */
final class ExecCommand extends ProcessCommand {

  private final String command;
  private final Path workingDirectory;
  private final String user;

  ExecCommand(ExecutorService io, String command, Path workingDirectory, String user, boolean keepOnDisconnect) {
    super(io, keepOnDisconnect);
    this.command = command;
    this.workingDirectory = workingDirectory;
    this.user = user;
  }

  @Override
  protected Process launch(ChannelSession channel, Environment env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).directory(workingDirectory.toFile());
    Map<String, String> e = pb.environment();
    e.putAll(ShellEnvironment.forUser(user, workingDirectory, env));
    e.remove("TERM");
    return pb.start();
  }

  @Override
  protected List<CompletableFuture<Void>> pumpOutput(Process p) {
    return List.of(pump(p.getInputStream(), out), pump(p.getErrorStream(), err));
  }

  @Override
  protected void clientEof(Process p) throws IOException {
    p.getOutputStream().close();
  }

  @Override
  protected String describe() {
    return "exec";
  }
}
