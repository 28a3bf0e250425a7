package dev.opsbus.gateway.http;

import dev.opsbus.gateway.loops.Loops;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.db.StoreHealth;
import io.vertx.ext.web.RoutingContext;

/**
 * In front of the API: while the database is known to be away, a request that needs it waits
 * for one short probe (at most {@link StoreHealth#PROBE_TIMEOUT}) and is answered
 * {@code 503 store_unavailable} with {@code Retry-After} when the database is still away, instead of
 * waiting on a query that cannot finish. The code table and the API description need no database and stay open.
 */
public final class StoreGuard {

  private final StoreHealth store;

  public StoreGuard(StoreHealth store) {
    this.store = store;
  }

  public void handle(RoutingContext ctx) {
    String path = ctx.request().path();
    if (store.down() && !path.equals(ErrorCodeTable.PATH) && !path.equals("/api/openapi.yaml")) {
      // asked once more, briefly: it may be back since the last probe. The probe is shared by every
      // loop's requests and answers on the loop that started it: the request goes on on its own
      io.vertx.core.Context here = Loops.current();
      store.ready().onComplete(ar -> Loops.run(here, () -> {
        if (ar.succeeded()) {
          ctx.next();
        } else {
          ApiErrors.send(ctx, ErrorCode.STORE_UNAVAILABLE, "the database is unavailable right now: try again in a few seconds");
        }
      }));
      return;
    }
    ctx.next();
  }
}
