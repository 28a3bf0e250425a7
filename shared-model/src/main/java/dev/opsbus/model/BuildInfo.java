package dev.opsbus.model;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The build version of this opsbus, stamped into the jar by Maven resource filtering. The system
 * property {@value #OVERRIDE} replaces it, read at each call: what a node announces as its build
 * (at connect, in version notices) without rebuilding, e.g. a patched build, or a test that restarts
 * a node "on a new version" in the same JVM.
 */
public final class BuildInfo {

  /** System property that replaces the stamped version when set (not blank). */
  public static final String OVERRIDE = "opsbus.buildVersion";

  private BuildInfo() {
  }

  private static final String VERSION = load();

  public static String version() {
    String override = System.getProperty(OVERRIDE);
    return override == null || override.isBlank() ? VERSION : override.strip();
  }

  private static String load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("/dev/opsbus/model/version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    String v = p.getProperty("version", "unknown");
    return v.startsWith("${") ? "unknown" : v;
  }
}
