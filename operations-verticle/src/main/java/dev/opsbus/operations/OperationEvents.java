package dev.opsbus.operations;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.Json;
import dev.opsbus.model.event.ActivityEvent;
import dev.opsbus.model.event.Operation;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** Publishes every operation change, and the start and end of each operation as activity. */
final class OperationEvents {

  private final Vertx vertx;
  private final String nodeId;

  OperationEvents(Vertx vertx, String nodeId) {
    this.vertx = vertx;
    this.nodeId = nodeId;
  }

  JsonObject changed(Operation op) {
    return changed(op, Json.toJsonObject(op));
  }

  /** As {@link #changed(Operation)}, {@code json} being the operation as published (built once by the caller); returns it. */
  JsonObject changed(Operation op, JsonObject json) {
    vertx.eventBus().publish(Addresses.OPS_UPDATES_HOST.format(op.hostId()), json);
    vertx.eventBus().publish(Addresses.OPS_UPDATES_ALL, json);
    if (op.version() == 1) {
      activity("operation_started", op, op.operationType() + " on " + op.hostId() + " started");
    } else if (!op.isActive()) {
      activity("operation_finished", op, op.operationType() + " on " + op.hostId() + " " + op.status()
          + (op.error() == null ? "" : ": " + op.error()));
    }
    return json;
  }

  private void activity(String action, Operation op, String message) {
    ActivityEvent ev = ActivityEvent.of(action, op.requestedBy(), nodeId, null, null, message,
        Map.of("operationId", op.id(), "hostId", op.hostId(), "operationType", op.operationType(), "status", op.status()));
    vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, Json.toJsonObject(ev));
  }
}
