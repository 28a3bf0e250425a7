package dev.opsbus.model.event;

import java.time.Instant;

/** {@code status.version}: a node running another build version joined the cluster. */
public record VersionNotice(String type, Instant ts, String nodeId, String oldVersion, String newVersion, String message) {

  public static final String TYPE = "version_changed";
}
