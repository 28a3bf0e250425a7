package dev.opsbus.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docs/DEPLOY.md as a test reads it: the code blocks marked {@code <!-- ci: NAME -->}, run as shell
 * steps with the machine's paths moved under a directory of the test, and the systemd unit
 * {@code deploy/systemd/opsbus.service} read key by key. Lines that need the real machine (package
 * installs, systemctl, an editor, useradd) are left out, each with a log line; the test does their
 * part itself.
 */
final class DeployGuide {

  static final Path DOC = Path.of("../docs/DEPLOY.md");
  static final Path UNIT = Path.of("../deploy/systemd/opsbus.service");
  /** The repository's top directory: the doc's commands name files relative to it (node/target/opsbus.jar). */
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  private static final Pattern MARK = Pattern.compile("^<!-- ci: (\\S+) -->$");
  /** The machine paths the doc's commands use; a test moves each under a directory of its own. */
  static final List<String> MACHINE_PATHS = List.of("/etc/opsbus", "/opt/opsbus", "/var/lib/opsbus", "/etc/systemd/system",
      "/etc/nginx");
  /** Steps the test does its own way (no package manager, no systemd, no interactive editor here). */
  private static final List<String> LEFT_OUT = List.of("sudo apt ", "sudo systemctl ", "sudo editor ", "sudo useradd ",
      "sudo nginx -t", "journalctl ");

  private final Map<String, String> blocks;

  private DeployGuide(Map<String, String> blocks) {
    this.blocks = blocks;
  }

  static DeployGuide read() throws IOException {
    List<String> lines = Files.readAllLines(DOC, StandardCharsets.UTF_8);
    Map<String, String> blocks = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = MARK.matcher(lines.get(i).trim());
      if (!m.matches()) {
        continue;
      }
      if (i + 1 >= lines.size() || !lines.get(i + 1).startsWith("```")) {
        throw new AssertionError("DEPLOY.md line " + (i + 1) + ": the mark " + m.group(1) + " is not right above a code block");
      }
      StringBuilder b = new StringBuilder();
      int j = i + 2;
      for (; j < lines.size() && !lines.get(j).startsWith("```"); j++) {
        b.append(lines.get(j)).append('\n');
      }
      if (blocks.put(m.group(1), b.toString()) != null) {
        throw new AssertionError("DEPLOY.md marks two blocks " + m.group(1));
      }
      i = j;
    }
    return new DeployGuide(blocks);
  }

  /** The text of the block marked {@code name}; fails when the doc has none (it was renamed or its mark lost). */
  String block(String name) {
    String b = blocks.get(name);
    if (b == null) {
      throw new AssertionError("docs/DEPLOY.md has no code block marked <!-- ci: " + name + " --> (marked: " + blocks.keySet() + ")");
    }
    return b;
  }

  /** The non-blank, non-comment lines of a block, continuation lines (trailing backslash) joined. */
  static List<String> commands(String block) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : block.split("\n")) {
      if (cur.isEmpty() && (line.isBlank() || line.trim().startsWith("#"))) {
        continue;
      }
      if (line.endsWith("\\")) {
        cur.append(line, 0, line.length() - 1).append(' ');
      } else {
        cur.append(line);
        out.add(cur.toString());
        cur.setLength(0);
      }
    }
    if (!cur.isEmpty()) {
      out.add(cur.toString());
    }
    return out;
  }

  /** Moves every machine path of {@code text} under {@code root}. */
  static String underRoot(String text, Path root) {
    String out = text;
    for (String p : MACHINE_PATHS) {
      out = out.replaceAll("(?<![\\w./-])" + Pattern.quote(p) + "(?=[/\\s'\"]|$)", Matcher.quoteReplacement(root + p));
    }
    return out;
  }

  /**
   * The block's commands as one bash script for a machine whose root is {@code root}: lines the test
   * cannot run are left out (logged), {@code sudo} is dropped (the test runs as root),
   * {@code sudo -u postgres} becomes {@code runuser} (which keeps PGHOST and PGPORT), owner options
   * naming a user this machine lacks are dropped, and {@code replacements} are applied (placeholders,
   * addresses, ports).
   */
  static String script(String name, String block, Path root, Map<String, String> replacements, Consumer<String> log) {
    StringBuilder sh = new StringBuilder("set -euo pipefail\n");
    for (String cmd : commands(block)) {
      String skipped = LEFT_OUT.stream().filter(cmd::startsWith).findFirst().orElse(null);
      if (skipped != null) {
        log.accept("[" + name + "] left out (the test does it its own way): " + cmd);
        continue;
      }
      String c = cmd;
      for (Map.Entry<String, String> r : replacements.entrySet()) {
        c = c.replace(r.getKey(), r.getValue());
      }
      c = c.replace("sudo -u postgres ", "runuser -u postgres -- ");
      if (c.startsWith("sudo ")) {
        c = c.substring("sudo ".length());
      }
      Matcher owner = Pattern.compile(" -o (\\S+) -g (\\S+)").matcher(c);
      if (owner.find() && !userExists(owner.group(1))) {
        log.accept("[" + name + "] no user " + owner.group(1) + " on this machine: files stay the test's own");
        c = owner.replaceAll("");
      }
      sh.append(root == null ? c : underRoot(c, root)).append('\n');
    }
    return sh.toString();
  }

  /** Runs a script from {@link #script} with bash in {@code dir}; fails with its output unless it exits 0. */
  static String run(String name, String script, Path dir, Map<String, String> env, Consumer<String> log) throws Exception {
    log.accept("[" + name + "] running:\n" + script.strip());
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("[" + name + "] still running after 120 s:\n" + out);
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("[" + name + "] exited " + p.exitValue() + ":\n" + script + "\noutput:\n" + out);
    }
    return out;
  }

  static boolean userExists(String user) {
    try {
      Process p = new ProcessBuilder("id", "-u", user).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** A {@code KEY=VALUE} file as systemd's EnvironmentFile reads it: comments and blank lines skipped, quotes removed. */
  static Map<String, String> environmentFile(String text) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String t = line.trim();
      if (t.isEmpty() || t.startsWith("#") || t.startsWith(";")) {
        continue;
      }
      int eq = t.indexOf('=');
      if (eq <= 0) {
        throw new AssertionError("not KEY=VALUE: " + line);
      }
      String v = t.substring(eq + 1).trim();
      if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
        v = v.substring(1, v.length() - 1);
      }
      env.put(t.substring(0, eq).trim(), v);
    }
    return env;
  }

  /** The [Service] section of the unit: each key with its values in order (Environment= may come more than once). */
  static Map<String, List<String>> service() throws IOException {
    Map<String, List<String>> keys = new LinkedHashMap<>();
    String section = "";
    for (String line : Files.readAllLines(UNIT, StandardCharsets.UTF_8)) {
      String t = line.trim();
      if (t.isEmpty() || t.startsWith("#") || t.startsWith(";")) {
        continue;
      }
      if (t.startsWith("[")) {
        section = t;
        continue;
      }
      int eq = t.indexOf('=');
      if ("[Service]".equals(section) && eq > 0) {
        keys.computeIfAbsent(t.substring(0, eq).trim(), k -> new ArrayList<>()).add(t.substring(eq + 1).trim());
      }
    }
    return keys;
  }

  /** A command line split as systemd splits ExecStart (whitespace, double or single quotes). */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(line);
    while (m.find()) {
      out.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
    }
    return out;
  }

  /** Seconds of a systemd time span such as {@code 45}, {@code 45s}, {@code 1min 30s}. */
  static long seconds(String span) {
    long total = 0;
    Matcher m = Pattern.compile("(\\d+)\\s*(min|m|s|sec)?").matcher(span);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      total += m.group(2) != null && m.group(2).startsWith("m") ? n * 60 : n;
    }
    return total;
  }
}
