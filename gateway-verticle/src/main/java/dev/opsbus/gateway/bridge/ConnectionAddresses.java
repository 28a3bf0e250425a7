package dev.opsbus.gateway.bridge;

import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.Direction;
import dev.opsbus.model.PermissionRule;
import dev.opsbus.model.PermissionRules;
import dev.opsbus.model.Role;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;

/**
 * Each bridge connection's own address, {@code conn.{connectionId}}, for answers meant for one
 * browser tab rather than for every tab of its user. A connection learns it by a request to
 * {@link #SELF} (answered by the gateway, never put on the bus): {@code {"address": "conn.…"}}. The
 * id is 128 random bits (base64url), so it names one connection in the whole cluster and cannot be
 * guessed. Only the connection it names may subscribe to it (any other gets {@code access_denied});
 * no rule lets anyone send or publish there: a service key needs a grant for it ({@code conn.*}).
 * A tab passes its address to a service in its request; the service sends or publishes to it later.
 */
public final class ConnectionAddresses {

  /** The request a connection asks its own address with. */
  public static final String SELF = "conn.self";
  /** Every connection's own address. */
  public static final AddressPattern PATTERN = AddressPattern.of("conn.{connectionId}");
  static final String PREFIX = "conn.";
  static final String NOT_YOURS = "only the connection it names may receive on a 'conn.*' address: ask '" + SELF + "' for your own";

  private static final SecureRandom RANDOM = new SecureRandom();

  private ConnectionAddresses() {
  }

  /** The rules that go after the configured ones: any logged-in client may ask its address and subscribe to one (its own, see {@link #mayReceive}). */
  public static PermissionRules withRules(PermissionRules rules) {
    List<PermissionRule> all = new ArrayList<>(rules.rules());
    all.add(new PermissionRule(AddressPattern.of(SELF), EnumSet.of(Direction.REQUEST), EnumSet.allOf(Role.class), List.of(), null));
    all.add(new PermissionRule(PATTERN, EnumSet.of(Direction.SUBSCRIBE), EnumSet.allOf(Role.class), List.of(), null));
    return new PermissionRules(all);
  }

  /** A new connection address: cluster-unique and unguessable. */
  static String generate() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** False when {@code address} is a connection address other than {@code own} (which may be null: none handed out yet). */
  static boolean mayReceive(String address, String own) {
    return !address.startsWith(PREFIX) || address.equals(own);
  }

  /** The answer to {@link #SELF}. */
  static JsonObject answer(String own) {
    return new JsonObject().put("address", own);
  }
}
