package dev.opsbus.ssh.terminal;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Principal;
import dev.opsbus.model.Role;
import dev.opsbus.model.WriterRule;
import dev.opsbus.model.wire.SessionParticipant;
import dev.opsbus.model.wire.TerminalRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who takes part in one terminal session and what each of them may do: the owner drives (types,
 * resizes, closes); an admin joins as writer or viewer and may close; an invited user joins with
 * at most the invited role; a user granted the host joins as viewer; nobody else joins. Writers
 * and the driver type and invite, and only while they pass the {@link WriterRule} (a writing role
 * and the host's grant: an invitation never lifts a viewer or an ungranted user to writer); only participants hold the output; only admins fetch the
 * recording. A plain class: no bus, no sockets, no clock. Every refusal is an
 * {@link OpsbusException} with its code, the sentence naming who and what.
 */
final class ParticipantPolicy {

  /** What one join changed: the role given, and whether the participants changed (to announce it). */
  record Joined(SessionRole role, boolean changed) {
  }

  /** What one detach changed: the caller's role, one socket fewer ({@code detached}), no longer a participant ({@code left}). */
  record Detached(SessionRole role, boolean detached, boolean left) {
  }

  private static final class Participant {
    SessionRole role;
    int attached;

    Participant(SessionRole role) {
      this.role = role;
    }
  }

  private final String sid;
  private final String hostId;
  private final String owner;
  private final Map<String, Participant> participants = new LinkedHashMap<>();
  private final Map<String, SessionRole> invites = new LinkedHashMap<>();

  /** The owner takes part from the start, as the driver. */
  ParticipantPolicy(String sid, String hostId, String owner) {
    this.sid = sid;
    this.hostId = hostId;
    this.owner = owner;
    participants.put(owner, new Participant(SessionRole.DRIVER));
  }

  /** {@code ssh.open}: admins anywhere, operators on a host they are granted. */
  static void checkOpen(Principal caller, String hostId) {
    boolean allowed = caller.hasRole(Role.ADMIN) || (caller.hasRole(Role.OPERATOR) && caller.mayAccessHost(hostId));
    if (!allowed) {
      throw denied("user '" + caller.username() + "' may not open a terminal on host '" + hostId + "'");
    }
  }

  /**
   * {@code ssh.join} with {@code mode} ({@code write} or {@code view}; null means view). The owner
   * stays the driver; an invitation or an earlier join caps what a non-admin gets.
   */
  Joined join(Principal caller, String mode) {
    String user = caller.username();
    SessionRole wanted = SessionRole.fromMode(mode == null ? TerminalRequest.VIEW : mode);
    if (wanted == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "mode must be 'write' or 'view', not '" + mode + "'");
    }
    Participant existing = participants.get(user);
    SessionRole role;
    if (user.equals(owner)) {
      role = SessionRole.DRIVER;
    } else if (caller.hasRole(Role.ADMIN)) {
      role = wanted;
    } else if (invites.containsKey(user)) {
      role = atMost(wanted, invites.get(user));
    } else if (existing != null) {
      role = atMost(wanted, existing.role);
    } else if (caller.mayAccessHost(hostId)) {
      role = SessionRole.VIEWER;
    } else {
      throw denied("user '" + user + "' is neither invited to terminal " + sid + " nor granted host '" + hostId + "'");
    }
    if (role == SessionRole.WRITER && !WriterRule.mayWrite(caller, hostId)) {
      // the one writer rule: an invitation never lifts a user past their role and grants
      role = SessionRole.VIEWER;
    }
    if (existing == null) {
      participants.put(user, new Participant(role));
      return new Joined(role, true);
    }
    if (existing.role != role) {
      existing.role = role;
      return new Joined(role, true);
    }
    return new Joined(role, false);
  }

  private static SessionRole atMost(SessionRole wanted, SessionRole limit) {
    return wanted == SessionRole.WRITER && limit != SessionRole.VIEWER ? SessionRole.WRITER : SessionRole.VIEWER;
  }

  /**
   * {@code ssh.attach}: one more socket of a participant, in the role it may use now: a driver or
   * writer who no longer passes the {@link WriterRule} (a grant or role taken away) watches.
   */
  SessionRole attach(Principal caller) {
    Participant p = participants.get(caller.username());
    if (p == null) {
      throw denied("user '" + caller.username() + "' has not joined terminal " + sid);
    }
    p.attached++;
    return p.role.mayType() && !WriterRule.mayWrite(caller, hostId) ? SessionRole.VIEWER : p.role;
  }

  /**
   * {@code ssh.detach}: one socket fewer; with {@code leave}, a participant other than the owner
   * with no socket left stops taking part. Null when the user takes no part (nothing to do).
   */
  Detached detach(String user, boolean leave) {
    Participant p = participants.get(user);
    if (p == null) {
      return null;
    }
    boolean detached = false;
    if (p.attached > 0) {
      p.attached--;
      detached = true;
    }
    boolean left = leave && !user.equals(owner) && p.attached == 0;
    if (left) {
      participants.remove(user);
    }
    return new Detached(p.role, detached, left);
  }

  /** {@code ssh.resize}: the driver only. */
  SessionRole checkResize(Principal caller) {
    Participant p = participants.get(caller.username());
    if (p == null || p.role != SessionRole.DRIVER) {
      throw denied("only the driver of terminal " + sid + " (" + owner + ") may resize it");
    }
    return p.role;
  }

  /** {@code ssh.invite}: the driver, a writer or an admin invites {@code username} as writer or viewer. */
  SessionRole invite(Principal caller, String username, String mode) {
    Participant p = participants.get(caller.username());
    if (!caller.hasRole(Role.ADMIN) && (p == null || !p.role.mayType())) {
      throw denied("only the driver, a writer or an admin may invite to terminal " + sid);
    }
    SessionRole role = SessionRole.fromMode(mode == null ? TerminalRequest.VIEW : mode);
    if (username == null || username.isBlank() || role == null) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "an invitation needs a username and a mode ('write' or 'view')");
    }
    invites.put(username, role);
    return role;
  }

  /** {@code ssh.close}: the driver or an admin; returns the reason everyone is told. */
  String checkClose(Principal caller) {
    if (caller.username().equals(owner)) {
      return "closed by its driver " + owner;
    }
    if (caller.hasRole(Role.ADMIN)) {
      return "closed by admin " + caller.username();
    }
    throw denied("only the driver of terminal " + sid + " (" + owner + ") or an admin may close it");
  }

  /**
   * Keystrokes, whichever path they took: the driver and writers, and only while they pass the
   * {@link WriterRule} (a role that may write and the host's grant).
   */
  void checkType(Principal caller) {
    String user = caller == null ? null : caller.username();
    Participant p = user == null ? null : participants.get(user);
    if (p == null || !p.role.mayType()) {
      throw denied("user '" + user + "' is " + (p == null ? "not a participant" : "a viewer") + " of terminal " + sid
          + " and may not type");
    }
    String refusal = WriterRule.refusal(caller, hostId);
    if (refusal != null) {
      throw denied(refusal);
    }
  }

  /** {@code ssh.flow}: any participant's socket may hold the output. */
  void checkHold(Principal caller) {
    if (!participants.containsKey(caller.username())) {
      throw denied("user '" + caller.username() + "' is not a participant of terminal " + sid);
    }
  }

  /** {@code ssh.recording}: admins only. */
  void checkRecording(Principal caller) {
    if (!caller.hasRole(Role.ADMIN)) {
      throw denied("only an admin may fetch the recording of terminal " + sid);
    }
  }

  /** The role of a participant, null for anyone else. */
  SessionRole roleOf(String user) {
    Participant p = user == null ? null : participants.get(user);
    return p == null ? null : p.role;
  }

  /** Sockets attached now, over all participants. */
  int attached() {
    int n = 0;
    for (Participant p : participants.values()) {
      n += p.attached;
    }
    return n;
  }

  /** The participants in the order they joined, as {@code ssh.sessions} reports them. */
  List<SessionParticipant> participants() {
    List<SessionParticipant> out = new ArrayList<>(participants.size());
    participants.forEach((user, p) -> out.add(new SessionParticipant(user, p.role.wireName(), p.attached)));
    return out;
  }

  private static OpsbusException denied(String why) {
    return new OpsbusException(ErrorCode.ACCESS_DENIED, why);
  }
}
