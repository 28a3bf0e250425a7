package dev.opsbus.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code java -jar opsbus.jar ...} as a child process, with its output (stdout and stderr) kept by line. */
final class NodeProcess implements AutoCloseable {

  static final Pattern LISTENING = Pattern.compile("node (\\S+) listening on http://[^:]+:(\\d+) ");
  static final Pattern EMBEDDED_PG_PORT = Pattern.compile("embedded PostgreSQL in \\S+ on port (\\d+) ready");

  private final String name;
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  private NodeProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.reader = new Thread(this::readOutput, "output-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("opsbus.jar", "target/opsbus.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run mvn package first");
    }
    return jar;
  }

  static NodeProcess start(String name, Path workDir, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-jar");
    cmd.add(jar().toAbsolutePath().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("OPSBUS_") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS"));
    if (List.of(args).contains("--pg-url")) {
      // nodes on one external database share its keys, as every node of a real cluster does
      pb.environment().putAll(TestKeys.env());
    }
    try {
      return new NodeProcess(name, pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Any command line (a service unit's ExecStart) with exactly the environment given, in {@code workDir}. */
  static NodeProcess exec(String name, List<String> command, java.util.Map<String, String> env, Path workDir) {
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env);
    try {
      return new NodeProcess(name, pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void readOutput() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
        }
      }
    } catch (IOException ignored) {
      // the process is gone
    }
  }

  /** Waits for a line matching {@code p}; fails with the output so far when it does not come in time or the node exits. */
  Matcher awaitLine(Pattern p, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen = 0;
    synchronized (lines) {
      while (true) {
        for (; seen < lines.size(); seen++) {
          Matcher m = p.matcher(lines.get(seen));
          if (m.find()) {
            return m;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
          throw new AssertionError(name + ": no line matching /" + p + "/ within " + timeout.toSeconds() + " s"
              + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")") + "; output:\n" + output());
        }
        lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
      }
    }
  }

  /** The exit code, once the process has ended and all its output is read. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + ": still running after " + timeout.toSeconds() + " s; output:\n" + output());
    }
    reader.join(TimeUnit.SECONDS.toMillis(5));
    return process.exitValue();
  }

  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  /** SIGKILL: the node dies without a chance to say goodbye. */
  void kill() {
    process.toHandle().destroyForcibly();
  }

  /** SIGTERM, as a service manager or Ctrl-C would stop it. */
  void terminate() {
    // Process.destroy() would also close our end of its output pipe and lose the last lines
    process.toHandle().destroy();
  }

  /** Stops the process if still running and keeps its output in {@code target/it-logs} for a look after a failure. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.toHandle().destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    try {
      Path logs = Files.createDirectories(Path.of("target", "it-logs"));
      Files.writeString(logs.resolve(name + ".log"), output() + "\n");
    } catch (IOException ignored) {
      // a convenience only
    }
  }

  /** The embedded PostgreSQL server processes of a data directory, found by their command line. */
  static List<ProcessHandle> postgresOf(Path dataDir) {
    String pgDir = dataDir.toAbsolutePath().resolve("pg").toString();
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains("postgres") && c.contains(pgDir)).orElse(false))
        .toList();
  }
}
