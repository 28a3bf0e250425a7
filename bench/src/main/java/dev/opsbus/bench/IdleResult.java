package dev.opsbus.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** Server memory with a number of idle connections open (the memory-per-connection scenario). */
public record IdleResult(String server, String protocol, int run, int connectionsRequested, int connections,
    long rssBytes, long heapAfterGcBytes, long errors, long disconnects) {

  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("scenario", "idle");
    c.put("server", server);
    c.put("protocol", protocol);
    c.put("run", run);
    c.put("connections_requested", connectionsRequested);
    c.put("connections", connections);
    c.put("rss_bytes", rssBytes);
    c.put("heap_after_gc_bytes", heapAfterGcBytes);
    c.put("errors", errors);
    c.put("disconnects", disconnects);
    return c;
  }

  public String summary() {
    return String.format(java.util.Locale.ROOT, "%-8s idle connections=%d/%d rss=%.1f MiB heap_after_gc=%.1f MiB errors=%d",
        server, connections, connectionsRequested, rssBytes / 1048576.0, heapAfterGcBytes / 1048576.0, errors);
  }
}
