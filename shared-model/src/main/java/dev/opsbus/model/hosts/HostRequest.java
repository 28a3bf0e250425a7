package dev.opsbus.model.hosts;

/** Body of {@code hosts.get} and {@code hosts.connection}: which host. */
public record HostRequest(String hostId) {
}
