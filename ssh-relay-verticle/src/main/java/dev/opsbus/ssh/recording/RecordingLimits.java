package dev.opsbus.ssh.recording;

import java.time.Duration;

/**
 * How much terminal recording the cluster keeps: the size of one recording (past it the recording
 * stops, says so in a marker event and is flagged {@code truncated}), and the retention the sweep
 * enforces (recordings older than {@code maxAge} go, then the oldest ended ones until all fit in
 * {@code maxTotalBytes}). Read from the config file's {@code sshRelay} section
 * ({@code recordingMaxBytes}, {@code recordingMaxAgeHours}, {@code recordingMaxTotalBytes},
 * {@code recordingSweepSeconds}).
 *
 * @param maxBytes the most one recording holds, in bytes of asciicast text (header and marker included)
 * @param maxAge a recording that ended (or, never ended, started) longer ago than this is deleted
 * @param maxTotalBytes all recordings together; the oldest ended ones are deleted past it
 * @param sweepPeriod how often each relay runs the sweep
 */
public record RecordingLimits(long maxBytes, Duration maxAge, long maxTotalBytes, Duration sweepPeriod) {

  /** Room for the header and the stop marker: a recording is never smaller than this. */
  public static final long MIN_BYTES = 4096;
  public static final long DEFAULT_MAX_BYTES = 8L * 1024 * 1024;
  public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(30);
  public static final long DEFAULT_MAX_TOTAL_BYTES = 1024L * 1024 * 1024;
  public static final Duration DEFAULT_SWEEP_PERIOD = Duration.ofHours(1);

  public static final RecordingLimits DEFAULTS =
      new RecordingLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_AGE, DEFAULT_MAX_TOTAL_BYTES, DEFAULT_SWEEP_PERIOD);

  public RecordingLimits {
    if (maxBytes < MIN_BYTES) {
      throw new IllegalArgumentException("recordingMaxBytes must be at least " + MIN_BYTES + ", got " + maxBytes);
    }
    if (maxTotalBytes < maxBytes) {
      throw new IllegalArgumentException("recordingMaxTotalBytes (" + maxTotalBytes + ") must be at least recordingMaxBytes (" + maxBytes + ")");
    }
    if (maxAge.isNegative() || maxAge.isZero() || sweepPeriod.isNegative() || sweepPeriod.isZero()) {
      throw new IllegalArgumentException("recording max age and sweep period must be positive");
    }
  }

  public RecordingLimits withMaxBytes(long bytes) {
    return new RecordingLimits(bytes, maxAge, Math.max(maxTotalBytes, bytes), sweepPeriod);
  }

  public RecordingLimits withRetention(Duration age, long totalBytes) {
    return new RecordingLimits(maxBytes, age, totalBytes, sweepPeriod);
  }

  public RecordingLimits withSweepPeriod(Duration period) {
    return new RecordingLimits(maxBytes, maxAge, maxTotalBytes, period);
  }
}
