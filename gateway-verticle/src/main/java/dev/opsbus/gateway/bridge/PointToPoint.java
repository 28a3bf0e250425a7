package dev.opsbus.gateway.bridge;

import dev.opsbus.model.BusFailures;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.PermissionRule.Overflow;
import io.vertx.core.Context;

/**
 * Point-to-point delivery among the local subscribers of one address: a {@code send} or request
 * that reaches this node's consumer goes to ONE subscriber, taken in turn (round robin) over every
 * subscriber of the node whichever event loop it lives on, skipping those that cannot take it now
 * (not logged in, token expired, closing). Across nodes the bus does the same one level up: each
 * node holds one consumer per address, and a clustered send picks one node in turn. So every send
 * reaches one receiver, which may answer its {@code replyAddress}.
 *
 * <p>Runs on the index's home loop. A subscriber on the home loop is asked at once; one on another
 * loop is asked there, and when it declines the search goes on from the next one, back on the home
 * loop. The turn moves on as soon as a subscriber is asked, so the next message starts after it.
 */
final class PointToPoint {

  private int next;

  /**
   * Hands the message to one subscriber of {@code all}; when none of them can take it, fails the
   * message with {@code no_handler}. {@code home} is the loop this runs on (null: everything inline).
   */
  void deliverOne(Context home, Subscriber[] all, String address, Delivery delivery, Overflow overflow) {
    int start = next;
    offer(home, all, start, 0, address, delivery, overflow);
  }

  private void offer(Context home, Subscriber[] all, int start, int from, String address, Delivery d, Overflow overflow) {
    int n = all.length;
    for (int i = from; i < n; i++) {
      int k = (start + i) % n;
      Subscriber s = all[k];
      Context lane = s.lane();
      if (home == null || lane == null || lane == home) {
        if (s.deliverOne(address, d, overflow)) {
          next = (k + 1) % n;
          return;
        }
        continue;
      }
      next = (k + 1) % n;
      int asked = i;
      d.hold();
      lane.runOnContext(v -> {
        boolean took;
        try {
          took = s.deliverOne(address, d, overflow);
        } finally {
          d.release();
        }
        if (!took) {
          d.hold();
          home.runOnContext(w -> {
            try {
              offer(home, all, start, asked + 1, address, d, overflow);
            } finally {
              d.release();
            }
          });
        }
      });
      return;
    }
    BusFailures.fail(d.message(), ErrorCode.NO_HANDLER, "no client watching '" + address + "' can take a message right now");
  }
}
