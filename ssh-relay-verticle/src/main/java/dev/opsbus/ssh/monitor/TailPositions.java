package dev.opsbus.ssh.monitor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each log tail stands, in the cluster map {@value #MAP}: per log address the file's inode,
 * the byte offset just after the last line published and the last batch's {@code seq}. The owner
 * writes it after each published batch (at most one write in flight per address; a newer position
 * replaces one still waiting), and a relay that takes a host over reads it to resume at that byte
 * with the next {@code seq}. A crash can lose the last write: those lines come again (at least
 * once), never missing. Runs on the relay's event loop.
 */
final class TailPositions {

  static final String MAP = "opsbus.log.positions";

  /** A tail's place: {@code inode} as the host's {@code ls -di} prints it ("" when unknown). */
  record Position(String inode, long offset, long seq) {
    String encode() {
      return inode + " " + offset + " " + seq;
    }

    static Position decode(String s) {
      if (s == null) {
        return null;
      }
      String[] p = s.split(" ");
      try {
        return p.length == 3 ? new Position(p[0], Long.parseLong(p[1]), Long.parseLong(p[2])) : null;
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  private final Vertx vertx;
  private Future<AsyncMap<String, String>> map;
  private final Map<String, Position> waiting = new HashMap<>();
  private final Map<String, Boolean> writing = new HashMap<>();

  TailPositions(Vertx vertx) {
    this.vertx = vertx;
  }

  private Future<AsyncMap<String, String>> map() {
    if (map == null) {
      map = vertx.sharedData().getAsyncMap(MAP);
    }
    return map;
  }

  /** The last position written for {@code address}; null when none (or unreadable). */
  Future<Position> get(String address) {
    return map().compose(m -> m.get(address)).map(Position::decode).otherwise(e -> null);
  }

  /** Remembers {@code p} for {@code address}; writes coalesce. */
  void save(String address, Position p) {
    waiting.put(address, p);
    if (writing.putIfAbsent(address, Boolean.TRUE) == null) {
      writeNext(address);
    }
  }

  private void writeNext(String address) {
    Position p = waiting.remove(address);
    if (p == null) {
      writing.remove(address);
      return;
    }
    map().compose(m -> m.put(address, p.encode())).onComplete(ar -> writeNext(address));
  }
}
