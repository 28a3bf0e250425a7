package dev.opsbus.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.opsbus.model.config.ConfigException;
import dev.opsbus.model.config.ConfigSection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one permission rule set every transport enforces. Deny by default: a use is allowed only when
 * some rule names the address, the direction and one of the principal's roles, and all of that
 * rule's resource checks pass. A plain class with no sockets in it, so it is tested as a table.
 */
public final class PermissionRules {

  /** The rule file shipped in this module, used unless {@code --config} gives another. */
  public static final String DEFAULT_RESOURCE = "/dev/opsbus/model/default-permissions.json";
  /** The config file's section for the rules, and its one key. */
  public static final String SECTION = "permissions";
  public static final Set<String> KEYS = Set.of("rules");

  private final List<PermissionRule> rules;

  public PermissionRules(List<PermissionRule> rules) {
    this.rules = List.copyOf(rules);
  }

  record RuleFile(@JsonProperty(value = "rules", required = true) List<PermissionRule> rules) {
  }

  public static PermissionRules defaults() {
    try (InputStream in = PermissionRules.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("default permission rules missing from the classpath: " + DEFAULT_RESOURCE);
      }
      return new PermissionRules(Json.MAPPER.readValue(in, RuleFile.class).rules());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@code {"rules": [...]}}; a malformed file fails with the reason. */
  public static PermissionRules fromJson(String json) {
    try {
      return new PermissionRules(Json.MAPPER.readValue(json, RuleFile.class).rules());
    } catch (IOException e) {
      throw new IllegalArgumentException("permission rules are not valid: " + e.getMessage(), e);
    }
  }

  /**
   * The config file's {@code permissions} section: {@code {"rules": [...]}} replaces {@code base} as a
   * whole; without {@code rules}, {@code base} stays.
   *
   * @throws ConfigException naming {@code permissions.rules} (or an unknown key) when it cannot be used
   */
  public static PermissionRules fromJson(JsonNode section, PermissionRules base) {
    ConfigSection s = ConfigSection.of(SECTION, section, KEYS);
    JsonNode rules = s.raw("rules");
    if (rules == null) {
      return base;
    }
    if (!rules.isArray()) {
      throw s.bad("rules", "must be a list of rules");
    }
    try {
      return new PermissionRules(Json.MAPPER.convertValue(rules, new TypeReference<List<PermissionRule>>() { }));
    } catch (IllegalArgumentException e) {
      throw s.bad("rules", firstLine(e.getMessage()));
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "invalid";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  public List<PermissionRule> rules() {
    return rules;
  }

  /** Whether any rule names this address at all, in any direction. */
  public boolean isKnown(String address) {
    for (PermissionRule r : rules) {
      if (r.address().matches(address)) {
        return true;
      }
    }
    return false;
  }

  public Decision check(Principal principal, Direction direction, String address, ResourceGuard guard) {
    if (principal == null) {
      return Decision.deny(ErrorCode.NOT_LOGGED_IN, "log in first: this connection carries no valid token");
    }
    boolean known = false;
    boolean roleMatched = false;
    String failedCheck = null;
    for (PermissionRule rule : rules) {
      Optional<Map<String, String>> parts = rule.address().match(address);
      if (parts.isEmpty()) {
        continue;
      }
      known = true;
      if (!rule.directions().contains(direction) || !principal.hasAnyRole(rule.roles())) {
        continue;
      }
      roleMatched = true;
      String failed = firstFailingCheck(rule, parts.get(), principal, guard);
      if (failed == null) {
        return Decision.allow(rule);
      }
      failedCheck = failed;
    }
    if (!known) {
      return Decision.deny(ErrorCode.UNKNOWN_ADDRESS, "no rule names the address '" + address + "'");
    }
    if (roleMatched) {
      return Decision.deny(ErrorCode.ACCESS_DENIED,
          "user '" + principal.username() + "' may not " + direction.wireName() + " '" + address + "': " + failedCheck);
    }
    return Decision.deny(ErrorCode.ACCESS_DENIED,
        "user '" + principal.username() + "' may not " + direction.wireName() + " '" + address + "' with roles " + principal.roles().stream().map(Role::wireName).sorted().toList());
  }

  private static String firstFailingCheck(PermissionRule rule, Map<String, String> parts, Principal p, ResourceGuard guard) {
    for (PermissionRule.Check check : rule.checks()) {
      String value = parts.get(check.part());
      boolean ok = "host".equals(check.name()) ? p.mayAccessHost(value) : guard.allows(p, check.name(), value);
      if (!ok) {
        return "host".equals(check.name()) ? "not granted host '" + value + "'" : "check " + check.name() + " failed for '" + value + "'";
      }
    }
    return null;
  }

  /** The overflow policy for an address: that of the first subscribe rule naming it. */
  public PermissionRule.Overflow overflowFor(String address) {
    for (PermissionRule r : rules) {
      if (r.directions().contains(Direction.SUBSCRIBE) && r.address().matches(address)) {
        return r.overflow();
      }
    }
    return PermissionRule.Overflow.DISCONNECT;
  }
}
