package dev.opsbus.gateway.hosts;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.hosts.HostList;
import dev.opsbus.model.hosts.HostRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner of {@code hosts} answering the other verticles on the bus: {@code hosts.get},
 * {@code hosts.list} and, for the SSH relay, {@code hosts.connection}. Every gateway of the
 * cluster serves them; no permission rule names them, so no bridge client ever reaches them.
 */
public final class HostService {

  private static final Logger LOG = LoggerFactory.getLogger(HostService.class);

  private final Vertx vertx;
  private final HostStore store;
  private List<MessageConsumer<JsonObject>> consumers = List.of();

  public HostService(Vertx vertx, HostStore store) {
    this.vertx = vertx;
    this.store = store;
  }

  public Future<Void> start() {
    consumers = List.of(
        serve(Addresses.HOSTS_GET, m -> store.get(hostId(m))),
        serve(Addresses.HOSTS_LIST, m -> store.list().map(HostList::new)),
        serve(Addresses.HOSTS_CONNECTION, m -> {
          // the sealed secret is for services inside the cluster: a message relayed for a user
          // (a rule added by mistake) is refused before the table is read
          if (BusIdentity.of(m.headers()) != null) {
            throw new OpsbusException(ErrorCode.ACCESS_DENIED, Addresses.HOSTS_CONNECTION + " is for the SSH relay, not for users");
          }
          return store.connection(hostId(m));
        }));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  public Future<Void> stop() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  private MessageConsumer<JsonObject> serve(String address, Function<Message<JsonObject>, Future<?>> handler) {
    return vertx.eventBus().<JsonObject>consumer(address, m -> {
      Future<?> answer;
      try {
        answer = handler.apply(m);
      } catch (OpsbusException e) {
        answer = Future.failedFuture(e);
      }
      answer.onSuccess(value -> m.reply(Json.toJsonObject(value))).onFailure(err -> {
        if (err instanceof OpsbusException oe) {
          m.fail(oe.code().failureCode(), oe.getMessage());
        } else {
          LOG.error("{} failed", address, err);
          m.fail(ErrorCode.INTERNAL_ERROR.failureCode(), "the gateway could not read the hosts: " + err.getMessage());
        }
      });
    });
  }

  private static String hostId(Message<JsonObject> m) {
    HostRequest req;
    try {
      req = m.body() == null ? null : Json.fromJsonObject(m.body(), HostRequest.class);
    } catch (IllegalArgumentException e) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "hostId: must be a string");
    }
    if (req == null || req.hostId() == null || req.hostId().isBlank()) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "hostId: required");
    }
    return req.hostId();
  }
}
