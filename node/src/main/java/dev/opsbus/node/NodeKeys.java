package dev.opsbus.node;

import dev.opsbus.model.db.Settings;
import dev.opsbus.model.secret.CredentialCipher;
import dev.opsbus.model.secret.NodeSecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's two keys, kept outside the database: the credentials key (AES-256, seals the hosts' SSH
 * secrets) and the JWT signing key. Each comes from, in this order, an environment variable holding
 * it ({@code OPSBUS_CREDENTIALS_KEY}, {@code OPSBUS_JWT_KEY}), a file an environment variable names
 * ({@code ..._FILE}), or its file in {@code <data-dir>/keys} ({@code credentials.key},
 * {@code jwt.key}, 0600), which the node creates on the very first start of a database.
 *
 * <p>The database keeps a check value of each (an HMAC of a constant under the key) in
 * {@code settings}: a node with another key than the one the secrets were sealed with refuses to
 * start, saying which, instead of garbling secrets or refusing every token. A key that an older
 * version kept in {@code settings} is moved to its file and deleted from the table. A rotation
 * ({@link KeyRotation}) that was interrupted between its commit and its renames is finished here.
 * Blocking, JDBC: launcher thread only.
 */
final class NodeKeys {

  private static final Logger LOG = LoggerFactory.getLogger(NodeKeys.class);

  static final String CREDENTIALS_ENV = "OPSBUS_CREDENTIALS_KEY";
  static final String CREDENTIALS_FILE_ENV = "OPSBUS_CREDENTIALS_KEY_FILE";
  static final String JWT_ENV = "OPSBUS_JWT_KEY";
  static final String JWT_FILE_ENV = "OPSBUS_JWT_KEY_FILE";
  static final String CREDENTIALS_FILE = "credentials.key";
  static final String JWT_FILE = "jwt.key";
  /** A rotation writes the new key here first, and renames it over the key file after its commit. */
  static final String NEW_SUFFIX = ".new";
  /** Clock difference between nodes allowed for when the previous JWT key's tokens expire. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

  /** Where one key comes from: a value from the environment, or a file (the data dir's, or one the environment names). */
  record Source(String name, String envValue, Path file, boolean nodeManaged) {

    String read() throws IOException {
      if (envValue != null) {
        return envValue.trim();
      }
      return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
    }

    String describe() {
      return envValue != null ? "the environment variable " + name : file.toString();
    }
  }

  /** The keys as read, with where they came from (the rotation writes them back there). */
  record Loaded(String credentialsKey, Source credentialsSource, JwtKeyFile jwt, Source jwtSource) {

    NodeSecrets secrets(Duration tokenTtl) {
      return new NodeSecrets(credentialsKey, jwt.current(), jwt.previous(),
          jwt.previous() == null ? null : jwt.rotatedAt().plus(tokenTtl).plus(CLOCK_SKEW));
    }

    @Override
    public String toString() {
      return "Loaded[credentials from " + credentialsSource.describe() + ", jwt from " + jwtSource.describe() + "]";
    }
  }

  private NodeKeys() {
  }

  static Source credentialsSource(Path dataDir, Map<String, String> env) throws IOException {
    return source(dataDir, env, CREDENTIALS_ENV, CREDENTIALS_FILE_ENV, CREDENTIALS_FILE);
  }

  static Source jwtSource(Path dataDir, Map<String, String> env) throws IOException {
    return source(dataDir, env, JWT_ENV, JWT_FILE_ENV, JWT_FILE);
  }

  private static Source source(Path dataDir, Map<String, String> env, String valueVar, String fileVar, String fileName)
      throws IOException {
    String value = env.get(valueVar);
    if (value != null && !value.isBlank()) {
      return new Source(valueVar, value, null, false);
    }
    String path = env.get(fileVar);
    if (path != null && !path.isBlank()) {
      return new Source(fileVar, null, Path.of(path).toAbsolutePath().normalize(), false);
    }
    return new Source(fileVar, null, KeyFiles.keysDir(dataDir).resolve(fileName), true);
  }

  /**
   * Reads (or on a database's first start, creates) both keys and checks them against the database.
   *
   * @throws NodeStartException with one sentence saying which key is wrong or missing and what to do
   */
  static Loaded load(Path dataDir, Map<String, String> env, NodeDatabase db) {
    try (Connection c = db.connect()) {
      // the data dir is the node's OS user's alone, whichever database and key sources it uses
      KeyFiles.privateDir(dataDir);
      c.setAutoCommit(false);
      Source credSource = credentialsSource(dataDir, env);
      String cred = credentials(c, credSource);
      Source jwtSource = jwtSource(dataDir, env);
      JwtKeyFile jwt = jwt(c, jwtSource);
      c.commit();
      return new Loaded(cred, credSource, jwt, jwtSource);
    } catch (SQLException | IOException e) {
      throw new NodeStartException("cannot read or store the node's keys: " + NodeDatabase.rootMessage(e), e);
    }
  }

  private static String credentials(Connection c, Source src) throws SQLException, IOException {
    String check = setting(c, Settings.CREDENTIALS_KEY_CHECK);
    finishRotation(src, check, text -> KeyFiles.firstValue(text));
    String key = text(src) == null ? null : KeyFiles.firstValue(text(src));
    if (key != null) {
      try {
        new CredentialCipher(key);
      } catch (IllegalArgumentException e) {
        throw new NodeStartException("the credentials key in " + src.describe() + " is not a base64 AES-256 key ("
            + CredentialCipher.KEY_BYTES + " bytes)", e);
      }
    }
    String legacy = setting(c, CredentialCipher.LEGACY_SETTINGS_KEY);
    if (legacy != null) {
      key = moveOut(c, src, key, legacy, CredentialCipher.LEGACY_SETTINGS_KEY, "credentials key", legacy + "\n");
    } else if (key == null && check != null) {
      throw new NodeStartException("the host secrets in the database are sealed with a credentials key, but "
          + src.describe() + " does not exist: give this node the key file of the other nodes (every node of a cluster"
          + " shares it), or set " + CREDENTIALS_FILE_ENV);
    } else if (key == null) {
      if (!src.nodeManaged()) {
        throw new NodeStartException("the credentials key file " + src.describe() + " does not exist");
      }
      key = KeyFiles.randomBase64(CredentialCipher.KEY_BYTES);
      KeyFiles.writePrivate(src.file(), key + "\n");
      LOG.info("created the credentials key {} (owner-only); every node of a cluster needs this same file", src.file());
    }
    storeCheck(c, Settings.CREDENTIALS_KEY_CHECK, key, "the credentials key in " + src.describe()
        + " is not the one the database's host secrets were sealed with: use the key file of the other nodes"
        + " (or of the last 'keys rotate')");
    return key;
  }

  private static JwtKeyFile jwt(Connection c, Source src) throws SQLException, IOException {
    String check = setting(c, Settings.JWT_KEY_CHECK);
    finishRotation(src, check, text -> JwtKeyFile.parse(text).current());
    String text = text(src);
    JwtKeyFile file;
    try {
      file = text == null ? null : JwtKeyFile.parse(text);
    } catch (IllegalArgumentException e) {
      throw new NodeStartException("the JWT key in " + src.describe() + " cannot be read: " + e.getMessage(), e);
    }
    String legacy = setting(c, Settings.LEGACY_JWT_KEY);
    if (legacy != null) {
      String key = moveOut(c, src, file == null ? null : file.current(), legacy, Settings.LEGACY_JWT_KEY, "JWT key",
          new JwtKeyFile(legacy, null, null).format());
      file = file == null ? new JwtKeyFile(key, null, null) : file;
    } else if (file == null && check != null) {
      throw new NodeStartException("tokens of this database are signed with a JWT key, but " + src.describe()
          + " does not exist: give this node the key file of the other nodes (every node of a cluster shares it),"
          + " or set " + JWT_FILE_ENV);
    } else if (file == null) {
      if (!src.nodeManaged()) {
        throw new NodeStartException("the JWT key file " + src.describe() + " does not exist");
      }
      file = JwtKeyFile.generate();
      KeyFiles.writePrivate(src.file(), file.format());
      LOG.info("created the JWT key {} (owner-only); every node of a cluster needs this same file", src.file());
    }
    storeCheck(c, Settings.JWT_KEY_CHECK, file.current(), "the JWT key in " + src.describe()
        + " is not the cluster's: use the key file of the other nodes (or of the last 'keys rotate')");
    return file;
  }

  /** A key an older version kept in settings: to its file (unless one is given elsewhere), then out of the table. */
  private static String moveOut(Connection c, Source src, String key, String legacy, String row, String what, String fileText)
      throws SQLException, IOException {
    if (key != null && !key.equals(legacy)) {
      throw new NodeStartException("the settings table still holds the " + what + " of an older version, and it differs"
          + " from the one in " + src.describe() + ": start once with the key moved out of the database (no "
          + src.name() + "), or delete the row '" + row + "' if the database's secrets are sealed with the key given");
    }
    if (key == null) {
      if (!src.nodeManaged()) {
        throw new NodeStartException("the " + what + " file " + src.describe() + " does not exist");
      }
      // written and synced before the row goes, so the key exists somewhere at every moment
      KeyFiles.writePrivate(src.file(), fileText);
    }
    try (PreparedStatement st = c.prepareStatement("DELETE FROM settings WHERE key = ?")) {
      st.setString(1, row);
      st.executeUpdate();
    }
    LOG.warn("moved the {} out of the database to {}; local users could read it there before: run 'keys rotate'",
        what, src.describe());
    return legacy;
  }

  /** Stores the key's check value on first use; otherwise it must match the stored one. */
  private static void storeCheck(Connection c, String name, String key, String mismatch) throws SQLException {
    String expected = KeyFiles.checkValue(key);
    try (PreparedStatement st = c.prepareStatement("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")) {
      st.setString(1, name);
      st.setString(2, expected);
      st.executeUpdate();
    }
    if (!expected.equals(setting(c, name))) {
      c.rollback();
      throw new NodeStartException(mismatch);
    }
  }

  /**
   * A rotation writes {@code <key file>.new}, commits, then renames it over the key file. When it
   * stopped after the commit, the database's check value names the new key: rename it now. When it
   * stopped before, the old key is still the right one: remove the new file.
   */
  static void finishRotation(Source src, String check, Function<String, String> keyOf) throws IOException {
    if (src.file() == null) {
      return;
    }
    Path pending = src.file().resolveSibling(src.file().getFileName() + NEW_SUFFIX);
    if (!Files.isRegularFile(pending)) {
      return;
    }
    String key = keyOf.apply(Files.readString(pending, StandardCharsets.UTF_8));
    if (check != null && key != null && check.equals(KeyFiles.checkValue(key))) {
      moveOver(pending, src.file());
      LOG.info("finished an interrupted key rotation: {} is the new key", src.file());
    } else {
      Files.delete(pending);
      LOG.info("removed {} of a key rotation that did not commit", pending);
    }
  }

  static void moveOver(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static String text(Source src) throws IOException {
    String t = src.read();
    if (t != null && src.file() != null) {
      KeyFiles.tighten(src.file());
    }
    return t;
  }

  static String setting(Connection c, String key) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("SELECT value FROM settings WHERE key = ?")) {
      st.setString(1, key);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }
}
