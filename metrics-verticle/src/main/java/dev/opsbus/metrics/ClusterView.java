package dev.opsbus.metrics;

import dev.opsbus.model.event.NodeMetrics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One node's picture of the cluster, built from the {@code metrics.node} samples it hears: the
 * latest sample per node, which nodes went silent, who leads, and which build versions are new.
 * Every node keeps one from the same samples, so every node reaches the same answers. Plain logic,
 * no Vert.x: the caller passes a monotonic clock in milliseconds and calls it from one thread.
 */
final class ClusterView {

  /** A node not heard from for this many periods is dropped from the view. */
  static final int SILENT_PERIODS = 3;
  /** A dropped node keeps the status degraded for this many periods, then is forgotten. */
  static final int RECENT_LOSS_PERIODS = 30;

  /** A version a live node runs that this cluster had not run before. */
  record VersionChange(String nodeId, String oldVersion, String newVersion) {
  }

  /** A node dropped for silence, and how long ago it was last heard. */
  record LostNode(String nodeId, long silentForMillis) {
  }

  private record Entry(NodeMetrics sample, long heardAtMillis) {
  }

  private final String selfId;
  private final long periodMillis;
  private final TreeMap<String, Entry> live = new TreeMap<>();
  private final Map<String, Entry> lost = new TreeMap<>();
  private final Set<String> knownVersions = new HashSet<>();
  private boolean versionsSeeded;
  private String lastKnownBaseline;
  private long clusterSeq;

  ClusterView(String selfId, long periodMillis) {
    this.selfId = Objects.requireNonNull(selfId, "selfId");
    if (periodMillis <= 0) {
      throw new IllegalArgumentException("period must be positive: " + periodMillis);
    }
    this.periodMillis = periodMillis;
  }

  /**
   * Records a sample. Returns false, and keeps what it had, for a sample older than the latest one
   * from the same run of that node (same startedAt, lower or equal seq); a restarted node starts a
   * new run and its samples are taken as they come.
   */
  boolean accept(NodeMetrics sample, long nowMillis) {
    Entry previous = live.get(sample.nodeId());
    if (previous != null
        && Objects.equals(previous.sample().startedAt(), sample.startedAt())
        && sample.seq() <= previous.sample().seq()) {
      return false;
    }
    live.put(sample.nodeId(), new Entry(sample, nowMillis));
    lost.remove(sample.nodeId());
    return true;
  }

  /** Drops nodes silent for {@link #SILENT_PERIODS} periods; returns the ids dropped now. */
  List<String> expire(long nowMillis) {
    long silentAfter = SILENT_PERIODS * periodMillis;
    List<String> dropped = new ArrayList<>();
    live.entrySet().removeIf(e -> {
      if (nowMillis - e.getValue().heardAtMillis() > silentAfter) {
        dropped.add(e.getKey());
        lost.put(e.getKey(), e.getValue());
        return true;
      }
      return false;
    });
    long forgetAfter = (SILENT_PERIODS + RECENT_LOSS_PERIODS) * periodMillis;
    lost.values().removeIf(e -> nowMillis - e.heardAtMillis() > forgetAfter);
    return dropped;
  }

  /** The latest sample of every live node, sorted by node id. */
  List<NodeMetrics> nodes() {
    return live.values().stream().map(Entry::sample).toList();
  }

  /** Nodes dropped for silence recently, sorted by node id. */
  List<LostNode> recentlyLost(long nowMillis) {
    List<LostNode> out = new ArrayList<>();
    lost.forEach((id, e) -> out.add(new LostNode(id, nowMillis - e.heardAtMillis())));
    return out;
  }

  /** The last sample of every node dropped for silence recently, sorted by node id. */
  List<NodeMetrics> recentlyLostSamples() {
    return lost.values().stream().map(Entry::sample).toList();
  }

  /** The live node with the smallest id: every node computes the same one from the same samples. */
  Optional<String> leader() {
    return live.isEmpty() ? Optional.empty() : Optional.of(live.firstKey());
  }

  /** This node leads when its own samples reach it and no live node has a smaller id. */
  boolean selfIsLeader() {
    return leader().filter(selfId::equals).isPresent();
  }

  /**
   * The version the cluster runs: the one most live nodes run; on a tie, the one of the node that
   * has run longest (earliest startedAt, then smallest id), since that is the version the others
   * joined. Empty when no node is live.
   */
  Optional<String> baselineVersion() {
    return baselineAmong(null);
  }

  /** The baseline over the live nodes whose version is in {@code versions} (all nodes when null). */
  private Optional<String> baselineAmong(Set<String> versions) {
    Map<String, Integer> counts = new HashMap<>();
    Map<String, NodeMetrics> eldest = new HashMap<>();
    Comparator<NodeMetrics> byAge = Comparator
        .comparing(NodeMetrics::startedAt, Comparator.nullsLast(Comparator.naturalOrder()))
        .thenComparing(NodeMetrics::nodeId);
    for (Entry e : live.values()) {
      NodeMetrics m = e.sample();
      if (versions != null && !versions.contains(m.version())) {
        continue;
      }
      counts.merge(m.version(), 1, Integer::sum);
      eldest.merge(m.version(), m, (a, b) -> byAge.compare(a, b) <= 0 ? a : b);
    }
    return counts.keySet().stream()
        .max(Comparator.<String>comparingInt(counts::get)
            .thenComparing(v -> eldest.get(v), byAge.reversed()));
  }

  /**
   * Versions live nodes run that this view does not know yet, one change per version, naming the
   * first node (by id) that runs it. The first call seeds the known versions with the baseline, so
   * whatever the cluster ran when this node started listening counts as old. The old version of a
   * change is the baseline among nodes that run a known version (new-version nodes may already be
   * the majority), else the last such baseline. Nothing is marked known here: the leader calls
   * {@link #markVersionKnown} once it has announced.
   */
  List<VersionChange> unannouncedVersions() {
    Optional<String> baseline = baselineVersion();
    if (baseline.isEmpty()) {
      return List.of();
    }
    if (!versionsSeeded) {
      knownVersions.add(baseline.get());
      versionsSeeded = true;
    }
    baselineAmong(knownVersions).ifPresent(v -> lastKnownBaseline = v);
    Map<String, VersionChange> changes = new LinkedHashMap<>();
    for (Entry e : live.values()) {
      String v = e.sample().version();
      if (!knownVersions.contains(v) && !changes.containsKey(v)) {
        changes.put(v, new VersionChange(e.sample().nodeId(), lastKnownBaseline, v));
      }
    }
    return List.copyOf(changes.values());
  }

  /** A version announced (by this node or another leader) is never announced again. */
  void markVersionKnown(String version) {
    if (version != null) {
      knownVersions.add(version);
    }
  }

  /** Remembers the highest cluster seq heard, so a new leader continues the sequence. */
  void clusterSeqSeen(long seq) {
    clusterSeq = Math.max(clusterSeq, seq);
  }

  long nextClusterSeq() {
    return ++clusterSeq;
  }

  long periodMillis() {
    return periodMillis;
  }
}
