package dev.opsbus.model.hosts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every record of the {@code hosts.*} seam survives the trip through the one mapper, both as the
 * local bus hands it over (a copy, nested objects as {@code JsonObject}) and as it arrives from
 * another node (decoded from text, nested objects as maps).
 */
class HostRecordsJsonTest {

  private static final HostRecord WEB = new HostRecord("web-1", "Web 1", "10.0.0.1", 2222, "ops", HostRecord.PASSWORD,
      new HostRecord.HostKey("SHA256:" + "A".repeat(43)), List.of(new HostRecord.LogSpec("syslog", "/var/log/syslog")),
      Instant.parse("2025-01-02T03:04:05.123456Z"), Instant.parse("2025-01-02T03:04:06Z"));

  /** What a consumer decodes: the local bus's copy, and the cluster's text form. */
  private static <T> List<T> bothWays(Object value, Class<T> type) {
    JsonObject sent = Json.toJsonObject(value);
    return List.of(Json.fromJsonObject(sent.copy(), type), Json.fromJsonObject(new JsonObject(sent.encode()), type));
  }

  @Test
  void aHostRequestRoundTrips() {
    assertThat(bothWays(new HostRequest("web-1"), HostRequest.class)).containsOnly(new HostRequest("web-1"));
    assertThat(Json.toJsonObject(new HostRequest("web-1"))).isEqualTo(new JsonObject().put("hostId", "web-1"));
  }

  @Test
  void aHostRecordRoundTripsAndReadsAsTheApiAlwaysShowedIt() {
    assertThat(bothWays(WEB, HostRecord.class)).containsOnly(WEB);
    JsonObject json = Json.toJsonObject(WEB);
    assertThat(json.getJsonObject("hostKey").getString("pinned")).isEqualTo("SHA256:" + "A".repeat(43));
    assertThat(json.getJsonArray("logs").getJsonObject(0)).isEqualTo(new JsonObject().put("stream", "syslog").put("path", "/var/log/syslog"));
    assertThat(json.getString("createdAt")).isEqualTo("2025-01-02T03:04:05.123456Z");
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("id", "name", "address", "port", "username", "authType", "hostKey", "logs",
        "createdAt", "updatedAt");
  }

  @Test
  void anUnpinnedHostSaysPinnedNullRatherThanDroppingTheField() {
    HostRecord unpinned = new HostRecord("db", "db", "10.0.0.2", 22, "ops", HostRecord.KEY, null, null, null, null);
    JsonObject json = Json.toJsonObject(unpinned);
    assertThat(json.getJsonObject("hostKey").containsKey("pinned")).isTrue();
    assertThat(json.getJsonObject("hostKey").getValue("pinned")).isNull();
    assertThat(bothWays(unpinned, HostRecord.class)).containsOnly(unpinned);
    assertThat(unpinned.pinned()).isNull();
    assertThat(unpinned.logs()).isEmpty();
  }

  @Test
  void aHostListRoundTrips() {
    HostList list = new HostList(List.of(WEB, new HostRecord("db", "db", "10.0.0.2", 22, "ops", HostRecord.KEY, null, null, null, null)));
    assertThat(bothWays(list, HostList.class)).containsOnly(list);
    assertThat(bothWays(new HostList(null), HostList.class)).containsOnly(new HostList(List.of()));
  }

  @Test
  void aHostConnectionRoundTripsAndNeverPrintsItsSealedSecret() {
    HostConnection c = new HostConnection(WEB, "v1:c2VhbGVkLXNlY3JldC1ieXRlcw==");
    assertThat(bothWays(c, HostConnection.class)).containsOnly(c);
    assertThat(c.toString()).doesNotContain("v1:").contains("web-1");
  }

  @Test
  void aHostChangeRoundTrips() {
    HostChange change = HostChange.of("web-1", "host_updated");
    assertThat(bothWays(change, HostChange.class)).containsOnly(change);
    assertThat(Json.toJsonObject(change).getString("type")).isEqualTo("hosts_changed");
  }
}
