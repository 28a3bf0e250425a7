package dev.opsbus.node;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar opsbus.jar keys rotate [--drop-old-tokens] [--data-dir DIR] [--pg-url URL] [--config FILE]}:
 * the launcher's key command. The database and key files are found as a node finds them (same
 * flags, environment and config file). Exit codes as the node's: 0 done, 1 could not, 2 bad usage.
 */
final class KeysCommand {

  static final String NAME = "keys";
  static final String DROP_OLD_TOKENS = "--drop-old-tokens";

  private KeysCommand() {
  }

  static String usage() {
    return "usage: java -jar opsbus.jar keys rotate [" + DROP_OLD_TOKENS + "] [--data-dir DIR] [--pg-url URL] [--config FILE]\n"
        + "  Re-seals every host secret under a new credentials key and makes a new JWT signing key.\n"
        + "  Tokens signed with the old key stay valid until they expire, unless " + DROP_OLD_TOKENS + ".\n"
        + "  Stop every node first. In a cluster, copy the new key files to every node before starting them.\n";
  }

  /** Runs the command; returns the exit code. */
  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.isEmpty() || NodeSettings.wantsHelp(args)) {
      (args.isEmpty() ? err : out).print(usage());
      return args.isEmpty() ? Main.EXIT_BAD_SETTINGS : 0;
    }
    if (!"rotate".equals(args.get(0))) {
      err.println("opsbus: unknown keys command '" + args.get(0) + "'");
      err.print(usage());
      return Main.EXIT_BAD_SETTINGS;
    }
    List<String> rest = new ArrayList<>(args.subList(1, args.size()));
    boolean dropOld = rest.remove(DROP_OLD_TOKENS);
    NodeSettings settings;
    try {
      settings = NodeSettings.parse(rest, env);
    } catch (SettingsException e) {
      err.println("opsbus: " + e.getMessage());
      return Main.EXIT_BAD_SETTINGS;
    }
    try (NodeDatabase db = settings.embeddedDatabase()
        ? NodeDatabase.startEmbedded(settings.dataDir())
        : NodeDatabase.connectExternal(settings.pgUrl())) {
      db.migrate();
      KeyRotation.Result r = KeyRotation.rotate(db, settings.dataDir(), env, dropOld, Instant.now());
      out.println("keys rotated: " + r.resealed() + " host secret(s) re-sealed under the new credentials key in "
          + r.credentialsFile() + "; new JWT key in " + r.jwtFile() + (r.droppedOldTokens()
              ? "; tokens signed with the old key are refused from the next start"
              : "; tokens signed with the old key stay valid until they expire"));
      out.println("In a cluster, copy both files to every node (owner-only) before starting them.");
      return 0;
    } catch (NodeStartException e) {
      err.println("opsbus: " + e.getMessage());
      return Main.EXIT_START_FAILED;
    }
  }
}
