package dev.opsbus.ssh.terminal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.wire.SessionParticipant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Who may do what in a shared terminal, as a table written out by hand: one row per kind of user
 * (role, host grant, invitation), one column per action, each cell the role given, {@code ok}, or
 * the code of the refusal. Session {@code s1} on host {@code h1}, opened by ann. The one writer rule:
 * an invitation to write lifts neither a viewer nor a user without the host's grant to writer.
 */
class ParticipantPolicyTest {

  private static final String SID = "s1";
  private static final String HOST = "h1";

  private static final Map<String, Principal> WHO = new LinkedHashMap<>();

  static {
    WHO.put("owner", user("ann", Role.OPERATOR, HOST));
    WHO.put("admin", user("root", Role.ADMIN));
    WHO.put("operator-granted", user("carl", Role.OPERATOR, HOST));
    WHO.put("operator-all-hosts", user("olga", Role.OPERATOR, Principal.ALL_HOSTS));
    WHO.put("viewer-granted", user("vic", Role.VIEWER, HOST));
    WHO.put("invited-write", user("wes", Role.OPERATOR));
    WHO.put("invited-view", user("val", Role.VIEWER));
    WHO.put("invited-write-granted", user("gil", Role.OPERATOR, HOST));
    WHO.put("viewer-invited-write", user("vera", Role.VIEWER, HOST));
    WHO.put("stranger", user("mal", Role.OPERATOR, "other-host"));
  }

  // columns: open, join as writer / viewer, attach without joining, then, after joining as writer:
  // type, resize, invite someone; close; hold the output without joining / after joining as viewer; fetch the recording
  private static final String TABLE = """
      who                | open          | join:write    | join:view     | attach        | type          | resize        | invite        | close         | hold          | hold:joined   | recording
      owner              | ok            | driver        | driver        | driver        | ok            | ok            | ok            | ok            | ok            | ok            | access_denied
      admin              | ok            | writer        | viewer        | access_denied | ok            | access_denied | ok            | ok            | access_denied | ok            | ok
      operator-granted   | ok            | viewer        | viewer        | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied | ok            | access_denied
      operator-all-hosts | ok            | viewer        | viewer        | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied | ok            | access_denied
      viewer-granted     | access_denied | viewer        | viewer        | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied | ok            | access_denied
      invited-write      | access_denied | viewer        | viewer        | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied | ok            | access_denied
      invited-view       | access_denied | viewer        | viewer        | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied | ok            | access_denied
      invited-write-granted | ok         | writer        | viewer        | access_denied | ok            | access_denied | ok            | access_denied | access_denied | ok            | access_denied
      viewer-invited-write | access_denied | viewer      | viewer        | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied | ok            | access_denied
      stranger           | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied | access_denied
      """;

  private static Principal user(String name, Role role, String... hosts) {
    return new Principal(name, Set.of(role), Set.of(hosts), null);
  }

  /** A session of ann where the driver invited wes to write and val to watch. */
  private static ParticipantPolicy session() {
    ParticipantPolicy p = new ParticipantPolicy(SID, HOST, "ann");
    Principal ann = WHO.get("owner");
    p.invite(ann, "wes", "write");
    p.invite(ann, "val", "view");
    p.invite(ann, "gil", "write");
    p.invite(ann, "vera", "write");
    return p;
  }

  private static void tryJoin(ParticipantPolicy p, Principal who, String mode) {
    try {
      p.join(who, mode);
    } catch (OpsbusException ignored) {
      // the action after it is then asked by a non-participant, as the table says
    }
  }

  private static final Map<String, Function<Principal, Object>> ACTIONS = new LinkedHashMap<>();

  static {
    ACTIONS.put("open", who -> {
      ParticipantPolicy.checkOpen(who, HOST);
      return null;
    });
    ACTIONS.put("join:write", who -> session().join(who, "write").role());
    ACTIONS.put("join:view", who -> session().join(who, "view").role());
    ACTIONS.put("attach", who -> session().attach(who));
    ACTIONS.put("type", who -> {
      ParticipantPolicy p = session();
      tryJoin(p, who, "write");
      p.checkType(who);
      return null;
    });
    ACTIONS.put("resize", who -> {
      ParticipantPolicy p = session();
      tryJoin(p, who, "write");
      p.checkResize(who);
      return null;
    });
    ACTIONS.put("invite", who -> {
      ParticipantPolicy p = session();
      tryJoin(p, who, "write");
      p.invite(who, "zed", "write");
      return null;
    });
    ACTIONS.put("close", who -> {
      session().checkClose(who);
      return null;
    });
    ACTIONS.put("hold", who -> {
      session().checkHold(who);
      return null;
    });
    ACTIONS.put("hold:joined", who -> {
      ParticipantPolicy p = session();
      tryJoin(p, who, "view");
      p.checkHold(who);
      return null;
    });
    ACTIONS.put("recording", who -> {
      session().checkRecording(who);
      return null;
    });
  }

  private static String outcome(Function<Principal, Object> action, Principal who) {
    try {
      Object result = action.apply(who);
      return result instanceof SessionRole r ? r.wireName() : "ok";
    } catch (OpsbusException e) {
      return e.code().wireName();
    }
  }

  @Test
  void everyKindOfUserMayDoWhatTheTableSaysAndNothingElse() {
    List<String> lines = TABLE.lines().filter(l -> !l.isBlank()).toList();
    List<String> columns = cells(lines.get(0));
    assertThat(columns.subList(1, columns.size())).containsExactlyElementsOf(ACTIONS.keySet());
    assertThat(lines).hasSize(WHO.size() + 1);
    List<String> wrong = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> row = cells(line);
      Principal who = WHO.get(row.get(0));
      assertThat(who).as("row %s names a user", row.get(0)).isNotNull();
      for (int i = 1; i < columns.size(); i++) {
        String got = outcome(ACTIONS.get(columns.get(i)), who);
        if (!got.equals(row.get(i))) {
          wrong.add(row.get(0) + " x " + columns.get(i) + ": expected " + row.get(i) + ", got " + got);
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  private static List<String> cells(String line) {
    return List.of(line.trim().split("\\s*\\|\\s*"));
  }

  @Test
  void aModeOtherThanWriteOrViewIsAnInvalidRequestNamingIt() {
    assertThatThrownBy(() -> session().join(WHO.get("admin"), "drive"))
        .isInstanceOfSatisfying(OpsbusException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST))
        .hasMessageContaining("'drive'");
    assertThat(session().join(WHO.get("admin"), null).role()).as("no mode means view").isEqualTo(SessionRole.VIEWER);
    assertThatThrownBy(() -> session().invite(WHO.get("owner"), " ", "write"))
        .isInstanceOfSatisfying(OpsbusException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    assertThatThrownBy(() -> session().invite(WHO.get("owner"), "zed", "drive"))
        .isInstanceOfSatisfying(OpsbusException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
  }

  @Test
  void aRefusalSaysWhoWasRefusedAndWhy() {
    assertThatThrownBy(() -> session().join(WHO.get("stranger"), "view"))
        .hasMessage("user 'mal' is neither invited to terminal s1 nor granted host 'h1'");
    ParticipantPolicy p = session();
    p.join(WHO.get("invited-view"), "view");
    assertThatThrownBy(() -> p.checkType(WHO.get("invited-view"))).hasMessage("user 'val' is a viewer of terminal s1 and may not type");
    assertThatThrownBy(() -> p.checkType(WHO.get("stranger"))).hasMessage("user 'mal' is not a participant of terminal s1 and may not type");
    assertThatThrownBy(() -> p.checkResize(WHO.get("invited-view"))).hasMessage("only the driver of terminal s1 (ann) may resize it");
  }

  @Test
  void aWriterWhoLosesTheHostGrantOrTheWritingRoleNoLongerTypesAndReattachesAsViewer() {
    ParticipantPolicy p = session();
    Principal gil = WHO.get("invited-write-granted");
    assertThat(p.join(gil, "write").role()).isEqualTo(SessionRole.WRITER);
    p.checkType(gil);
    Principal ungranted = user("gil", Role.OPERATOR);
    assertThatThrownBy(() -> p.checkType(ungranted))
        .isInstanceOfSatisfying(OpsbusException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED))
        .hasMessage("user 'gil' is not granted host 'h1' and may not type into its terminals");
    assertThat(p.attach(ungranted)).isEqualTo(SessionRole.VIEWER);
    Principal demoted = user("gil", Role.VIEWER, HOST);
    assertThatThrownBy(() -> p.checkType(demoted)).hasMessageContaining("has no role that may type");
    assertThatThrownBy(() -> p.checkType(null)).hasMessageContaining("not a participant");
  }

  @Test
  void aJoinChangesTheParticipantsOnlyWhenItChangesARole() {
    ParticipantPolicy p = session();
    Principal admin = WHO.get("admin");
    assertThat(p.join(admin, "write")).isEqualTo(new ParticipantPolicy.Joined(SessionRole.WRITER, true));
    assertThat(p.join(admin, "write")).isEqualTo(new ParticipantPolicy.Joined(SessionRole.WRITER, false));
    assertThat(p.join(admin, "view")).isEqualTo(new ParticipantPolicy.Joined(SessionRole.VIEWER, true));
    // a user granted the host who joined as viewer stays capped at viewer when joining again
    Principal carl = WHO.get("operator-granted");
    p.join(carl, "view");
    assertThat(p.join(carl, "write").role()).isEqualTo(SessionRole.VIEWER);
  }

  @Test
  void theDriverOrAnAdminClosesAndEveryoneIsToldWhoDidIt() {
    assertThat(session().checkClose(WHO.get("owner"))).isEqualTo("closed by its driver ann");
    assertThat(session().checkClose(WHO.get("admin"))).isEqualTo("closed by admin root");
  }

  @Test
  void detachingCountsSocketsAndOnlyANonOwnerWithNoneLeftLeaves() {
    ParticipantPolicy p = session();
    Principal ann = WHO.get("owner");
    Principal gil = WHO.get("invited-write-granted");
    p.join(gil, "write");
    p.attach(ann);
    p.attach(gil);
    p.attach(gil);
    assertThat(p.attached()).isEqualTo(3);
    assertThat(p.participants()).containsExactly(new SessionParticipant("ann", "driver", 1), new SessionParticipant("gil", "writer", 2));

    assertThat(p.detach("gil", true)).isEqualTo(new ParticipantPolicy.Detached(SessionRole.WRITER, true, false));
    assertThat(p.detach("gil", true)).isEqualTo(new ParticipantPolicy.Detached(SessionRole.WRITER, true, true));
    assertThat(p.roleOf("gil")).isNull();
    assertThat(p.detach("gil", true)).as("no longer a participant: nothing to do").isNull();

    assertThat(p.detach("ann", true)).isEqualTo(new ParticipantPolicy.Detached(SessionRole.DRIVER, true, false));
    assertThat(p.detach("ann", false)).as("no socket left to detach").isEqualTo(new ParticipantPolicy.Detached(SessionRole.DRIVER, false, false));
    assertThat(p.roleOf("ann")).as("the owner never leaves").isEqualTo(SessionRole.DRIVER);
    assertThat(p.attached()).isZero();
  }
}
