package dev.opsbus.demohost;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.sshd.server.Environment;

/** The variables a demo session sets on top of the node's own environment. */
final class ShellEnvironment {

  private ShellEnvironment() {
  }

  static Map<String, String> forUser(String user, Path home, Environment env) {
    Map<String, String> m = new HashMap<>();
    // locale settings the client sent, as OpenSSH's default AcceptEnv allows; nothing else from the client
    env.getEnv().forEach((k, v) -> {
      if (k.equals("LANG") || k.startsWith("LC_")) {
        m.put(k, v);
      }
    });
    m.put("HOME", home.toString());
    m.put("USER", user);
    m.put("LOGNAME", user);
    return m;
  }
}
