package dev.opsbus.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every address of the default rule file x every role x every direction, against a table written
 * out by hand here: what each role may do, with its host and session checks passing. Anything the
 * table does not list must be denied.
 */
class DefaultPermissionMatrixTest {

  private static final Set<Role> ALL = EnumSet.allOf(Role.class);
  private static final Set<Role> A = EnumSet.of(Role.ADMIN);
  private static final Set<Role> AO = EnumSet.of(Role.ADMIN, Role.OPERATOR);
  private static final Set<Role> AOV = EnumSet.of(Role.ADMIN, Role.OPERATOR, Role.VIEWER);
  private static final Set<Role> AOS = EnumSet.of(Role.ADMIN, Role.OPERATOR, Role.SERVICE);
  private static final Set<Role> S = EnumSet.of(Role.SERVICE);

  /** address -> direction -> roles allowed. */
  private static final Map<String, Map<Direction, Set<Role>>> EXPECTED = new LinkedHashMap<>();

  private static void allow(String address, Direction d, Set<Role> roles) {
    EXPECTED.computeIfAbsent(address, a -> new LinkedHashMap<>()).put(d, roles);
  }

  static {
    allow("metrics.node", Direction.SUBSCRIBE, ALL);
    allow("metrics.cluster", Direction.SUBSCRIBE, ALL);
    allow("metrics.host.h1", Direction.SUBSCRIBE, ALL);
    allow("metrics.host.h1", Direction.PUBLISH, S);
    allow("status.server", Direction.SUBSCRIBE, ALL);
    allow("status.version", Direction.SUBSCRIBE, ALL);
    allow("ops.start", Direction.REQUEST, AOS);
    allow("ops.cancel", Direction.REQUEST, AO);
    allow("ops.get", Direction.REQUEST, ALL);
    allow("ops.list", Direction.REQUEST, ALL);
    allow("ops.types", Direction.REQUEST, ALL);
    allow("ops.updates.host.h1", Direction.SUBSCRIBE, ALL);
    allow("ops.updates.all", Direction.SUBSCRIBE, A);
    allow("ops.schedules", Direction.REQUEST, A);
    allow("activity.events", Direction.SUBSCRIBE, A);
    allow("activity.list", Direction.REQUEST, A);
    allow("presence.changes", Direction.SUBSCRIBE, AOV);
    allow("presence.view", Direction.SEND, AOV);
    allow("presence.list", Direction.REQUEST, AOV);
    allow("ssh.sessions", Direction.SUBSCRIBE, AO);
    allow("ssh.list", Direction.REQUEST, AOV);
    allow("ssh.open", Direction.REQUEST, AO);
    allow("ssh.close", Direction.REQUEST, AO);
    allow("ssh.join", Direction.REQUEST, AOV);
    allow("ssh.session.s1.out", Direction.SUBSCRIBE, AOV);
    allow("ssh.session.s1.events", Direction.SUBSCRIBE, AOV);
    allow("ssh.session.s1.in", Direction.SEND, AO);
    allow("ssh.session.s1.in", Direction.REQUEST, AO);
    allow("logs.host.h1.syslog", Direction.SUBSCRIBE, AOV);
    allow("logs.host.h1.syslog", Direction.PUBLISH, S);
  }

  private static final PermissionRules RULES = PermissionRules.defaults();
  private static final ResourceGuard SESSIONS_OK = (p, check, value) -> check.startsWith("session") && value.equals("s1");

  static Stream<Arguments> everyAddressRoleAndDirection() {
    List<Arguments> out = new ArrayList<>();
    for (var e : EXPECTED.entrySet()) {
      for (Role role : Role.values()) {
        for (Direction d : Direction.values()) {
          boolean allowed = e.getValue().getOrDefault(d, Set.of()).contains(role);
          out.add(Arguments.of(e.getKey(), role, d, allowed));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{1} {2} {0}: {3}")
  @MethodSource("everyAddressRoleAndDirection")
  void defaultRulesAllowExactlyTheTable(String address, Role role, Direction direction, boolean allowed) {
    Principal p = new Principal("u", Set.of(role), Set.of("h1"), null);
    Decision d = RULES.check(p, direction, address, SESSIONS_OK);
    assertThat(d.allowed()).as("%s %s %s", role, direction, address).isEqualTo(allowed);
    if (!allowed) {
      assertThat(d.code()).isEqualTo(ErrorCode.ACCESS_DENIED);
      assertThat(d.reason()).contains(address);
    }
  }

  @Test
  void theTableCoversEveryDefaultRule() {
    for (PermissionRule rule : RULES.rules()) {
      boolean covered = EXPECTED.keySet().stream().anyMatch(a -> rule.address().matches(a));
      assertThat(covered).as("rule %s has a row in the table", rule.address()).isTrue();
    }
  }

  @Test
  void hostChecksDenyHostsNotGranted() {
    Principal viewer = new Principal("v", Set.of(Role.VIEWER), Set.of("h1"), null);
    assertThat(RULES.check(viewer, Direction.SUBSCRIBE, "ops.updates.host.h2", ResourceGuard.NONE).allowed()).isFalse();
    assertThat(RULES.check(viewer, Direction.SUBSCRIBE, "logs.host.h2.syslog", ResourceGuard.NONE).reason()).contains("h2");
    Principal everywhere = new Principal("w", Set.of(Role.VIEWER), Set.of("*"), null);
    assertThat(RULES.check(everywhere, Direction.SUBSCRIBE, "ops.updates.host.h2", ResourceGuard.NONE).allowed()).isTrue();
    Principal admin = new Principal("a", Set.of(Role.ADMIN), Set.of(), null);
    assertThat(RULES.check(admin, Direction.SUBSCRIBE, "metrics.host.any-host", ResourceGuard.NONE).allowed()).isTrue();
  }

  @Test
  void sessionChecksAreDeniedUnlessTheGuardSaysYes() {
    Principal op = new Principal("o", Set.of(Role.OPERATOR), Set.of("*"), null);
    assertThat(RULES.check(op, Direction.SEND, "ssh.session.s1.in", ResourceGuard.NONE).allowed()).isFalse();
    assertThat(RULES.check(op, Direction.SEND, "ssh.session.s1.in", SESSIONS_OK).allowed()).isTrue();
    assertThat(RULES.check(op, Direction.SEND, "ssh.session.s2.in", SESSIONS_OK).allowed()).isFalse();
  }

  @Test
  void addressesNoRuleNamesAreUnknownToEveryone() {
    Principal admin = new Principal("a", Set.of(Role.ADMIN), Set.of("*"), null);
    for (String address : List.of("no.such.address", "ops.updates.host", "ops.updates.host.h1.extra", "metrics.node.x",
        "ops.updates.host.*", "metrics.host.h1.h2", "metrics", "")) {
      Decision d = RULES.check(admin, Direction.SUBSCRIBE, address, ResourceGuard.NONE);
      assertThat(d.allowed()).as(address).isFalse();
      assertThat(d.code()).as(address).isEqualTo(ErrorCode.UNKNOWN_ADDRESS);
    }
  }

  @Test
  void theHostOwnersInternalAddressesAreNeverBridged() {
    for (String address : List.of(Addresses.HOSTS_GET, Addresses.HOSTS_LIST, Addresses.HOSTS_CONNECTION, Addresses.HOSTS_CHANGED)) {
      for (Role role : Role.values()) {
        for (Direction d : Direction.values()) {
          Decision decision = RULES.check(new Principal("u", Set.of(role), Set.of("*"), null), d, address, ResourceGuard.NONE);
          assertThat(decision.allowed()).as("%s %s %s", role, d, address).isFalse();
          assertThat(decision.code()).as("%s %s %s", role, d, address).isEqualTo(ErrorCode.UNKNOWN_ADDRESS);
        }
      }
    }
  }

  @Test
  void withoutAPrincipalEverythingIsNotLoggedIn() {
    assertThat(RULES.check(null, Direction.SUBSCRIBE, "metrics.node", ResourceGuard.NONE).code()).isEqualTo(ErrorCode.NOT_LOGGED_IN);
  }

  @Test
  void metricsKeepOnlyTheLatestWhenAClientFallsBehindOperationsDisconnect() {
    assertThat(RULES.overflowFor("metrics.node")).isEqualTo(PermissionRule.Overflow.LATEST);
    assertThat(RULES.overflowFor("metrics.host.h1")).isEqualTo(PermissionRule.Overflow.LATEST);
    assertThat(RULES.overflowFor("ops.updates.all")).isEqualTo(PermissionRule.Overflow.DISCONNECT);
    assertThat(RULES.overflowFor("ssh.session.s1.out")).isEqualTo(PermissionRule.Overflow.DISCONNECT);
  }
}
