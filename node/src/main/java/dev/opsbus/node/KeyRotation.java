package dev.opsbus.node;

import dev.opsbus.model.db.Settings;
import dev.opsbus.model.secret.CredentialCipher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code keys rotate}: a new credentials key, with every host secret re-sealed under it, and a new
 * JWT signing key, the old one kept for verification until its tokens expire (or dropped at once).
 * Runs while no node does: on the embedded database the data dir's lock says so, on an external one
 * the operations verticles' heartbeats ({@code operation_nodes}) must be older than
 * {@link #LIVE_NODE_WINDOW_SECONDS}.
 *
 * <p>Order, so that no crash loses a key: the new keys are written to {@code <key file>.new} (0600,
 * synced); one transaction re-seals every secret and replaces both check values; after its commit
 * the new files are renamed over the old ones. A crash before the commit leaves the old keys in
 * force (the next start removes the {@code .new} files); after it, the next start finds the check
 * values naming the {@code .new} keys and finishes the renames ({@link NodeKeys#finishRotation}).
 * This is the one place outside the gateway's {@code HostStore} that writes {@code hosts}: the
 * launcher runs it with no gateway up. Blocking, JDBC.
 */
final class KeyRotation {

  private static final Logger LOG = LoggerFactory.getLogger(KeyRotation.class);

  /** A node whose heartbeat is younger than this is taken to be running. */
  static final int LIVE_NODE_WINDOW_SECONDS = 30;

  /** What a rotation did. */
  record Result(int resealed, boolean droppedOldTokens, Path credentialsFile, Path jwtFile) {
  }

  private KeyRotation() {
  }

  /**
   * Rotates both keys of the database {@code db} (migrated), whose key files are found as a node
   * would find them ({@code dataDir}, {@code env}).
   *
   * @throws NodeStartException with one sentence when it cannot (a node runs, a key comes from an
   *     environment value, a secret does not open); nothing has changed then
   */
  static Result rotate(NodeDatabase db, Path dataDir, Map<String, String> env, boolean dropOldTokens, Instant now) {
    NodeKeys.Loaded keys = NodeKeys.load(dataDir, env, db);
    Path credFile = writable(keys.credentialsSource(), "credentials key");
    Path jwtFile = writable(keys.jwtSource(), "JWT key");
    String newCred = KeyFiles.randomBase64(CredentialCipher.KEY_BYTES);
    JwtKeyFile newJwt = keys.jwt().rotate(now, dropOldTokens);
    Path credPending = pending(credFile);
    Path jwtPending = pending(jwtFile);
    int resealed;
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      if (!db.isEmbedded()) {
        // the embedded database's lock already proved that no node runs on it
        refuseWhileNodesRun(c);
      }
      KeyFiles.writePrivate(credPending, newCred + "\n");
      KeyFiles.writePrivate(jwtPending, newJwt.format());
      try {
        resealed = reseal(c, new CredentialCipher(keys.credentialsKey()), new CredentialCipher(newCred));
        setCheck(c, Settings.CREDENTIALS_KEY_CHECK, newCred);
        setCheck(c, Settings.JWT_KEY_CHECK, newJwt.current());
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        Files.deleteIfExists(credPending);
        Files.deleteIfExists(jwtPending);
        throw e;
      }
    } catch (SQLException | IOException e) {
      throw new NodeStartException("key rotation failed, the old keys stay in force: " + NodeDatabase.rootMessage(e), e);
    }
    try {
      NodeKeys.moveOver(credPending, credFile);
      NodeKeys.moveOver(jwtPending, jwtFile);
    } catch (IOException e) {
      throw new NodeStartException("the database now uses the new keys, but renaming " + credPending + " and " + jwtPending
          + " failed (" + e.getMessage() + "): the next start of a node on this data dir finishes it", e);
    }
    LOG.info("keys rotated: {} host secret(s) re-sealed under a new credentials key; new JWT key ({})", resealed,
        dropOldTokens ? "tokens of the old key are refused now" : "tokens of the old key are accepted until they expire");
    return new Result(resealed, dropOldTokens, credFile, jwtFile);
  }

  private static Path writable(NodeKeys.Source src, String what) {
    if (src.file() == null) {
      throw new NodeStartException("the " + what + " comes from " + src.describe() + ": rotate it in your secret store"
          + " instead, or unset it and give the key as a file (" + src.name() + " or <data-dir>/keys)");
    }
    return src.file();
  }

  private static Path pending(Path file) {
    return file.resolveSibling(file.getFileName() + NodeKeys.NEW_SUFFIX);
  }

  private static void refuseWhileNodesRun(Connection c) throws SQLException {
    List<String> live = new ArrayList<>();
    try (PreparedStatement st = c.prepareStatement(
        "SELECT node_id FROM operation_nodes WHERE last_seen > now() - make_interval(secs => ?) ORDER BY node_id")) {
      st.setInt(1, LIVE_NODE_WINDOW_SECONDS);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          live.add(rs.getString(1));
        }
      }
    }
    if (!live.isEmpty()) {
      throw new NodeStartException("node(s) " + String.join(", ", live) + " ran within the last " + LIVE_NODE_WINDOW_SECONDS
          + " s: stop every node of the cluster before rotating keys (and wait that long after the last one stopped)");
    }
  }

  /** Re-seals every host secret under {@code to}, in the caller's transaction; the rows stay locked until it ends. */
  private static int reseal(Connection c, CredentialCipher from, CredentialCipher to) throws SQLException {
    Map<String, String> sealed = new LinkedHashMap<>();
    try (PreparedStatement st = c.prepareStatement("SELECT id, secret_encrypted FROM hosts ORDER BY id FOR UPDATE");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        sealed.put(rs.getString(1), rs.getString(2));
      }
    }
    try (PreparedStatement st = c.prepareStatement("UPDATE hosts SET secret_encrypted = ? WHERE id = ?")) {
      for (Map.Entry<String, String> e : sealed.entrySet()) {
        String plain;
        try {
          plain = from.decrypt(e.getValue());
        } catch (IllegalArgumentException bad) {
          throw new IllegalStateException("the secret of host '" + e.getKey() + "' does not open with the current key", bad);
        }
        st.setString(1, to.encrypt(plain));
        st.setString(2, e.getKey());
        st.addBatch();
      }
      st.executeBatch();
    }
    return sealed.size();
  }

  private static void setCheck(Connection c, String name, String key) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")) {
      st.setString(1, name);
      st.setString(2, KeyFiles.checkValue(key));
      st.executeUpdate();
    }
  }
}
