package dev.opsbus.gateway.bridge;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Principal;

/** What a {@link BridgeConnection} reports to its bridge, which keeps the books of all connections. */
interface ConnectionListener {

  /** The connection logged in as {@code user} (its first valid token); false: the user is at the connection cap. */
  boolean loggedIn(BridgeConnection conn, Principal user);

  /**
   * The connection refused something. Every refusal is counted and goes to the {@link RefusalAudit},
   * which writes it as an aggregate per connection, code and window; {@code report} is a hint from
   * the connection (false for the repeats of a flood) that the audit no longer needs.
   */
  void refused(BridgeConnection conn, String address, ErrorCode code, String message, boolean report);

  /** The connection holds a new token (its first, or a renewal): watch it for revocation. */
  void authenticated(BridgeConnection conn);

  /**
   * A bus message's frame went out to the client (a delivery, a replayed change or a reply);
   * {@code arrivedNanos} is when the message reached the gateway's consumer, or 0 when not known.
   */
  void delivered(BridgeConnection conn, long arrivedNanos);

  /** The client's tab says what it views now ({@code presence.view}: never put on the bus). */
  void viewing(BridgeConnection conn, Object body);

  /** The connection is gone; called once. */
  void closed(BridgeConnection conn);
}
