package dev.opsbus.gateway.servicekeys;

import dev.opsbus.model.ErrorCode;
import java.util.Set;

/** The open connections of this node, as far as service keys care: who they belong to, and a way to cut them. */
public interface KeyConnections {

  /** Principal names ({@code key:<name>}) with a connection open on this node. */
  Set<String> principals();

  /** Closes every connection of this principal with an err frame of {@code code} and the reason; returns how many. */
  int cut(String principalName, ErrorCode code, String reason);
}
