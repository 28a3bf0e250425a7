package dev.opsbus.gateway.servicekeys;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opsbus.model.AddressPattern;
import dev.opsbus.model.Role;
import dev.opsbus.model.config.ConfigSection;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The config file's {@code services} section: where internal services live on the bus and how
 * they reach it.
 *
 * @param namespaces address templates of service request addresses ({@code svc.{service}.{method}}):
 *     a key may serve only inside them, and each becomes a rule letting {@code callerRoles} request it
 * @param callerRoles roles that may request a service address (browsers included)
 * @param tcpBridgePort the TCP event-bus bridge's port; -1 (the default): no TCP bridge; 0: any free one
 * @param tcpBridgeHost the interface the TCP bridge binds
 * @param tlsCertPem a PEM certificate chain for the TCP bridge; with {@code tlsKeyPem}, TLS is on
 * @param tlsKeyPem the PEM private key (PKCS#8 or PKCS#1) for {@code tlsCertPem}
 * @param revocationRecheck how often each node re-reads whether the keys of its open connections
 *     are still valid (the revocation message cuts them at once; this catches a missed message)
 */
public record ServiceSettings(List<String> namespaces, Set<Role> callerRoles, int tcpBridgePort, String tcpBridgeHost,
    String tlsCertPem, String tlsKeyPem, Duration revocationRecheck) {

  public static final String SECTION = "services";
  public static final Set<String> KEYS = Set.of("namespaces", "callerRoles", "tcpBridgePort", "tcpBridgeHost", "tlsCertPem",
      "tlsKeyPem", "revocationRecheckSeconds");
  public static final int OFF = -1;

  public ServiceSettings {
    namespaces = List.copyOf(namespaces);
    for (String n : namespaces) {
      AddressPattern.of(n);
    }
    callerRoles = Set.copyOf(callerRoles);
    if (tcpBridgePort < OFF || tcpBridgePort > 65535) {
      throw new IllegalArgumentException("tcp bridge port must be 0-65535 (or -1 for none), got " + tcpBridgePort);
    }
    if ((tlsCertPem == null) != (tlsKeyPem == null)) {
      throw new IllegalArgumentException("services.tlsCertPem and services.tlsKeyPem go together");
    }
  }

  public static ServiceSettings defaults() {
    return new ServiceSettings(List.of("svc.{service}.{method}"), Set.of(Role.ADMIN, Role.OPERATOR, Role.VIEWER, Role.SERVICE),
        OFF, "0.0.0.0", null, null, Duration.ofSeconds(3));
  }

  public boolean tcpBridgeOn() {
    return tcpBridgePort != OFF;
  }

  public boolean tls() {
    return tlsCertPem != null;
  }

  public List<AddressPattern> namespacePatterns() {
    return namespaces.stream().map(AddressPattern::of).toList();
  }

  public ServiceSettings withTcpBridgePort(int port) {
    return new ServiceSettings(namespaces, callerRoles, port, tcpBridgeHost, tlsCertPem, tlsKeyPem, revocationRecheck);
  }

  public ServiceSettings withTls(String certPem, String keyPem) {
    return new ServiceSettings(namespaces, callerRoles, tcpBridgePort, tcpBridgeHost, certPem, keyPem, revocationRecheck);
  }

  /** The section over {@code base}; keys left out keep their value. */
  public static ServiceSettings fromJson(JsonNode section, ServiceSettings base) {
    ConfigSection s = ConfigSection.of(SECTION, section, KEYS);
    List<String> namespaces = s.strings("namespaces", base.namespaces);
    for (String n : namespaces) {
      try {
        AddressPattern.of(n);
      } catch (IllegalArgumentException e) {
        throw s.bad("namespaces", e.getMessage());
      }
    }
    Set<Role> roles = new LinkedHashSet<>();
    for (String r : s.strings("callerRoles", base.callerRoles.stream().map(Role::wireName).toList())) {
      try {
        roles.add(Role.parse(r));
      } catch (IllegalArgumentException e) {
        throw s.bad("callerRoles", e.getMessage());
      }
    }
    int port = base.tcpBridgePort;
    if (s.has("tcpBridgePort")) {
      JsonNode p = s.raw("tcpBridgePort");
      if (!p.canConvertToInt() || !p.isIntegralNumber() || p.asInt() < OFF || p.asInt() > 65535) {
        throw s.bad("tcpBridgePort", "must be a port 0-65535, or -1 for no TCP bridge");
      }
      port = p.asInt();
    }
    String cert = s.string("tlsCertPem", base.tlsCertPem);
    String key = s.string("tlsKeyPem", base.tlsKeyPem);
    if ((cert == null) != (key == null)) {
      throw s.bad(cert == null ? "tlsCertPem" : "tlsKeyPem", "tlsCertPem and tlsKeyPem go together");
    }
    return new ServiceSettings(namespaces, roles, port, s.string("tcpBridgeHost", base.tcpBridgeHost), cert, key,
        s.duration("revocationRecheckSeconds", Duration::ofSeconds, base.revocationRecheck));
  }
}
