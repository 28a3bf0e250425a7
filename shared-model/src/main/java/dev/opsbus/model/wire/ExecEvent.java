package dev.opsbus.model.wire;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.opsbus.model.Json;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One event of a command's stream on {@code ssh.exec.{execId}.stream}: steps, output lines, then
 * exactly one {@link Exit}. {@code seq} grows by one per event of the command.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "type", visible = true)
@JsonSubTypes({
    @JsonSubTypes.Type(value = ExecEvent.Step.class, name = ExecEvent.STEP),
    @JsonSubTypes.Type(value = ExecEvent.Output.class, name = ExecEvent.OUTPUT),
    @JsonSubTypes.Type(value = ExecEvent.Exit.class, name = ExecEvent.EXIT)})
public sealed interface ExecEvent {

  String STEP = "exec_step";
  String OUTPUT = "exec_output";
  String EXIT = "exec_exit";

  String type();

  Instant ts();

  String execId();

  long seq();

  default JsonObject toJson() {
    return Json.toJsonObject(this);
  }

  /** Reads a stream event; an unknown {@code type} is refused with an IllegalArgumentException. */
  static ExecEvent fromJson(JsonObject json) {
    return Json.fromJsonObject(json, ExecEvent.class);
  }

  /** A step of the run: {@code connecting}, {@code authenticating}, {@code running}. */
  record Step(String type, Instant ts, String execId, long seq, String step) implements ExecEvent {
    public static Step of(String execId, long seq, String step) {
      return new Step(STEP, Instant.now(), execId, seq, step);
    }
  }

  /** One line the command printed, on {@code stdout} or {@code stderr}. */
  record Output(String type, Instant ts, String execId, long seq, String stream, String line) implements ExecEvent {
    public static final String STDOUT = "stdout";
    public static final String STDERR = "stderr";

    public static Output of(String execId, long seq, String stream, String line) {
      return new Output(OUTPUT, Instant.now(), execId, seq, stream, line);
    }

    @JsonIgnore
    public boolean isStderr() {
      return STDERR.equals(stream);
    }
  }

  /**
   * The end of the command: its exit status when it exited, how it ended, a sentence, and the
   * error code when the relay could not run it ({@code host_unreachable}, ...).
   */
  record Exit(String type, Instant ts, String execId, long seq, Integer exitStatus, ExecOutcome outcome, String message,
      dev.opsbus.model.ErrorCode error) implements ExecEvent {
    public static Exit of(String execId, long seq, Integer exitStatus, ExecOutcome outcome, String message,
        dev.opsbus.model.ErrorCode error) {
      return new Exit(EXIT, Instant.now(), execId, seq, exitStatus, outcome, message, error);
    }
  }
}
