package dev.opsbus.ssh.monitor;

import dev.opsbus.model.cluster.LiveMembers;
import dev.opsbus.model.cluster.Rendezvous;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Set;

/**
 * Which relay watches which host: rendezvous hashing of the host id over the relays alive now
 * ({@link LiveMembers} leases in the cluster map {@value #RELAYS_MAP}, refreshed every
 * {@value #REFRESH_MS} ms, lapsing after {@value #TTL_MS} ms). Every relay computes the same owner
 * from the same view, so each host has one owner; a lost relay's hosts move at the others' next
 * refresh after its lease lapses (about 5 s), and a relay that joins takes its share from the
 * others. Not clustered, this relay is the only one and owns every host.
 *
 * <p>A relay that starts while others run waits {@value #HANDOVER_MS} ms before its first tails, so
 * the previous owners have seen it and stopped theirs; it then resumes each tail where the
 * previous owner's last published line ended ({@link TailPositions}).
 */
public final class HostOwnership {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HostOwnership.class);

  public static final String RELAYS_MAP = "opsbus.relays";
  static final long REFRESH_MS = 1_000;
  static final long TTL_MS = 4_000;
  static final long HANDOVER_MS = 2_500;

  private final Vertx vertx;
  private final LiveMembers relays;
  private long startedAt;
  private boolean othersAtStart;

  public HostOwnership(Vertx vertx, String nodeId) {
    this.vertx = vertx;
    this.relays = new LiveMembers(vertx, RELAYS_MAP, nodeId, REFRESH_MS, TTL_MS);
  }

  /** Joins the relays; {@code changed} runs on this context whenever the set of live relays changes. */
  public Future<Void> start(Runnable changed) {
    relays.onChange(s -> {
      LOG.info("live relays now {}", s);
      changed.run();
    }).onTrouble(e -> LOG.warn("cannot refresh the relay leases ({}); keeping the last view {}", e.toString(), relays.live()));
    startedAt = System.nanoTime();
    return relays.start().onSuccess(v -> othersAtStart = relays.live().size() > 1);
  }

  public Future<Void> stop() {
    return relays.stop();
  }

  /** Whether this relay watches {@code hostId} now. */
  public boolean owns(String hostId) {
    return relays.self().equals(Rendezvous.owner(hostId, relays.live()));
  }

  /** The node whose relay watches {@code hostId} now, as this relay sees it. */
  public String owner(String hostId) {
    return Rendezvous.owner(hostId, relays.live());
  }

  /** The live relays, as this one sees them. */
  public Set<String> live() {
    return relays.live();
  }

  /** How long this relay still waits before starting tails (a hand-over after its own start); 0 when it need not. */
  long holdOffMillis() {
    if (!othersAtStart) {
      return 0;
    }
    long elapsed = (System.nanoTime() - startedAt) / 1_000_000;
    return Math.max(0, HANDOVER_MS - elapsed);
  }
}
