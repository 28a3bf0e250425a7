package dev.opsbus.model.event;

import java.time.Instant;

/**
 * One node's sample, published on {@code metrics.node} every sample period.
 *
 * @param seq increases by one per sample of this node; a gap means a sample was missed
 * @param cpuPercent this process's CPU use, 0-100 of the whole machine
 * @param connections open real-time connections on this node: SockJS, raw WebSocket and TCP bridge
 * @param sshSessions live terminal sessions held by this node's SSH relay
 * @param sshRelayOnline whether this node's SSH relay answered its ping this period; null when the
 *     node runs no relay (or is of a version that did not ask)
 * @param tcpConnections open TCP event-bus bridge connections (services) on this node
 */
public record NodeMetrics(
    String type,
    Instant ts,
    long seq,
    String nodeId,
    String version,
    Instant startedAt,
    long uptimeSeconds,
    double cpuPercent,
    double systemCpuPercent,
    int processors,
    long heapUsedMb,
    long heapMaxMb,
    long rssMb,
    long systemMemoryTotalMb,
    long systemMemoryAvailableMb,
    int connections,
    int sockJsConnections,
    int webSocketConnections,
    int bridgeSubscriptions,
    int webSessions,
    int sshSessions,
    String verticles,
    Boolean sshRelayOnline,
    int tcpConnections) {

  public static final String TYPE = "node_metrics";

  /** Without TCP bridge connections (a node that runs none). */
  public NodeMetrics(String type, Instant ts, long seq, String nodeId, String version, Instant startedAt, long uptimeSeconds,
      double cpuPercent, double systemCpuPercent, int processors, long heapUsedMb, long heapMaxMb, long rssMb, long systemMemoryTotalMb,
      long systemMemoryAvailableMb, int connections, int sockJsConnections, int webSocketConnections, int bridgeSubscriptions,
      int webSessions, int sshSessions, String verticles, Boolean sshRelayOnline) {
    this(type, ts, seq, nodeId, version, startedAt, uptimeSeconds, cpuPercent, systemCpuPercent, processors, heapUsedMb, heapMaxMb, rssMb,
        systemMemoryTotalMb, systemMemoryAvailableMb, connections, sockJsConnections, webSocketConnections, bridgeSubscriptions,
        webSessions, sshSessions, verticles, sshRelayOnline, 0);
  }
}
