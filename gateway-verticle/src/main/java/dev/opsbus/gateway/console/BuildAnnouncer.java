package dev.opsbus.gateway.console;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BuildInfo;
import dev.opsbus.model.Json;
import dev.opsbus.model.event.BuildNotice;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * Answers {@code status.build}, the replay of {@code status.version}: a client that subscribes is
 * told at once which build the server runs (a {@link BuildNotice}), so a console whose page came
 * from another build (a node upgraded under it) offers a reload. In a cluster any gateway may
 * answer: the build of the node that answered.
 */
public final class BuildAnnouncer {

  /** The replay answer's list, as the bridge reads it. */
  static final String CHANGES = "changes";

  private BuildAnnouncer() {
  }

  /** Registers the answer in the calling verticle's context (undeploying it unregisters the consumer). */
  public static MessageConsumer<Object> register(Vertx vertx, String nodeId) {
    return vertx.eventBus().consumer(Addresses.STATUS_BUILD, m -> m.reply(new JsonObject().put(CHANGES,
        new JsonArray().add(Json.toJsonObject(new BuildNotice(BuildNotice.TYPE, Instant.now(), nodeId, BuildInfo.version()))))));
  }
}
