package dev.opsbus.model.event;

import java.time.Instant;

/**
 * The build a node runs, told to a client that subscribes to {@code status.version} (the replay of
 * that address, from {@code status.build}): a console compares it with the build its page came from.
 */
public record BuildNotice(String type, Instant ts, String nodeId, String version) {

  public static final String TYPE = "build";
}
