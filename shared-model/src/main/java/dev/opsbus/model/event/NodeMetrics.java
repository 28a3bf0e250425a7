package dev.opsbus.model.event;

import java.time.Instant;

/**
 * One node's sample, published on {@code metrics.node} every sample period.
 *
 * @param seq increases by one per sample of this node; a gap means a sample was missed
 * @param cpuPercent this process's CPU use, 0-100 of the whole machine
 * @param connections open real-time connections on this node: SockJS plus raw WebSocket
 * @param sshSessions live terminal sessions held by this node's SSH relay
 * @param sshRelayOnline whether this node's SSH relay answered its ping this period; null when the
 *     node runs no relay (or is of a version that did not ask)
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
    Boolean sshRelayOnline) {

  public static final String TYPE = "node_metrics";
}
