package dev.opsbus.model.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every cross-verticle record survives the trip through the JSON that travels on the bus, field names included. */
class WireRecordsTest {

  private static final Instant TS = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @Test
  void anExecRequestRoundTrips() {
    ExecRequest r = new ExecRequest("h1", "e-1", "df -h {mount}", Map.of("mount", "/"), 60_000);
    JsonObject json = r.toJson();
    assertThat(json.getString("hostId")).isEqualTo("h1");
    assertThat(json.getJsonObject("params").getString("mount")).isEqualTo("/");
    assertThat(ExecRequest.fromJson(json)).isEqualTo(r);
  }

  @Test
  void execStreamEventsRoundTripAsTheirOwnKind() {
    List<ExecEvent> events = List.of(
        new ExecEvent.Step(ExecEvent.STEP, TS, "e-1", 1, "running"),
        new ExecEvent.Output(ExecEvent.OUTPUT, TS, "e-1", 2, ExecEvent.Output.STDERR, "oops"),
        new ExecEvent.Exit(ExecEvent.EXIT, TS, "e-1", 3, 2, ExecOutcome.FAILED, "exit status 2", ErrorCode.HOST_UNREACHABLE));
    for (ExecEvent e : events) {
      JsonObject json = e.toJson();
      assertThat(ExecEvent.fromJson(json)).isEqualTo(e);
    }
    JsonObject exit = events.get(2).toJson();
    assertThat(exit.getString("type")).isEqualTo("exec_exit");
    assertThat(exit.getString("outcome")).isEqualTo("failed");
    assertThat(exit.getString("error")).isEqualTo("host_unreachable");
  }

  @Test
  void anExecEventOfUnknownTypeIsRefused() {
    assertThatThrownBy(() -> ExecEvent.fromJson(new JsonObject().put("type", "exec_party").put("execId", "e")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void execAcceptedAndCancelRoundTrip() {
    ExecAccepted a = new ExecAccepted("e-1", ExecAccepted.STARTED);
    assertThat(ExecAccepted.fromJson(a.toJson())).isEqualTo(a);
    ExecCancel c = new ExecCancel("e-1");
    assertThat(ExecCancel.fromJson(c.toJson())).isEqualTo(c);
  }

  @Test
  void aSessionSnapshotRoundTrips() {
    SessionSnapshot s = new SessionSnapshot(SessionSnapshot.TYPE, TS, 7, "sid-1", "demo", "ann", "node-a",
        SessionStatus.ACTIVE, 120, 40, List.of(new SessionParticipant("ann", SessionParticipant.DRIVER, 1),
        new SessionParticipant("vic", SessionParticipant.VIEWER, 0)), TS, null);
    JsonObject json = s.toJson();
    assertThat(json.getString("status")).isEqualTo("active");
    assertThat(json.getJsonArray("participants").getJsonObject(1).getString("role")).isEqualTo("viewer");
    assertThat(json.containsKey("reason")).isFalse();
    SessionSnapshot back = SessionSnapshot.fromJson(json);
    assertThat(back).isEqualTo(s);
    assertThat(back.participant("ann").orElseThrow().mayWrite()).isTrue();
    assertThat(back.participant("vic").orElseThrow().mayWrite()).isFalse();
  }

  @Test
  void aSessionSnapshotCarriesItsLastActivityAndReadsWithoutIt() {
    SessionSnapshot s = new SessionSnapshot(SessionSnapshot.TYPE, TS, 3, "sid-3", "demo", "ann", "node-a",
        SessionStatus.IDLE, 80, 24, List.of(), TS, null, TS.minusSeconds(90));
    JsonObject json = s.toJson();
    assertThat(json.getString("lastActivityAt")).isEqualTo(TS.minusSeconds(90).toString());
    assertThat(SessionSnapshot.fromJson(json)).isEqualTo(s);
    // from a relay that does not say it yet
    json.remove("lastActivityAt");
    assertThat(SessionSnapshot.fromJson(json).lastActivityAt()).isNull();
  }

  @Test
  void endedSessionsSayTheyEnded() {
    assertThat(SessionStatus.CLOSED.ended()).isTrue();
    assertThat(SessionStatus.DISCONNECTED.ended()).isTrue();
    assertThat(SessionStatus.IDLE.ended()).isFalse();
  }

  @Test
  void aFlowHoldRoundTrips() {
    FlowHold h = new FlowHold("socket-1", true);
    assertThat(h.toJson().getBoolean("hold")).isTrue();
    assertThat(FlowHold.fromJson(h.toJson())).isEqualTo(h);
  }

  @Test
  void aStartRequestRoundTripsWithTypedParams() {
    StartOperation s = new StartOperation("h1", "disk_report", Map.of("n", 3, "mount", "/"), "cron", "schedule-1",
        "schedule:1:2026-12-02T00:00:00Z", Map.of("scheduleId", "1"));
    JsonObject json = s.toJson();
    assertThat(json.getJsonObject("params").getValue("n")).isEqualTo(3);
    assertThat(StartOperation.fromJson(json)).isEqualTo(s);
    assertThat(StartOperation.byUser("h1", "ssh_test", null, null).toJson().fieldNames()).containsExactlyInAnyOrder("hostId", "type");
  }

  @Test
  void gatewayStatsRoundTrip() {
    GatewayStatsReport g = new GatewayStatsReport(3, 4, 10, 5, 2, 1000, 7, 2);
    assertThat(g.connections()).as("SockJS, WebSocket and TCP bridge").isEqualTo(9);
    assertThat(GatewayStatsReport.fromJson(g.toJson())).isEqualTo(g);
    // a gateway of a build before the TCP bridge count: none
    assertThat(GatewayStatsReport.fromJson(new GatewayStatsReport(3, 4, 10, 5, 2, 1000, 7).toJson().copy()).tcpConnections()).isZero();
  }

  @Test
  void recordsWithNestedFieldsReadBackFromTheCopyTheLocalBusHandsAConsumer() {
    // the local bus delivers body.copy(), whose nested values are JsonObject / JsonArray, not maps and lists
    StartOperation start = new StartOperation("h1", "service_restart",
        Map.of("service", "nginx", "opts", Map.of("force", true), "list", List.of(1, 2)), null, null, "olga:k1", null);
    assertThat(StartOperation.fromJson(start.toJson().copy())).isEqualTo(start);
    JsonObject nested = new JsonObject().put("hostId", "h1").put("type", "t")
        .put("params", new JsonObject().put("opts", new JsonObject().put("force", true)).put("list", new io.vertx.core.json.JsonArray().add(1)));
    assertThat(StartOperation.fromJson(nested).params())
        .isEqualTo(Map.of("opts", Map.of("force", true), "list", List.of(1)));
    SessionSnapshot s = new SessionSnapshot(SessionSnapshot.TYPE, TS, 2, "sid-2", "demo", "ann", "node-a",
        SessionStatus.IDLE, 80, 24, List.of(new SessionParticipant("ann", SessionParticipant.DRIVER, 0)), TS, null);
    assertThat(SessionSnapshot.fromJson(s.toJson().copy())).isEqualTo(s);
  }
}
