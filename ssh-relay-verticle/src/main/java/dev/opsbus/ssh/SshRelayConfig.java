package dev.opsbus.ssh;

/** Configuration of the SSH relay; grows with the SSH relay work. */
public record SshRelayConfig(String nodeId) {
}
