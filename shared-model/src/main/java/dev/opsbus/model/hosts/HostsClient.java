package dev.opsbus.model.hosts;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.OpsbusException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * How a verticle that does not own the {@code hosts} table asks the one that does (the gateway)
 * about hosts. Every call is a bus request answered by a typed record; a refusal comes back as an
 * {@link OpsbusException} with the owner's code ({@code not_found}, ...), or {@code no_handler}
 * when no gateway runs in the cluster, or {@code timeout}. Nothing is cached: the owner's answer
 * is always the table as it is now.
 */
public final class HostsClient {

  /** Time for the owner to answer; a lookup is one indexed read, so this is generous. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final DeliveryOptions options;

  public HostsClient(Vertx vertx) {
    this(vertx, DEFAULT_TIMEOUT);
  }

  public HostsClient(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
  }

  /** One host; fails {@code not_found} for an unknown id. */
  public Future<HostRecord> get(String hostId) {
    return request(Addresses.HOSTS_GET, new HostRequest(hostId), HostRecord.class);
  }

  /** Whether the host exists: false only when the owner says {@code not_found}, a failure otherwise. */
  public Future<Boolean> exists(String hostId) {
    return get(hostId).map(h -> true).recover(err -> err instanceof OpsbusException oe && oe.code() == ErrorCode.NOT_FOUND
        ? Future.succeededFuture(false) : Future.failedFuture(err));
  }

  public Future<List<HostRecord>> list() {
    return request(Addresses.HOSTS_LIST, new JsonObject(), HostList.class).map(HostList::hosts);
  }

  /** The host with its sealed credential, for the SSH relay only; fails {@code not_found} for an unknown id. */
  public Future<HostConnection> connection(String hostId) {
    return request(Addresses.HOSTS_CONNECTION, new HostRequest(hostId), HostConnection.class);
  }

  private <T> Future<T> request(String address, Object body, Class<T> answer) {
    JsonObject json = body instanceof JsonObject j ? j : Json.toJsonObject(body);
    return vertx.eventBus().<JsonObject>request(address, json, options)
        .map(Message::body)
        .map(reply -> Json.fromJsonObject(reply, answer))
        .recover(err -> Future.failedFuture(explain(address, err)));
  }

  static Throwable explain(String address, Throwable err) {
    return dev.opsbus.model.BusFailures.explain(err, "gateway (owner of the hosts, asked on " + address + ")");
  }
}
