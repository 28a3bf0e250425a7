package dev.opsbus.ssh.terminal;

import dev.opsbus.model.ErrorCode;
import dev.opsbus.model.OpsbusException;
import dev.opsbus.model.debug.HopTimes.Stamp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.OutputStream;

/**
 * What a terminal sends its shell (keystrokes, window sizes), one piece at a time in arrival order
 * on Vert.x worker threads, since an sshj write blocks while the SSH window is full. Called on the
 * session's context only. Keystrokes waiting for the host are bounded by {@value #MAX_INPUT_PENDING} bytes.
 */
final class ShellWrites {

  static final int MAX_INPUT_PENDING = 256 * 1024;

  private interface BlockingAction {
    void run() throws IOException;
  }

  private final Vertx vertx;
  private final ShellConnection conn;
  private final String sid;
  private Future<Void> chain = Future.succeededFuture();
  private int inputPending;
  private final HopProbe.Slot probes;

  /** @param probes where a timed keystroke's probe waits for its echo (see {@link HopProbe}) */
  ShellWrites(Vertx vertx, ShellConnection conn, String sid, HopProbe.Slot probes) {
    this.vertx = vertx;
    this.conn = conn;
    this.sid = sid;
    this.probes = probes;
  }

  /**
   * Writes keystrokes after everything sent before them.
   *
   * @throws OpsbusException {@code rate_limited} when too many bytes already wait for the host
   */
  Future<Void> input(byte[] bytes, HopProbe probe) {
    if (inputPending + bytes.length > MAX_INPUT_PENDING) {
      throw new OpsbusException(ErrorCode.RATE_LIMITED, "terminal " + sid + " has more than " + MAX_INPUT_PENDING
          + " bytes of input waiting for the host; try again");
    }
    inputPending += bytes.length;
    OutputStream out = conn.shell().getOutputStream();
    return enqueue(() -> {
      if (probe != null) {
        // offered before the write: the echo may be read before the write call returns
        probe.stamp(Stamp.WRITE_START);
        probes.offer(probe);
      }
      out.write(bytes);
      out.flush();
      if (probe != null) {
        probe.stamp(Stamp.WRITTEN);
      }
    }).onComplete(ar -> inputPending -= bytes.length);
  }

  /** Changes the pty's window size after everything sent before. */
  Future<Void> resize(int cols, int rows) {
    return enqueue(() -> conn.shell().changeWindowDimensions(cols, rows, 0, 0));
  }

  private Future<Void> enqueue(BlockingAction action) {
    Future<Void> next = chain.transform(ignored -> vertx.executeBlocking(() -> {
      action.run();
      return null;
    }, false));
    chain = next.transform(ignored -> Future.succeededFuture());
    return next;
  }
}
