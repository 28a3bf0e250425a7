package dev.opsbus.node;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/** A client of the failover suite that watches operation changes, reconnects and resyncs. */
interface FailoverClient extends AutoCloseable {

  String name();

  /** Every change received, by seq, in the order received (a duplicate stays in). */
  List<Long> seqs();

  /** The changes that came republished (their committer died before publishing them), by seq. */
  List<Long> republished();

  /** How long each reconnect took, from the drop to the new socket's open. */
  List<Long> reconnectMillis();

  /** Waits until this client is connected and has seen {@code seq} (or a later change). */
  void awaitSeq(long seq, Duration timeout) throws InterruptedException;

  /** Waits for an err frame whose {@code failureType} is {@code type}. */
  JsonObject awaitErr(String type, Duration timeout) throws InterruptedException;

  @Override
  void close();
}
