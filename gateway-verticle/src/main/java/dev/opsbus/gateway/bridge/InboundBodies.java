package dev.opsbus.gateway.bridge;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.wire.TerminalInput;

/**
 * Bodies the bridge checks before they go on the bus, where the service could not answer a plain
 * {@code send} (it has no reply address): a client learns at once, with an {@code err} frame, that
 * its body cannot work. Today only terminal keystrokes ({@code ssh.session.{sid}.in}: a text string,
 * or a {@link TerminalInput} object).
 */
final class InboundBodies {

  private InboundBodies() {
  }

  /** Why {@code body} cannot go to {@code address}, or null when it can. */
  static OpsbusException problem(String address, Object body) {
    if (Addresses.SSH_SESSION_IN.matches(address)) {
      try {
        TerminalInput.bytesOf(body);
      } catch (OpsbusException e) {
        return e;
      }
    }
    return null;
  }
}
