package dev.opsbus.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One line of the permission rule file: which roles may use an address (or address pattern) in
 * which directions, with optional resource checks on its named parts.
 *
 * @param address a literal address or a pattern with named parts ({@code logs.host.{hostId}.{stream}})
 * @param directions the directions this rule allows
 * @param roles the roles allowed
 * @param checks resource checks, each {@code name:{part}}; all must pass. {@code host:{hostId}} is
 *     built in (the user is granted that host); others are answered by a {@link ResourceGuard}
 * @param overflow what the bridge does when a subscriber of this address falls behind
 * @param replay a request address that answers {@code {"changes": [...]}} for a new subscriber:
 *     the current state, or with {@code sinceSeq} every change after it; the bridge sends these
 *     before the live messages, dropping live ones the replay already covered (by {@code seq}).
 *     Null when the address has no history.
 */
public record PermissionRule(
    AddressPattern address,
    Set<Direction> directions,
    Set<Role> roles,
    List<Check> checks,
    Overflow overflow,
    String replay) {

  /** What a bounded per-socket queue does when it is full. */
  public enum Overflow {
    /** Keep only the newest undelivered message of this address: for values that supersede. */
    LATEST,
    /** Close the socket with {@code slow_consumer}: the client resumes from its last version. */
    DISCONNECT;

    @JsonCreator
    public static Overflow parse(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }
  }

  /** A resource check: {@code name} applied to the value of the address part {@code part}. */
  public record Check(String name, String part) {

    public static Check parse(String text, AddressPattern address) {
      int colon = text.indexOf(':');
      if (colon <= 0 || !text.endsWith("}") || text.charAt(colon + 1) != '{') {
        throw new IllegalArgumentException("a check reads name:{part}, got '" + text + "'");
      }
      String name = text.substring(0, colon);
      String part = text.substring(colon + 2, text.length() - 1);
      if (!address.names().contains(part)) {
        throw new IllegalArgumentException(
            "check '" + text + "' names {" + part + "}, which " + address.template() + " does not have");
      }
      return new Check(name, part);
    }

    @Override
    public String toString() {
      return name + ":{" + part + "}";
    }
  }

  public PermissionRule {
    if (directions.isEmpty()) {
      throw new IllegalArgumentException("rule for " + address + " allows no direction");
    }
    directions = Set.copyOf(directions);
    roles = Set.copyOf(roles);
    checks = List.copyOf(checks);
    if (overflow == null) {
      overflow = Overflow.DISCONNECT;
    }
  }

  /** A rule without a replay service. */
  public PermissionRule(AddressPattern address, Set<Direction> directions, Set<Role> roles, List<Check> checks, Overflow overflow) {
    this(address, directions, roles, checks, overflow, null);
  }

  /** The JSON form: {@code {"address", "directions", "roles", "checks", "overflow", "replay"}}. */
  @JsonCreator
  static PermissionRule fromJson(
      @JsonProperty(value = "address", required = true) String address,
      @JsonProperty(value = "directions", required = true) Set<Direction> directions,
      @JsonProperty(value = "roles", required = true) Set<Role> roles,
      @JsonProperty("checks") List<String> checks,
      @JsonProperty("overflow") Overflow overflow,
      @JsonProperty("replay") String replay) {
    AddressPattern pattern = AddressPattern.of(address);
    List<Check> parsed = checks == null ? List.of() : checks.stream().map(c -> Check.parse(c, pattern)).toList();
    return new PermissionRule(pattern, directions, roles, parsed, overflow, replay);
  }
}
