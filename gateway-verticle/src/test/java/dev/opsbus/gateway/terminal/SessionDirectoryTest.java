package dev.opsbus.gateway.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.wire.SessionParticipant;
import dev.opsbus.model.wire.SessionSnapshot;
import dev.opsbus.model.wire.SessionStatus;
import dev.opsbus.testkit.Await;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The session checks of the permission rules, answered from the snapshots the relay publishes on {@code ssh.sessions}. */
class SessionDirectoryTest {

  static final Principal ANN = user("ann", Role.OPERATOR);
  static final Principal VIC = user("vic", Role.VIEWER);
  static final Principal WES = user("wes", Role.OPERATOR);
  static final Principal ADA = user("ada", Role.ADMIN);

  static Principal user(String name, Role role) {
    return new Principal(name, Set.of(role), Set.of("demo"), Instant.now().plusSeconds(600));
  }

  static SessionSnapshot snapshot(long version, SessionStatus status, SessionParticipant... participants) {
    return new SessionSnapshot(SessionSnapshot.TYPE, Instant.now(), version, "sid-1", "demo", "ann", "node-a", status, 80, 24,
        List.of(participants), Instant.now(), null);
  }

  @Test
  void participantsMayWatchWritersMayTypeAndAdminsMayWatchAnyLiveSession() {
    SessionDirectory d = new SessionDirectory();
    d.update(snapshot(1, SessionStatus.ACTIVE, new SessionParticipant("ann", SessionParticipant.DRIVER, 1),
        new SessionParticipant("vic", SessionParticipant.VIEWER, 0), new SessionParticipant("wes", SessionParticipant.WRITER, 1)));
    assertThat(d.allows(ANN, "session", "sid-1")).isTrue();
    assertThat(d.allows(ANN, "sessionWriter", "sid-1")).isTrue();
    assertThat(d.allows(WES, "sessionWriter", "sid-1")).isTrue();
    assertThat(d.allows(VIC, "session", "sid-1")).isTrue();
    assertThat(d.allows(VIC, "sessionWriter", "sid-1")).isFalse();
    assertThat(d.allows(ADA, "session", "sid-1")).isTrue();
    assertThat(d.allows(ADA, "sessionWriter", "sid-1")).isFalse();
    assertThat(d.allows(ANN, "session", "sid-2")).isFalse();
    assertThat(d.allows(ADA, "session", "sid-2")).isFalse();
    assertThat(d.allows(ANN, "host", "sid-1")).isFalse();
  }

  @Test
  void anEndedSessionGrantsNothingAndAnOlderSnapshotCannotReviveIt() {
    SessionDirectory d = new SessionDirectory();
    SessionParticipant driver = new SessionParticipant("ann", SessionParticipant.DRIVER, 1);
    d.update(snapshot(1, SessionStatus.ACTIVE, driver));
    d.update(snapshot(3, SessionStatus.CLOSED, driver));
    assertThat(d.allows(ANN, "session", "sid-1")).isFalse();
    d.update(snapshot(2, SessionStatus.ACTIVE, driver));
    assertThat(d.allows(ANN, "session", "sid-1")).isFalse();
    assertThat(d.allows(ADA, "session", "sid-1")).isFalse();
  }

  @Test
  void snapshotsPublishedOnTheBusAreReadAndGarbageIsIgnored() {
    Vertx vertx = Vertx.vertx();
    try {
      SessionDirectory d = new SessionDirectory();
      Await.result(d.start(vertx));
      vertx.eventBus().publish(Addresses.SSH_SESSIONS, new io.vertx.core.json.JsonObject().put("sessionId", "sid-1").put("status", "exploded"));
      vertx.eventBus().publish(Addresses.SSH_SESSIONS, snapshot(1, SessionStatus.ACTIVE,
          new SessionParticipant("ann", SessionParticipant.DRIVER, 1)).toJson());
      Await.until("the snapshot read", Duration.ofSeconds(10), () -> {
        var answer = new java.util.concurrent.CompletableFuture<Boolean>();
        vertx.runOnContext(v -> answer.complete(d.allows(ANN, "session", "sid-1")));
        return answer.join();
      });
      assertThat(d.participant("sid-1", "ann").mayWrite()).isTrue();
    } finally {
      Await.result(vertx.close());
    }
  }
}
