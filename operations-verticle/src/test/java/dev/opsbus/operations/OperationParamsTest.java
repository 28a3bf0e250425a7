package dev.opsbus.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.Role;
import dev.opsbus.operations.OperationsConfig.Param;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Parameter values that would reach a command as something other than a value are refused, naming the parameter. */
class OperationParamsTest {

  private static OperationType builtIn(String name) {
    return OperationType.builtIns().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
  }

  private static OpsbusException refusal(OperationType type, JsonObject params) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> type.validate(params));
    assertThat(t).isInstanceOf(OpsbusException.class);
    return (OpsbusException) t;
  }

  @Test
  void aServiceNamedLikeAnOptionIsRefusedNamingTheParameter() {
    for (String option : List.of("--help", "-h", "--root=/", "-")) {
      OpsbusException e = refusal(builtIn("service_restart"), new JsonObject().put("service", option));
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
      assertThat(e.getMessage()).contains("params.service").contains("may not start with '-'");
    }
    assertThat(builtIn("service_restart").validate(new JsonObject().put("service", "nginx-proxy"))).containsEntry("service", "nginx-proxy");
  }

  @Test
  void configuredStringAndNumberParametersMayNotStartWithADashButEnumValuesMay() {
    OperationType type = new OperationType("tail_log", "tail -n {lines} {file} {mode}",
        List.of(new Param("lines", "int", null, null, true), new Param("file", "string", null, null, true),
            new Param("mode", "enum", null, List.of("-q", "-v"), false)),
        Set.of(Role.ADMIN), Duration.ofSeconds(10));
    assertThat(refusal(type, new JsonObject().put("lines", -5).put("file", "/var/log/syslog")).getMessage()).contains("params.lines");
    assertThat(refusal(type, new JsonObject().put("lines", 5).put("file", "-f")).getMessage()).contains("params.file");
    assertThat(refusal(type, new JsonObject().put("lines", 5).put("file", "/var/log/a\u0000b")).getMessage())
        .contains("params.file").contains("NUL");
    assertThat(type.validate(new JsonObject().put("lines", 5).put("file", "/var/log/syslog").put("mode", "-q")))
        .containsEntry("mode", "-q").containsEntry("lines", "5");
  }

  @Test
  void aDashInsideAValueIsFine() {
    assertThat(builtIn("certificate_renewal").validate(new JsonObject().put("domain", "my-site.example.com")))
        .containsEntry("domain", "my-site.example.com");
    assertThatThrownBy(() -> builtIn("certificate_renewal").validate(new JsonObject().put("domain", "-x.example.com")))
        .hasMessageContaining("params.domain");
  }
}
