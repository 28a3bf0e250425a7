package dev.opsbus.operations;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Role;
import dev.opsbus.operations.OperationsConfig.Param;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A kind of operation: what runs on the host, which parameters it takes (checked before anything
 * runs, with the field named in the error), who may start it, how long it may take.
 */
public record OperationType(String name, String command, List<Param> params, Set<Role> roles, Duration timeout) {

  static final String SERVICE = "^[A-Za-z0-9@._:-]{1,128}$";
  static final String DOMAIN = "^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$";

  /** The built-in types: an SSH round trip, a service restart, a certificate renewal. */
  public static List<OperationType> builtIns() {
    Set<Role> ops = Set.of(Role.ADMIN, Role.OPERATOR, Role.SERVICE);
    return List.of(
        new OperationType("ssh_test", "echo \"connected as $(id -un) on $(uname -n)\"; uname -sr", List.of(), ops, Duration.ofSeconds(60)),
        new OperationType("service_restart", "systemctl restart {service} && systemctl is-active {service}",
            List.of(new Param("service", "string", SERVICE, null, true)), ops, Duration.ofMinutes(5)),
        new OperationType("certificate_renewal", "certbot renew --cert-name {domain} --non-interactive",
            List.of(new Param("domain", "string", DOMAIN, null, true)), ops, Duration.ofMinutes(10)));
  }

  static OperationType from(OperationsConfig.CommandOperation c) {
    Set<Role> roles = new java.util.HashSet<>();
    for (String r : c.roles()) {
      roles.add(Role.parse(r));
    }
    roles.add(Role.ADMIN);
    return new OperationType(c.name(), c.command(), c.params(), roles,
        c.timeout() == null ? Duration.ofMinutes(5) : c.timeout());
  }

  /**
   * The parameters, checked and normalised (all as strings, ready for shell quoting by the relay).
   * No value may start with {@code -}, except an {@code enum} value, which the config's author chose.
   */
  public Map<String, String> validate(JsonObject given) {
    JsonObject in = given == null ? new JsonObject() : given;
    for (String field : in.fieldNames()) {
      if (params.stream().noneMatch(p -> p.name().equals(field))) {
        throw new OpsbusException(ErrorCode.INVALID_REQUEST, "params." + field + ": " + name + " takes no parameter '" + field + "'");
      }
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Param p : params) {
      Object v = in.getValue(p.name());
      if (v == null) {
        if (p.required()) {
          throw new OpsbusException(ErrorCode.INVALID_REQUEST, "params." + p.name() + ": required by " + name);
        }
        continue;
      }
      String s = String.valueOf(v);
      switch (p.kind()) {
        case "int" -> {
          if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new OpsbusException(ErrorCode.INVALID_REQUEST, "params." + p.name() + ": must be a whole number");
          }
          s = String.valueOf(n.longValue());
        }
        case "enum" -> {
          if (!p.values().contains(s)) {
            throw new OpsbusException(ErrorCode.INVALID_REQUEST, "params." + p.name() + ": must be one of " + p.values());
          }
        }
        default -> {
          if (!(v instanceof String)) {
            throw new OpsbusException(ErrorCode.INVALID_REQUEST, "params." + p.name() + ": must be a string");
          }
          refuseUnsafe(p, s);
          if (p.pattern() != null && !Pattern.compile(p.pattern()).matcher(s).matches()) {
            throw new OpsbusException(ErrorCode.INVALID_REQUEST, "params." + p.name() + ": '" + s + "' is not a valid " + p.name());
          }
        }
      }
      if (!p.kind().equals("enum")) {
        refuseUnsafe(p, s);
      }
      out.put(p.name(), s);
    }
    return out;
  }

  /** A leading '-' would reach the command as an option ("--help", "-rf"), not as a value; NUL cannot reach it at all. */
  private static void refuseUnsafe(Param p, String value) {
    if (value.startsWith("-")) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "params." + p.name() + ": may not start with '-'");
    }
    if (value.indexOf('\0') >= 0) {
      throw new OpsbusException(ErrorCode.INVALID_REQUEST, "params." + p.name() + ": may not contain a NUL character");
    }
  }
}
