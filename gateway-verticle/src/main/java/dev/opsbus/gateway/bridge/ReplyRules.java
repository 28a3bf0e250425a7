package dev.opsbus.gateway.bridge;

/**
 * What the bridge knows about the bus's reply addresses: how to tell one (Vert.x names them
 * {@code __vertx.reply.<n>}), how many a connection may hold, and the sentence for one not granted.
 */
final class ReplyRules {

  /** The prefix of every reply address the Vert.x event bus generates. */
  static final String PREFIX = "__vertx.reply.";
  /** Reply addresses one connection may hold unanswered; past this the oldest is forgotten. */
  static final int MAX_GRANTS = 256;
  static final String NOT_GRANTED = "a reply address may be answered only by the connection it was given to, once,"
      + " before its request times out";

  private ReplyRules() {
  }

  static boolean isReplyAddress(String address) {
    return address.startsWith(PREFIX);
  }
}
