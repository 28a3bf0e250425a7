package dev.opsbus.gateway.bridge;

import dev.opsbus.model.ErrorCode;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * One inbound frame of the vertx-eventbus.js protocol, as {@link FrameParser} read it: a frame
 * about an address ({@code register}, {@code unregister}, {@code publish}, {@code send}), a
 * {@code ping}, or a frame refused before any of that with the code to answer.
 */
sealed interface BridgeFrame {

  /** A frame about an address; {@code headers} is null when the frame has none. */
  sealed interface Addressed extends BridgeFrame {
    String address();

    JsonObject headers();

    /** Where a refusal goes: the reply callback when there is one, else the address's handlers. */
    default String errAddress() {
      return address();
    }

    /**
     * Adds the frame's headers to a message the bridge puts on the bus, except the token (it stays
     * in the gateway) and any {@code opsbus-*} header (who asks is stamped by the gateway alone).
     */
    default DeliveryOptions busHeaders(DeliveryOptions opts) {
      JsonObject headers = headers();
      if (headers != null) {
        for (String name : headers.fieldNames()) {
          Object v = headers.getValue(name);
          if (v != null && !"authorization".equalsIgnoreCase(name) && !name.toLowerCase(Locale.ROOT).startsWith("opsbus-")) {
            opts.addHeader(name, String.valueOf(v));
          }
        }
      }
      return opts;
    }
  }

  record Register(String address, JsonObject headers) implements Addressed {
  }

  record Unregister(String address, JsonObject headers) implements Addressed {
  }

  record Publish(String address, Object body, JsonObject headers) implements Addressed {
  }

  /** A send; with a {@code replyAddress} it is a request and its answer goes there. */
  record Send(String address, Object body, JsonObject headers, String replyAddress) implements Addressed {
    @Override
    public String errAddress() {
      return replyAddress != null ? replyAddress : address;
    }
  }

  /** Keeps the connection alive; the server does not answer it (vertx-eventbus.js would log a pong). */
  record Ping() implements BridgeFrame {
    static final Ping INSTANCE = new Ping();
  }

  /** Not a frame the bridge takes: answered with an {@code err} frame without an address. */
  record Invalid(ErrorCode code, String message) implements BridgeFrame {
  }
}
