package dev.opsbus.gateway.bridge;

import dev.opsbus.model.BusFailures;
import dev.opsbus.model.BusIdentity;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Principal;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The addresses one bridge client serves (a service: {@code svc.inventory.query}). Each gets its
 * own clustered bus consumer, so a request sent from any node reaches one server, round robin, as
 * on the bus. A request goes to the client as a {@code rec} frame with a {@code replyAddress} of
 * this connection and with the asker's identity headers ({@code opsbus-user}, ...); the client's
 * {@code send} to that reply address answers it, and the bus routes the answer back to the asker,
 * whichever node and bridge it is on. Unanswered requests are forgotten after the request timeout.
 */
final class ServedAddresses {

  /** Reply addresses this class hands out begin so; a send to one is an answer, never a bus send. */
  static final String REPLY_PREFIX = "__opsbus.reply.";

  private final BridgeContext ctx;
  private final long connectionId;
  private final Consumer<String> writer;
  private final Map<String, MessageConsumer<Object>> consumers = new HashMap<>();
  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private long nextReply;

  private record Pending(Message<Object> request, long timer) {
  }

  ServedAddresses(BridgeContext ctx, long connectionId, Consumer<String> writer) {
    this.ctx = ctx;
    this.connectionId = connectionId;
    this.writer = writer;
  }

  static boolean isReplyAddress(String address) {
    return address.startsWith(REPLY_PREFIX);
  }

  boolean serves(String address) {
    return consumers.containsKey(address);
  }

  int size() {
    return consumers.size();
  }

  void add(String address) {
    if (consumers.containsKey(address)) {
      return;
    }
    MessageConsumer<Object> c = ctx.bus().consumer(address, msg -> onRequest(address, msg));
    consumers.put(address, c);
    c.completion().onFailure(err -> writer.accept(BridgeFrames.err(address, ErrorCode.UNAVAILABLE, "could not serve '" + address + "' right now")));
  }

  boolean remove(String address) {
    MessageConsumer<Object> c = consumers.remove(address);
    if (c == null) {
      return false;
    }
    c.unregister();
    return true;
  }

  private void onRequest(String address, Message<Object> msg) {
    JsonObject frame = new JsonObject().put("type", "rec").put("address", address);
    if (msg.replyAddress() != null) {
      String id = REPLY_PREFIX + connectionId + "." + (++nextReply);
      long timeout = ctx.limits().requestTimeout().toMillis();
      long timer = ctx.vertx().setTimer(timeout, t -> pending.remove(id));
      pending.put(id, new Pending(msg, timer));
      frame.put("replyAddress", id);
    }
    // the server sees who asks: the identity the gateway stamped, never one a client wrote
    JsonObject headers = new JsonObject();
    msg.headers().forEach(e -> headers.put(e.getKey(), e.getValue()));
    if (!headers.isEmpty()) {
      frame.put("headers", headers);
    }
    frame.put("body", msg.body());
    writer.accept(frame.encode());
  }

  /** The client answers a request; an unknown (or timed-out) reply address is refused. */
  void reply(BridgeFrame.Send answer, Principal server) {
    Pending p = pending.remove(answer.address());
    if (p == null) {
      writer.accept(BridgeFrames.err(answer.address(), ErrorCode.NOT_FOUND,
          "no request waits for an answer at '" + answer.address() + "' (answered already, or timed out)"));
      return;
    }
    ctx.vertx().cancelTimer(p.timer());
    DeliveryOptions opts = BusIdentity.stamp(answer.busHeaders(new DeliveryOptions()), server);
    Object body = answer.body();
    JsonObject h = answer.headers();
    if (h != null && h.getValue("failureCode") instanceof Number code) {
      // a server may refuse: {"headers": {"failureCode": 1404, ...}, "body": "why"}
      p.request().fail(code.intValue(), String.valueOf(body));
      return;
    }
    p.request().reply(body, opts);
  }

  /** The client is gone: stop serving, and tell every asker still waiting. */
  void close() {
    consumers.values().forEach(MessageConsumer::unregister);
    consumers.clear();
    for (Pending p : pending.values()) {
      ctx.vertx().cancelTimer(p.timer());
      BusFailures.fail(p.request(), ErrorCode.UNAVAILABLE, "the service answering this request disconnected");
    }
    pending.clear();
  }
}
