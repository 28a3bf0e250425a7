package dev.opsbus.gateway.bridge;

import io.netty.channel.Channel;
import io.vertx.core.Context;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Flushes sockets written without a flush, once each, in a task queued behind the deliveries
 * already waiting on the event loop. Messages that arrive together leave together.
 */
final class FlushBatcher {

  private final Context context;
  private final Set<Channel> dirty = new LinkedHashSet<>();
  private boolean scheduled;

  FlushBatcher(Context context) {
    this.context = context;
  }

  void mark(Channel channel) {
    dirty.add(channel);
    if (!scheduled) {
      scheduled = true;
      context.runOnContext(v -> flush());
    }
  }

  private void flush() {
    scheduled = false;
    for (Channel c : dirty) {
      c.flush();
    }
    dirty.clear();
  }
}
