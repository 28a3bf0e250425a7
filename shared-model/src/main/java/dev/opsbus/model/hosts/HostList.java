package dev.opsbus.model.hosts;

import java.util.List;

/** Answer of {@code hosts.list}: every host, ordered by id. */
public record HostList(List<HostRecord> hosts) {

  public HostList {
    hosts = hosts == null ? List.of() : List.copyOf(hosts);
  }
}
