package dev.opsbus.model;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build version of this opsbus, stamped into the jar by Maven resource filtering. */
public final class BuildInfo {

  private BuildInfo() {
  }

  private static final String VERSION = load();

  public static String version() {
    return VERSION;
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
