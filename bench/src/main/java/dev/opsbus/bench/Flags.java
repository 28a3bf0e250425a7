package dev.opsbus.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Parses {@code --name value} and {@code --name=value} command-line flags; boolean flags take no value. */
final class Flags {

  private final Map<String, String> values = new HashMap<>();

  private Flags() {
  }

  static Flags parse(String[] args, List<String> booleanFlags) {
    Flags flags = new Flags();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "': flags look like --name value");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (booleanFlags.contains(name)) {
        value = "true";
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("flag --" + name + " needs a value");
      }
      flags.values.put(name, value);
    }
    return flags;
  }

  String string(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  int integer(String name, int defaultValue) {
    String v = values.get(name);
    try {
      return v == null ? defaultValue : Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be an integer, got '" + v + "'");
    }
  }

  double decimal(String name, double defaultValue) {
    String v = values.get(name);
    try {
      return v == null ? defaultValue : Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a number, got '" + v + "'");
    }
  }

  boolean bool(String name) {
    return Boolean.parseBoolean(values.getOrDefault(name, "false"));
  }

  List<Double> decimals(String name, String defaultValue) {
    List<Double> out = new ArrayList<>();
    for (String part : string(name, defaultValue).split(",")) {
      if (!part.isBlank()) {
        try {
          out.add(Double.parseDouble(part.trim()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--" + name + " must be a comma-separated list of numbers");
        }
      }
    }
    return out;
  }

  void checkOnly(List<String> known) {
    for (String name : values.keySet()) {
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown flag --" + name + " (known: --" + String.join(", --", known) + ")");
      }
    }
  }
}
