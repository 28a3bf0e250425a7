package dev.opsbus.gateway.servicekeys;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.opsbus.model.Direction;
import java.util.List;

/**
 * The addresses a service key may use beyond what its roles get from the permission rules:
 * publish, send and request as the words say; {@code serve} lets the key register a request address
 * and answer it (only inside the service namespaces of the config, see {@link ServiceNamespaces}).
 */
public record KeyGrants(
    @JsonProperty("publish") List<GrantPattern> publish,
    @JsonProperty("send") List<GrantPattern> send,
    @JsonProperty("request") List<GrantPattern> request,
    @JsonProperty("serve") List<GrantPattern> serve) {

  public static final KeyGrants NONE = new KeyGrants(List.of(), List.of(), List.of(), List.of());

  public KeyGrants {
    publish = publish == null ? List.of() : List.copyOf(publish);
    send = send == null ? List.of() : List.copyOf(send);
    request = request == null ? List.of() : List.copyOf(request);
    serve = serve == null ? List.of() : List.copyOf(serve);
  }

  /** Whether a grant names the address for this direction (subscribe comes from the rules or {@link #serves}). */
  public boolean allows(Direction direction, String address) {
    List<GrantPattern> list = switch (direction) {
      case PUBLISH -> publish;
      case SEND -> send;
      case REQUEST -> request;
      case SUBSCRIBE -> List.of();
    };
    return any(list, address);
  }

  public boolean serves(String address) {
    return any(serve, address);
  }

  private static boolean any(List<GrantPattern> list, String address) {
    for (GrantPattern p : list) {
      if (p.matches(address)) {
        return true;
      }
    }
    return false;
  }
}
