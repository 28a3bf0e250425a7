package dev.opsbus.operations;

import io.vertx.pgclient.PgConnectOptions;

/** Configuration of the operations verticle; grows with the operations work. */
public record OperationsConfig(String nodeId, PgConnectOptions db) {
}
