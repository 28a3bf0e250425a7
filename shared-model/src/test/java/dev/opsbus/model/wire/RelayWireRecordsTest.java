package dev.opsbus.model.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SSH relay's records survive the trip through the JSON on the bus, with the field names browsers and the gateway read. */
class RelayWireRecordsTest {

  private static final Instant TS = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @Test
  void anExecRequestCarriesItsEnvironmentAndMayLeaveTheTimeoutToTheRelay() {
    JsonObject json = new JsonObject().put("hostId", "h1").put("execId", "e-1").put("command", "echo {n}")
        .put("params", new JsonObject().put("n", 3).put("flag", true)).put("env", new JsonObject().put("A", "x"));
    ExecRequest r = ExecRequest.fromJson(json);
    assertThat(r.timeoutMs()).as("absent: the relay's default").isNull();
    assertThat(r.params()).as("numbers and booleans arrive as their text").isEqualTo(Map.of("n", "3", "flag", "true"));
    assertThat(r.env()).isEqualTo(Map.of("A", "x"));
    assertThat(ExecRequest.fromJson(r.toJson())).isEqualTo(r);
    assertThat(new ExecRequest("h1", "e-1", "true", null, 5_000).toJson().fieldNames())
        .as("no environment, no env field").containsExactlyInAnyOrder("hostId", "execId", "command", "params", "timeoutMs");
  }

  @Test
  void aSnapshotReadsTheSameWhetherItsParticipantsAreMapsOrJsonObjects() {
    // the local bus hands a consumer nested JsonObjects and JsonArrays, the wire hands it maps and lists
    JsonObject delivered = new JsonObject().put("type", SessionSnapshot.TYPE).put("ts", TS.toString()).put("version", 3)
        .put("sessionId", "s1").put("hostId", "demo").put("owner", "ann").put("node", "n1").put("status", "idle")
        .put("cols", 80).put("rows", 24).put("openedAt", TS.toString())
        .put("participants", new io.vertx.core.json.JsonArray().add(new JsonObject().put("username", "ann").put("role", "driver").put("attached", 0)));
    SessionSnapshot s = SessionSnapshot.fromJson(delivered);
    assertThat(s.participants()).containsExactly(new SessionParticipant("ann", SessionParticipant.DRIVER, 0));
    assertThat(SessionSnapshot.fromJson(s.toJson())).isEqualTo(s);
    assertThat(SessionSnapshot.fromJson(delivered.copy())).isEqualTo(s);
  }

  @Test
  void anOutputLineCarriesOnlyItsFields() {
    assertThat(ExecEvent.Output.of("e-1", 4, ExecEvent.Output.STDERR, "oops").toJson().fieldNames())
        .containsExactlyInAnyOrder("type", "ts", "execId", "seq", "stream", "line");
  }

  @Test
  void aFlowHoldIsReadStrictly() {
    assertThat(FlowHold.fromJson(new JsonObject().put("holder", "socket-1").put("hold", true)).isValid()).isTrue();
    assertThat(FlowHold.fromJson(new JsonObject().put("holder", 42).put("hold", true)).isValid()).as("a number is no holder").isFalse();
    assertThat(FlowHold.fromJson(new JsonObject().put("holder", "s").put("hold", "yes")).isValid()).as("a word is no hold").isFalse();
    assertThat(FlowHold.fromJson(new JsonObject().put("holder", "x".repeat(101)).put("hold", false)).isValid()).isFalse();
    assertThat(new FlowHold("s", false).toJson().fieldNames()).containsExactlyInAnyOrder("holder", "hold");
  }

  @Test
  void terminalRequestsNameOnlyWhatTheirOperationReads() {
    assertThat(TerminalRequest.open("demo", 120, 40).toJson()).isEqualTo(new JsonObject().put("hostId", "demo").put("cols", 120).put("rows", 40));
    assertThat(TerminalRequest.join("s1", TerminalRequest.WRITE).toJson()).isEqualTo(new JsonObject().put("sessionId", "s1").put("mode", "write"));
    assertThat(TerminalRequest.detach("s1", true).toJson()).isEqualTo(new JsonObject().put("sessionId", "s1").put("leave", true));
    TerminalRequest invite = TerminalRequest.invite("s1", "carol", TerminalRequest.VIEW);
    assertThat(TerminalRequest.fromJson(invite.toJson())).isEqualTo(invite);
    assertThat(TerminalRequest.of("s1").modeOrView()).isEqualTo("view");
  }

  @Test
  void theAttachAnswerGrantsAndSessionEventsRoundTrip() {
    TerminalAttached a = new TerminalAttached("s1", "demo", SessionParticipant.WRITER, 80, 24, SessionStatus.ACTIVE, "aGk=", 2);
    assertThat(a.toJson().getString("status")).isEqualTo("active");
    assertThat(TerminalAttached.fromJson(a.toJson())).isEqualTo(a);
    SessionGrant g = new SessionGrant("s1", "carol", SessionParticipant.VIEWER);
    assertThat(SessionGrant.fromJson(g.toJson())).isEqualTo(g);
    SessionEvent closed = new SessionEvent(SessionEvent.CLOSED, TS, "s1", 9, null, null, 80, 24, "the shell exited", null);
    JsonObject json = closed.toJson();
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("type", "ts", "sessionId", "seq", "cols", "rows", "reason");
    assertThat(SessionEvent.fromJson(json)).isEqualTo(closed);
    assertThat(SessionEvent.fromJson(json).isClosed()).isTrue();
  }

  @Test
  void aHostKeyOfferAndAHealthSampleRoundTrip() {
    HostKeyOffer o = HostKeyOffer.at("127.0.0.1", 2222).withFingerprint("SHA256:abc");
    assertThat(HostKeyOffer.fromJson(o.toJson())).isEqualTo(o);
    assertThat(HostKeyOffer.ofHost("demo").toJson()).isEqualTo(new JsonObject().put("hostId", "demo"));
    HostHealth down = new HostHealth(HostHealth.TYPE, TS, "h1", 3, false, null, null, null, null, null, null, null,
        HostHealth.DOWN, "connection refused", true, HostHealth.UP, ErrorCode.HOST_UNREACHABLE);
    JsonObject json = down.toJson();
    assertThat(json.getString("error")).isEqualTo("host_unreachable");
    assertThat(json.containsKey("latencyMs")).as("not measured: absent").isFalse();
    assertThat(HostHealth.fromJson(json)).isEqualTo(down);
  }
}
