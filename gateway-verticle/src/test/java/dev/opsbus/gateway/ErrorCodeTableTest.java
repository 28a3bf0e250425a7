package dev.opsbus.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.testkit.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The console reads the server's code table instead of keeping a copy: the table lists every code
 * with its number and status to anyone, and the console's sentences name only codes that exist.
 */
class ErrorCodeTableTest {

  @Test
  void anyoneGetsEveryCodeWithItsFailureCodeAndHttpStatus() {
    try (GatewayHarness gw = GatewayHarness.start()) {
      HttpResponse<Buffer> r = Await.result(gw.http.get("/api/error-codes").send());
      assertThat(r.statusCode()).isEqualTo(200);
      JsonArray rows = r.bodyAsJsonArray();
      assertThat(rows).hasSize(ErrorCode.values().length);
      for (ErrorCode c : ErrorCode.values()) {
        assertThat(rows.stream().map(JsonObject.class::cast).filter(o -> c.wireName().equals(o.getString("code"))).findFirst())
            .as(c.wireName())
            .hasValueSatisfying(o -> {
              assertThat(o.getInteger("failureCode")).isEqualTo(c.failureCode());
              assertThat(o.getInteger("httpStatus")).isEqualTo(c.httpStatus());
            });
      }
      String openApi = Await.result(gw.http.get("/api/openapi.yaml").send()).bodyAsString();
      assertThat(openApi).contains("/api/error-codes:");
    }
  }

  @Test
  void theConsoleKeepsNoCopyOfTheTableAndHasASentenceForEveryCode() throws IOException {
    String errorsJs;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("webroot/errors.js")) {
      assertThat(in).as("webroot/errors.js packed by the build").isNotNull();
      errorsJs = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(errorsJs).as("failure code numbers written into the console").doesNotContainPattern("\\b1[4-6]\\d\\d\\s*:");
    assertThat(errorsJs).contains("/api/error-codes");
    String sentences = errorsJs.substring(errorsJs.indexOf("const SENTENCES"), errorsJs.indexOf("};", errorsJs.indexOf("const SENTENCES")));
    Set<String> named = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?m)^\\s+([a-z_]+):\\s*'").matcher(sentences);
    while (m.find()) {
      named.add(m.group(1));
    }
    Set<String> codes = Arrays.stream(ErrorCode.values()).map(ErrorCode::wireName).collect(Collectors.toCollection(LinkedHashSet::new));
    assertThat(named).as("sentences in errors.js for codes the server does not have").isSubsetOf(codes);
    assertThat(codes).as("codes without a sentence in errors.js (add one)").isSubsetOf(named);
  }
}
