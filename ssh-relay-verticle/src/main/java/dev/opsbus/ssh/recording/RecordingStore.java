package dev.opsbus.ssh.recording;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code terminal_recordings} and {@code terminal_recording_chunks} tables (migration
 * {@code db/migration/ssh/V18__terminal_recordings.sql}): a row per recording, its asciicast text
 * in numbered chunks of whole lines. Every relay reads and writes through the reactive PostgreSQL
 * client, so no call here waits on a thread.
 */
public final class RecordingStore {

  /** A page of a recording read at once: chunks until this many bytes. */
  public static final int PAGE_BYTES = 1024 * 1024;

  private final Pool pool;

  public RecordingStore(Pool pool) {
    this.pool = pool;
  }

  /** The row of a new recording (before its first chunk). */
  public Future<Void> create(String sessionId, String hostId, String owner, String nodeId, Instant startedAt) {
    return pool.preparedQuery("INSERT INTO terminal_recordings (session_id, host_id, owner, node_id, started_at) VALUES ($1, $2, $3, $4, $5)")
        .execute(Tuple.of(sessionId, hostId, owner, nodeId, time(startedAt))).mapEmpty();
  }

  /** Adds chunk {@code seq} and its size, and the stop flag, in one statement. */
  public Future<Void> append(String sessionId, int seq, String text, long bytes, boolean truncated, String stopReason) {
    return pool.preparedQuery("WITH chunk AS (INSERT INTO terminal_recording_chunks (session_id, seq, data) VALUES ($1, $2, $3)) "
            + "UPDATE terminal_recordings SET size_bytes = size_bytes + $4, truncated = $5, stop_reason = $6 WHERE session_id = $1")
        .execute(Tuple.of(sessionId, seq, text, bytes, truncated, stopReason)).mapEmpty();
  }

  /** The session ended: its end time, and the stop flag as it stands. */
  public Future<Void> finish(String sessionId, Instant endedAt, boolean truncated, String stopReason) {
    return pool.preparedQuery("UPDATE terminal_recordings SET ended_at = $2, truncated = $3, stop_reason = $4 WHERE session_id = $1")
        .execute(Tuple.of(sessionId, time(endedAt), truncated, stopReason)).mapEmpty();
  }

  /** Newest first; {@code hostId} and {@code sessionId} narrow it when given. */
  public Future<List<RecordingEntry>> list(String hostId, String sessionId, int limit) {
    return pool.preparedQuery("SELECT session_id, host_id, owner, node_id, started_at, ended_at, size_bytes, truncated, stop_reason "
            + "FROM terminal_recordings WHERE ($1::text IS NULL OR host_id = $1) AND ($2::text IS NULL OR session_id = $2) "
            + "ORDER BY started_at DESC, session_id LIMIT $3")
        .execute(Tuple.of(hostId, sessionId, limit))
        .map(rows -> {
          List<RecordingEntry> out = new ArrayList<>();
          rows.forEach(r -> out.add(entry(r)));
          return out;
        });
  }

  public Future<Optional<RecordingEntry>> get(String sessionId) {
    return list(null, sessionId, 1).map(l -> l.stream().findFirst());
  }

  /** One page of a recording's text from chunk {@code fromSeq} on, with the chunk to ask for next. */
  public record Page(String text, Integer next) {
  }

  /**
   * Chunks from {@code fromSeq} on, up to about {@link #PAGE_BYTES} (at least one chunk); {@code next}
   * is null when nothing follows yet.
   */
  public Future<Page> read(String sessionId, int fromSeq) {
    return pool.preparedQuery("SELECT seq, data, octet_length(data) AS n FROM terminal_recording_chunks "
            + "WHERE session_id = $1 AND seq >= $2 ORDER BY seq LIMIT 64")
        .execute(Tuple.of(sessionId, fromSeq))
        .map(rows -> {
          StringBuilder text = new StringBuilder();
          long bytes = 0;
          Integer next = null;
          boolean more = false;
          for (Row r : rows) {
            if (bytes > 0 && bytes + r.getInteger("n") > PAGE_BYTES) {
              next = r.getInteger("seq");
              more = true;
              break;
            }
            text.append(r.getString("data"));
            bytes += r.getInteger("n");
            next = r.getInteger("seq") + 1;
          }
          return new Page(text.toString(), more || rows.size() == 64 ? next : null);
        });
  }

  /** The whole text, page after page (a recording is at most {@link RecordingLimits#maxBytes}). */
  public Future<String> readAll(String sessionId) {
    StringBuilder all = new StringBuilder();
    return readFrom(sessionId, 0, all).map(v -> all.toString());
  }

  private Future<Void> readFrom(String sessionId, int seq, StringBuilder all) {
    return read(sessionId, seq).compose(p -> {
      all.append(p.text());
      return p.next() == null ? Future.succeededFuture() : readFrom(sessionId, p.next(), all);
    });
  }

  /**
   * Deletes recordings past the retention: those that ended (or, never ended, started) before
   * {@code now - maxAge}, then the oldest ended ones until the rest fit in {@code maxTotalBytes}.
   * A recording still being written is never deleted for the total. Answers how many went.
   */
  public Future<Integer> sweep(RecordingLimits limits, Instant now) {
    Instant cutoff = now.minus(limits.maxAge());
    return pool.withTransaction(c -> c.preparedQuery("DELETE FROM terminal_recordings WHERE COALESCE(ended_at, started_at) < $1")
        .execute(Tuple.of(time(cutoff)))
        .compose(aged -> c.preparedQuery("DELETE FROM terminal_recordings WHERE session_id IN ("
                + "SELECT session_id FROM (SELECT session_id, ended_at, "
                + "SUM(size_bytes) OVER (ORDER BY started_at DESC, session_id DESC) AS running FROM terminal_recordings) r "
                + "WHERE r.running > $1 AND r.ended_at IS NOT NULL)")
            .execute(Tuple.of(limits.maxTotalBytes()))
            .map(total -> aged.rowCount() + total.rowCount())));
  }

  /** Total bytes held, for tests and the sweep's log line. */
  public Future<Long> totalBytes() {
    return pool.query("SELECT COALESCE(SUM(size_bytes), 0) FROM terminal_recordings").execute()
        .map((RowSet<Row> rows) -> rows.iterator().next().getLong(0));
  }

  private static RecordingEntry entry(Row r) {
    OffsetDateTime ended = r.getOffsetDateTime("ended_at");
    return new RecordingEntry(r.getString("session_id"), r.getString("host_id"), r.getString("owner"), r.getString("node_id"),
        r.getOffsetDateTime("started_at").toInstant(), ended == null ? null : ended.toInstant(), r.getLong("size_bytes"),
        r.getBoolean("truncated"), r.getString("stop_reason"));
  }

  private static OffsetDateTime time(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }
}
