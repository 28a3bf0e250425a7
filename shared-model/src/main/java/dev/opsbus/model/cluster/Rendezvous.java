package dev.opsbus.model.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Rendezvous (highest random weight) hashing: the owner of a key is the member whose hash with
 * the key is highest. Every member computes the same owner from the same member set, without
 * talking; when a member leaves only its keys move, and a member that joins takes about 1/n of
 * the keys from the others.
 */
public final class Rendezvous {

  private Rendezvous() {}

  /** The owner of {@code key} among {@code members}; null when there are none. */
  public static String owner(String key, Collection<String> members) {
    String best = null;
    long bestWeight = 0;
    for (String m : members) {
      long w = weight(m, key);
      if (best == null || Long.compareUnsigned(w, bestWeight) > 0 || w == bestWeight && m.compareTo(best) < 0) {
        best = m;
        bestWeight = w;
      }
    }
    return best;
  }

  /** FNV-1a over member, a separator and key, then a 64-bit finaliser so close ids spread well. */
  static long weight(String member, String key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : member.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ 0) * 0x100000001b3L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
