package dev.opsbus.operations;

import static dev.opsbus.operations.OpsHarness.ADMIN;
import static dev.opsbus.operations.OpsHarness.OPERATOR;
import static dev.opsbus.operations.OpsHarness.failureCode;
import static dev.opsbus.operations.OpsHarness.request;
import static dev.opsbus.operations.OpsHarness.result;
import static dev.opsbus.operations.OpsHarness.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opsbus.model.Addresses;
import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.Json;
import dev.opsbus.model.event.ActivityEvent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Schedules pause and resume (ops.schedules); the activity log narrows by user, kind, host and time (activity.list). */
class SchedulePauseAndActivityFilterTest {

  static final Duration WAIT = Duration.ofSeconds(30);
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    OpsHarness.registerDemoHost(vertx);
    OpsHarness.deployOperations(vertx, OpsHarness.config("node-p", List.of()));
  }

  @AfterAll
  static void stop() {
    result(vertx.close());
  }

  static JsonObject schedules(JsonObject body) {
    return result(request(vertx, Addresses.OPS_SCHEDULES, body, ADMIN));
  }

  static JsonObject listed(String id) {
    for (Object o : schedules(new JsonObject().put("action", "list")).getJsonArray("schedules")) {
      if (((JsonObject) o).getString("id").equals(id)) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("schedule " + id + " is not listed");
  }

  @Test
  void aPausedScheduleIsListedPausedAndResumesAtItsNextOccurrenceFromNow() {
    String id = schedules(new JsonObject().put("action", "create").put("hostId", "demo").put("type", "ssh_test").put("cron", "0 3 * * *"))
        .getString("id");
    assertThat(listed(id).getBoolean("enabled")).isTrue();

    assertThat(schedules(new JsonObject().put("action", "pause").put("id", id)).getBoolean("enabled")).isFalse();
    assertThat(listed(id).getBoolean("enabled")).isFalse();

    Instant before = Instant.now();
    assertThat(schedules(new JsonObject().put("action", "resume").put("id", id)).getBoolean("enabled")).isTrue();
    JsonObject resumed = listed(id);
    assertThat(resumed.getBoolean("enabled")).isTrue();
    assertThat(Instant.parse(resumed.getString("nextRunAt"))).isAfter(before);

    // only admins; an unknown or malformed id is said as such
    assertThat(failureCode(request(vertx, Addresses.OPS_SCHEDULES, new JsonObject().put("action", "pause").put("id", id), OPERATOR)))
        .isEqualTo(ErrorCode.ACCESS_DENIED.failureCode());
    assertThat(failureCode(request(vertx, Addresses.OPS_SCHEDULES, new JsonObject().put("action", "pause").put("id", UUID.randomUUID().toString()), ADMIN)))
        .isEqualTo(ErrorCode.NOT_FOUND.failureCode());
    assertThat(failureCode(request(vertx, Addresses.OPS_SCHEDULES, new JsonObject().put("action", "resume").put("id", "nope"), ADMIN)))
        .isEqualTo(ErrorCode.INVALID_REQUEST.failureCode());
    schedules(new JsonObject().put("action", "delete").put("id", id));
  }

  static JsonArray activity(JsonObject query) {
    if (!query.containsKey("limit")) {
      query.put("limit", 1000);
    }
    return result(request(vertx, Addresses.ACTIVITY_LIST, query, ADMIN)).getJsonArray("entries");
  }

  static List<String> messages(JsonArray entries) {
    return entries.stream().map(o -> ((JsonObject) o).getString("message")).collect(Collectors.toList());
  }

  @Test
  void theActivityLogNarrowsByUserKindHostAndTime() {
    String tag = UUID.randomUUID().toString().substring(0, 8);
    String ann = "ann-" + tag;
    String bob = "bob-" + tag;
    publish(ann, "login", null, "ann logs in " + tag);
    // stored one after the other, so that their order (seq) is the order they happened in
    until("the first entry is stored", WAIT, () -> activity(new JsonObject().put("user", ann)).size() == 1);
    publish(ann, "host_updated", "web-" + tag, "ann changes web " + tag);
    publish(bob, "host_updated", "db-" + tag, "bob changes db " + tag);
    until("the three entries are stored", WAIT, () -> activity(new JsonObject().put("user", ann)).size() == 2
        && activity(new JsonObject().put("user", bob)).size() == 1);

    assertThat(messages(activity(new JsonObject().put("user", ann)))).containsExactly("ann changes web " + tag, "ann logs in " + tag);
    assertThat(messages(activity(new JsonObject().put("user", ann).put("action", "login")))).containsExactly("ann logs in " + tag);
    assertThat(messages(activity(new JsonObject().put("hostId", "db-" + tag)))).containsExactly("bob changes db " + tag);
    String future = Instant.now().plusSeconds(3600).toString();
    assertThat(activity(new JsonObject().put("user", ann).put("from", future))).isEmpty();
    assertThat(activity(new JsonObject().put("user", ann).put("until", future))).hasSize(2);

    // paging back: newest first, one at a time
    JsonArray first = activity(new JsonObject().put("user", ann).put("limit", 1));
    assertThat(messages(first)).containsExactly("ann changes web " + tag);
    JsonArray next = result(request(vertx, Addresses.ACTIVITY_LIST, new JsonObject().put("user", ann).put("limit", 1)
        .put("beforeSeq", first.getJsonObject(0).getLong("seq")), ADMIN)).getJsonArray("entries");
    assertThat(messages(next)).containsExactly("ann logs in " + tag);
  }

  static void publish(String user, String action, String hostId, String message) {
    ActivityEvent ev = ActivityEvent.of(action, user, "node-p", null, null, message, hostId == null ? Map.of() : Map.of("hostId", hostId));
    vertx.eventBus().publish(Addresses.ACTIVITY_EVENTS, Json.toJsonObject(ev));
  }
}
