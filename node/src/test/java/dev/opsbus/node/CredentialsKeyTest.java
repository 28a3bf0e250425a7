package dev.opsbus.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opsbus.gateway.auth.TokenService;
import dev.opsbus.model.Role;
import dev.opsbus.model.db.Settings;
import dev.opsbus.model.secret.CredentialCipher;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, point 1: the credentials key and the JWT key live outside the database, in owner-only
 * key files (or the environment); the database only knows a check value, so a wrong key refuses the
 * start; keys an older version kept in {@code settings} are moved out. Real embedded PostgreSQL,
 * real nodes (no key environment: {@code Map.of()}, so the data dir's key files are used).
 */
class CredentialsKeyTest {

  private static final String ADMIN_PASSWORD = "keys-admin-password-1";

  @TempDir
  Path tmp;

  private NodeSettings settings(Path data) {
    return NodeSettings.builder().httpPort(0).httpHost("127.0.0.1").dataDir(data).adminPassword(ADMIN_PASSWORD)
        .verticles(VerticleKind.GATEWAY).build();
  }

  private static String read(Path p) throws Exception {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  private static String perms(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  static String setting(NodeDatabase db, String key) throws Exception {
    try (Connection c = db.connect()) {
      return NodeKeys.setting(c, key);
    }
  }

  static String sealedSecret(NodeDatabase db, String host) throws Exception {
    try (Connection c = db.connect();
        PreparedStatement st = c.prepareStatement("SELECT secret_encrypted FROM hosts WHERE id = ?")) {
      st.setString(1, host);
      try (ResultSet rs = st.executeQuery()) {
        assertThat(rs.next()).as("host " + host).isTrue();
        return rs.getString(1);
      }
    }
  }

  static void insertHost(NodeDatabase db, String id, String sealed) throws Exception {
    try (Connection c = db.connect(); PreparedStatement st = c.prepareStatement(
        "INSERT INTO hosts (id, name, address, port, username, auth_type, secret_encrypted) VALUES (?, ?, '127.0.0.1', 22, 'ops', 'password', ?)")) {
      st.setString(1, id);
      st.setString(2, id);
      st.setString(3, sealed);
      st.executeUpdate();
    }
  }

  @Test
  void keyFilesAreOwnerOnlyOutsideTheDatabaseAndARestartKeepsSecretsAndTokens() throws Exception {
    Path data = tmp.resolve("data");
    String token;
    try (OpsbusNode node = OpsbusNode.start(settings(data), Map.of())) {
      NodeClient http = new NodeClient(node.httpPort());
      token = http.login("admin", ADMIN_PASSWORD);
      NodeClient.Answer created = http.post("/api/hosts", new JsonObject().put("id", "h1").put("address", "10.0.0.1")
          .put("port", 22).put("username", "ops").put("password", "s3cret-of-h1"), token);
      assertThat(created.status()).as(created.body()).isEqualTo(201);
    }
    Path keys = data.resolve("keys");
    Path credFile = keys.resolve(NodeKeys.CREDENTIALS_FILE);
    Path jwtFile = keys.resolve(NodeKeys.JWT_FILE);
    assertThat(perms(data)).isEqualTo("rwx------");
    assertThat(perms(keys)).isEqualTo("rwx------");
    assertThat(perms(credFile)).isEqualTo("rw-------");
    assertThat(perms(jwtFile)).isEqualTo("rw-------");
    String credKey = KeyFiles.firstValue(read(credFile));
    String jwtKey = JwtKeyFile.parse(read(jwtFile)).current();

    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      // no key is in the database, only check values that do not reveal them
      try (Connection c = db.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT key, value FROM settings")) {
        while (rs.next()) {
          assertThat(rs.getString(1)).isIn(Settings.CREDENTIALS_KEY_CHECK, Settings.JWT_KEY_CHECK);
          assertThat(rs.getString(2)).isNotIn(credKey, jwtKey);
        }
      }
      assertThat(setting(db, Settings.CREDENTIALS_KEY_CHECK)).isEqualTo(KeyFiles.checkValue(credKey));
      assertThat(new CredentialCipher(credKey).decrypt(sealedSecret(db, "h1"))).isEqualTo("s3cret-of-h1");
    }

    try (OpsbusNode node = OpsbusNode.start(settings(data), Map.of())) {
      NodeClient http = new NodeClient(node.httpPort());
      NodeClient.Answer hosts = http.get("/api/hosts", token);
      assertThat(hosts.status()).as("a token of the first run, after a restart: " + hosts.body()).isEqualTo(200);
      assertThat(hosts.body()).contains("\"h1\"").doesNotContain("s3cret");
    }
    assertThat(KeyFiles.firstValue(read(credFile))).as("the key is kept across restarts").isEqualTo(credKey);
  }

  @Test
  void keysAnOlderVersionKeptInSettingsAreMovedOutAndStillWork() throws Exception {
    Path data = tmp.resolve("legacy");
    String legacyCred = KeyFiles.randomBase64(CredentialCipher.KEY_BYTES);
    String legacyJwt = KeyFiles.randomBase64(JwtKeyFile.KEY_BYTES);
    // what an older version left: both keys in settings, a host sealed with the credentials key
    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      db.migrate();
      try (Connection c = db.connect(); PreparedStatement st = c.prepareStatement("INSERT INTO settings (key, value) VALUES (?, ?)")) {
        st.setString(1, CredentialCipher.LEGACY_SETTINGS_KEY);
        st.setString(2, legacyCred);
        st.executeUpdate();
        st.setString(1, Settings.LEGACY_JWT_KEY);
        st.setString(2, legacyJwt);
        st.executeUpdate();
      }
      insertHost(db, "old1", new CredentialCipher(legacyCred).encrypt("old-secret"));
    }
    Vertx vertx = Vertx.vertx();
    try {
      // signed with the key from settings; its token version is one no revocation has passed (the admin is
      // created by the node below, with a version of its own): this test is about the key
      String oldToken = new TokenService(vertx, legacyJwt, Duration.ofMinutes(5)).issue("admin", Set.of(Role.ADMIN), Set.of("*"),
          Long.MAX_VALUE).token();
      try (OpsbusNode node = OpsbusNode.start(settings(data), Map.of())) {
        NodeClient.Answer hosts = new NodeClient(node.httpPort()).get("/api/hosts", oldToken);
        assertThat(hosts.status()).as("a token signed with the key from settings: " + hosts.body()).isEqualTo(200);
        assertThat(hosts.body()).contains("old1");
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
    Path keys = data.resolve("keys");
    assertThat(KeyFiles.firstValue(read(keys.resolve(NodeKeys.CREDENTIALS_FILE)))).isEqualTo(legacyCred);
    assertThat(JwtKeyFile.parse(read(keys.resolve(NodeKeys.JWT_FILE))).current()).isEqualTo(legacyJwt);
    assertThat(perms(keys.resolve(NodeKeys.CREDENTIALS_FILE))).isEqualTo("rw-------");
    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      assertThat(setting(db, CredentialCipher.LEGACY_SETTINGS_KEY)).as("legacy credentials row").isNull();
      assertThat(setting(db, Settings.LEGACY_JWT_KEY)).as("legacy JWT row").isNull();
      assertThat(setting(db, Settings.CREDENTIALS_KEY_CHECK)).isEqualTo(KeyFiles.checkValue(legacyCred));
      assertThat(new CredentialCipher(read(keys.resolve(NodeKeys.CREDENTIALS_FILE)).trim()).decrypt(sealedSecret(db, "old1")))
          .isEqualTo("old-secret");
    }
  }

  @Test
  void aWrongOrMissingKeyRefusesTheStartWithAMessage() throws Exception {
    Path data = tmp.resolve("data");
    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      db.migrate();
      NodeKeys.load(data, Map.of(), db);
    }
    Path credFile = data.resolve("keys").resolve(NodeKeys.CREDENTIALS_FILE);
    String right = read(credFile);

    KeyFiles.writePrivate(credFile, KeyFiles.randomBase64(CredentialCipher.KEY_BYTES) + "\n");
    assertThatThrownBy(() -> OpsbusNode.start(settings(data), Map.of()))
        .isInstanceOf(NodeStartException.class)
        .hasMessageContaining("the credentials key in " + credFile)
        .hasMessageContaining("is not the one the database's host secrets were sealed with");

    Files.delete(credFile);
    assertThatThrownBy(() -> OpsbusNode.start(settings(data), Map.of()))
        .isInstanceOf(NodeStartException.class)
        .hasMessageContaining("sealed with a credentials key, but " + credFile + " does not exist");

    KeyFiles.writePrivate(credFile, right);
    Path jwtFile = data.resolve("keys").resolve(NodeKeys.JWT_FILE);
    String rightJwt = read(jwtFile);
    KeyFiles.writePrivate(jwtFile, JwtKeyFile.generate().format());
    assertThatThrownBy(() -> OpsbusNode.start(settings(data), Map.of()))
        .isInstanceOf(NodeStartException.class)
        .hasMessageContaining("the JWT key in " + jwtFile + " is not the cluster's");
    KeyFiles.writePrivate(jwtFile, rightJwt);

    // the environment: a value, or a file it names, instead of the data dir's files
    try (NodeDatabase db = NodeDatabase.startEmbedded(data)) {
      Path secretStore = tmp.resolve("store-cred.key");
      Files.writeString(secretStore, right);
      Path jwtStore = tmp.resolve("store-jwt.key");
      Files.writeString(jwtStore, "bogus-" + KeyFiles.randomBase64(8));
      assertThatThrownBy(() -> NodeKeys.load(data, Map.of(NodeKeys.CREDENTIALS_FILE_ENV, secretStore.toString(),
          NodeKeys.JWT_FILE_ENV, jwtStore.toString()), db))
          .isInstanceOf(NodeStartException.class)
          .hasMessageContaining("the JWT key in " + jwtStore + " is not the cluster's");
      assertThatThrownBy(() -> NodeKeys.load(data, Map.of(NodeKeys.CREDENTIALS_ENV, "not-base64-aes!"), db))
          .isInstanceOf(NodeStartException.class)
          .hasMessageContaining("the credentials key in the environment variable OPSBUS_CREDENTIALS_KEY is not a base64 AES-256 key");
      NodeKeys.Loaded fromEnv = NodeKeys.load(data, Map.of(NodeKeys.CREDENTIALS_ENV, right.trim(),
          NodeKeys.JWT_FILE_ENV, jwtFile.toString()), db);
      assertThat(fromEnv.credentialsKey()).isEqualTo(right.trim());
      assertThat(perms(secretStore)).as("a key file named by the environment is tightened too").isEqualTo("rw-------");
    }
  }
}
